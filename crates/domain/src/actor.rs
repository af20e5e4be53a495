//! Who is calling. The API layer builds an [`Actor`] from each request and hands it to the
//! domain, so that visibility and permission rules live here (see [`crate::policy`]) and
//! resolvers never decide them.

use std::{collections::HashSet, sync::Arc};

/// The roles a token can carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Staff of the provincial committee: act anywhere in their province.
    ProvinceStaff,
    /// Staff of a city committee: act on the city's own committee and its counties.
    CityStaff,
    /// Staff of a county committee: act on their county only.
    CountyStaff,
    /// A CPPCC member: acts on their own lounges and proposals.
    Member,
    /// An integrator system: manages notification targets in its region's subtree.
    Integrator,
}

impl Role {
    /// The role as written in tokens and in GraphQL (`PROVINCE_STAFF`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::ProvinceStaff => "PROVINCE_STAFF",
            Role::CityStaff => "CITY_STAFF",
            Role::CountyStaff => "COUNTY_STAFF",
            Role::Member => "MEMBER",
            Role::Integrator => "INTEGRATOR",
        }
    }

    /// Parses `PROVINCE_STAFF`, `province-staff` or `province_staff` (any case).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_uppercase().replace('-', "_").as_str() {
            "PROVINCE_STAFF" => Some(Role::ProvinceStaff),
            "CITY_STAFF" => Some(Role::CityStaff),
            "COUNTY_STAFF" => Some(Role::CountyStaff),
            "MEMBER" => Some(Role::Member),
            "INTEGRATOR" => Some(Role::Integrator),
            _ => None,
        }
    }

    /// Whether the role is committee staff of some tier.
    pub fn is_staff(self) -> bool {
        matches!(
            self,
            Role::ProvinceStaff | Role::CityStaff | Role::CountyStaff
        )
    }
}

/// An authenticated caller, with its region's subtree resolved once per request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The identity provider that signed the caller in (its `iss`); `None` for this
    /// instance's own service tokens.
    pub issuer: Option<String>,
    /// The `jti` of the service token the caller presented (to revoke it themselves); `None`
    /// for provider tokens and for service tokens issued before tokens carried one.
    pub token_id: Option<String>,
    /// The token's subject (a user or system name), recorded as the actor of changes.
    pub subject: String,
    /// The role.
    pub role: Role,
    /// The region (committee) the caller belongs to.
    pub region_id: i64,
    /// Its GB/T 2260 code.
    pub region_code: String,
    /// The member the caller is; always `None` for roles other than MEMBER.
    pub member_id: Option<i64>,
    /// Ids of the caller's region and every region below it.
    pub scope: Arc<HashSet<i64>>,
}

impl Principal {
    /// Whether `region_id` lies in the caller's region or below it.
    pub fn covers(&self, region_id: i64) -> bool {
        self.scope.contains(&region_id)
    }
}

/// The caller of a request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Actor {
    /// A caller without credentials: sees public records only, never personal data.
    #[default]
    Anonymous,
    /// A caller with a valid token.
    Authenticated(Principal),
}

impl Actor {
    /// The authenticated principal, if any.
    pub fn principal(&self) -> Option<&Principal> {
        match self {
            Actor::Anonymous => None,
            Actor::Authenticated(principal) => Some(principal),
        }
    }

    /// The name recorded as the actor of a change (`anonymous` for public submissions).
    pub fn name(&self) -> String {
        match self {
            Actor::Anonymous => "anonymous".to_owned(),
            Actor::Authenticated(principal) => {
                format!("{}:{}", principal.role.as_str(), principal.subject)
            }
        }
    }

    /// Staff whose scope covers `region_id`.
    pub fn is_staff_covering(&self, region_id: i64) -> bool {
        self.principal()
            .is_some_and(|principal| principal.role.is_staff() && principal.covers(region_id))
    }

    /// Whether this caller may see the personal contact data (phone, e-mail) of a member of the
    /// committee with the given region id: only staff whose scope covers that committee.
    pub fn may_see_contact_data(&self, member_region_id: i64) -> bool {
        self.is_staff_covering(member_region_id)
    }

    /// Whether this caller may see DRAFT sentiment reports (社情民意信息) of the committee with
    /// the given region id: staff in scope (authors see their own drafts through
    /// [`Actor::member_id`]). The rule is [`crate::visibility`]'s.
    pub fn sees_drafts_of(&self, region_id: i64) -> bool {
        crate::visibility::may_see(
            self.principal(),
            crate::visibility::Audience::StaffAndAuthors,
            &[region_id],
            false,
        )
    }

    /// The committees (region ids) whose DRAFT sentiment reports this caller may see, for list
    /// queries; agrees with [`Actor::sees_drafts_of`].
    pub fn draft_regions(&self) -> Vec<i64> {
        crate::visibility::staff_regions(self)
    }

    /// The member this caller is: only for the MEMBER role. A staff or integrator token that
    /// carries a `member` claim never acts as that member.
    pub fn member_id(&self) -> Option<i64> {
        self.principal()
            .filter(|principal| principal.role == Role::Member)
            .and_then(|principal| principal.member_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(role: Role, scope: &[i64]) -> Actor {
        Actor::Authenticated(Principal {
            issuer: None,
            token_id: None,
            subject: "s".into(),
            role,
            region_id: scope[0],
            region_code: "330000".into(),
            member_id: None,
            scope: Arc::new(scope.iter().copied().collect()),
        })
    }

    #[test]
    fn contact_data_only_for_staff_in_scope() {
        assert!(!Actor::Anonymous.may_see_contact_data(1));
        assert!(staff(Role::CityStaff, &[2, 3]).may_see_contact_data(3));
        assert!(!staff(Role::CityStaff, &[2, 3]).may_see_contact_data(4));
        assert!(!staff(Role::Integrator, &[2, 3]).may_see_contact_data(3));
    }

    #[test]
    fn only_the_member_role_acts_as_a_member() {
        let with_claim = |role: Role| {
            let Actor::Authenticated(mut principal) = staff(role, &[3]) else {
                unreachable!()
            };
            principal.member_id = Some(7);
            Actor::Authenticated(principal)
        };
        assert_eq!(with_claim(Role::Member).member_id(), Some(7));
        for role in [Role::CountyStaff, Role::ProvinceStaff, Role::Integrator] {
            assert_eq!(with_claim(role).member_id(), None, "{role:?}");
        }
    }

    #[test]
    fn roles_parse_in_cli_and_token_spellings() {
        assert_eq!(Role::parse("county-staff"), Some(Role::CountyStaff));
        assert_eq!(Role::parse("PROVINCE_STAFF"), Some(Role::ProvinceStaff));
        assert_eq!(Role::parse("admin"), None);
    }
}
