//! Who made a change, as a caller may see it. A change records `ROLE:subject` (the token's
//! subject names a person or system) and, since it was added, the committee of the token. The
//! subject is shown only to staff whose scope covers the record's committee; everyone else,
//! the anonymous public included, sees the role and the committee alone.

use crate::{Actor, Role};

/// The actor of a change as shown to one caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShownActor {
    /// `ROLE:subject` for a caller who may see the subject, else the stored text without the
    /// subject (`PROVINCE_STAFF`, or `anonymous` / `seed`, which have none).
    pub name: String,
    /// The token's role; `None` for anonymous submissions and seeded history.
    pub role: Option<Role>,
    /// The committee (region id) of the token; `None` for anonymous submissions and for changes
    /// recorded before the committee was stored.
    pub region_id: Option<i64>,
}

/// Whether `viewer` may see the subjects of the people who changed a record of the committee
/// `record_region_id`: staff whose scope covers it.
pub fn sees_subjects(viewer: &Actor, record_region_id: i64) -> bool {
    viewer
        .principal()
        .is_some_and(|principal| principal.role.is_staff() && principal.covers(record_region_id))
}

/// The stored actor text `stored` (with the stored committee `region_id`) of a change to a
/// record of committee `record_region_id`, as `viewer` may see it.
pub fn shown(
    stored: &str,
    region_id: Option<i64>,
    record_region_id: i64,
    viewer: &Actor,
) -> ShownActor {
    let (role_text, subject) = match stored.split_once(':') {
        Some((role, subject)) => (role, Some(subject)),
        None => (stored, None),
    };
    let role = subject.and_then(|_| Role::parse(role_text));
    let name = if sees_subjects(viewer, record_region_id) {
        stored.to_owned()
    } else {
        role_text.to_owned()
    };
    ShownActor {
        name,
        role,
        region_id,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::Principal;

    fn caller(role: Role, scope: &[i64]) -> Actor {
        Actor::Authenticated(Principal {
            issuer: None,
            token_id: None,
            subject: "bob".into(),
            role,
            region_id: scope[0],
            region_code: "330000".into(),
            member_id: None,
            scope: Arc::new(scope.iter().copied().collect()),
        })
    }

    #[test]
    fn only_staff_in_scope_see_the_subject() {
        let stored = "PROVINCE_STAFF:alice";
        let hidden = ShownActor {
            name: "PROVINCE_STAFF".into(),
            role: Some(Role::ProvinceStaff),
            region_id: Some(1),
        };
        assert_eq!(shown(stored, Some(1), 3, &Actor::Anonymous), hidden);
        assert_eq!(
            shown(stored, Some(1), 3, &caller(Role::Integrator, &[1, 3])),
            hidden
        );
        assert_eq!(
            shown(stored, Some(1), 3, &caller(Role::CountyStaff, &[4])),
            hidden
        );
        assert_eq!(
            shown(stored, Some(1), 3, &caller(Role::CityStaff, &[2, 3])).name,
            stored
        );
    }

    #[test]
    fn old_rows_and_anonymous_submissions_have_no_subject() {
        let anonymous = shown("anonymous", None, 3, &Actor::Anonymous);
        assert_eq!(
            (anonymous.name.as_str(), anonymous.role),
            ("anonymous", None)
        );
        let seeded = shown("seed", None, 3, &caller(Role::ProvinceStaff, &[3]));
        assert_eq!((seeded.name.as_str(), seeded.role), ("seed", None));
        let old = shown("CITY_STAFF:carol", None, 3, &Actor::Anonymous);
        assert_eq!(
            (old.name.as_str(), old.role, old.region_id),
            ("CITY_STAFF", Some(Role::CityStaff), None)
        );
    }
}
