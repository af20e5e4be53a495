//! Authorization: who may do what, decided in one place.
//!
//! Staff act only inside their region's subtree (county staff: their county; city staff: the
//! city's own committee and its counties; province staff: the whole province). Members act on
//! their own proposals. Anonymous callers may only submit public topics.

use crate::{Actor, DomainError, Principal};

/// The caller must be staff whose scope covers the committee `region_id`.
pub fn staff_in_scope(actor: &Actor, region_id: i64) -> Result<&Principal, DomainError> {
    let principal = actor.principal().ok_or(DomainError::Unauthenticated)?;
    if !principal.role.is_staff() {
        return Err(DomainError::Forbidden(format!(
            "{} may not manage committee records",
            principal.role.as_str()
        )));
    }
    if !principal.covers(region_id) {
        return Err(DomainError::Forbidden(
            "the record belongs to a committee outside your region".to_owned(),
        ));
    }
    Ok(principal)
}

/// Staff in scope may propose any topic; a member may propose (source MEMBER only) to the
/// committee they serve on.
pub fn may_propose(
    actor: &Actor,
    region_id: i64,
    member_region_id: Option<i64>,
    member_source: bool,
) -> Result<(), DomainError> {
    let principal = actor.principal().ok_or(DomainError::Unauthenticated)?;
    if principal.role.is_staff() {
        return staff_in_scope(actor, region_id).map(|_| ());
    }
    if principal.role == crate::Role::Member {
        if !member_source {
            return Err(DomainError::Forbidden(
                "members propose topics with source MEMBER".to_owned(),
            ));
        }
        if member_region_id != Some(region_id) {
            return Err(DomainError::Forbidden(
                "members propose topics to the committee they serve on".to_owned(),
            ));
        }
        return Ok(());
    }
    Err(DomainError::Forbidden(format!(
        "{} may not propose consultations",
        principal.role.as_str()
    )))
}

/// Lounge records (create, update, status, ending memberships) and member records are managed by
/// staff whose scope covers the owning committee; nobody else.
pub fn may_manage_lounge(actor: &Actor, region_id: i64) -> Result<(), DomainError> {
    staff_in_scope(actor, region_id).map(|_| ())
}

/// Adding someone to a lounge: staff whose scope covers the lounge's committee, or a MEMBER who
/// is an active LEAD of that lounge, who may add TEAM members only (`adds_lead` is refused).
pub fn may_add_lounge_member(
    actor: &Actor,
    region_id: i64,
    caller_leads_lounge: bool,
    adds_lead: bool,
) -> Result<(), DomainError> {
    let principal = actor.principal().ok_or(DomainError::Unauthenticated)?;
    if principal.role.is_staff() {
        return may_manage_lounge(actor, region_id);
    }
    if principal.role == crate::Role::Member && caller_leads_lounge {
        if adds_lead {
            return Err(DomainError::Forbidden(
                "lead members add TEAM members; lead members are appointed by staff".to_owned(),
            ));
        }
        return Ok(());
    }
    Err(DomainError::Forbidden(
        "only staff in scope or an active lead member of the lounge may add members".to_owned(),
    ))
}

/// Recording a lounge activity: staff whose scope covers the committee of EVERY host lounge (a
/// joint activity touches each host's committee), or a MEMBER who is an active LEAD of at least
/// one host lounge (the organizing lounge of a joint activity).
pub fn may_record_activity(
    actor: &Actor,
    host_region_ids: &[i64],
    caller_leads_a_host: bool,
) -> Result<(), DomainError> {
    let principal = actor.principal().ok_or(DomainError::Unauthenticated)?;
    if principal.role.is_staff() {
        for region_id in host_region_ids {
            staff_in_scope(actor, *region_id)?;
        }
        return Ok(());
    }
    if principal.role == crate::Role::Member && caller_leads_a_host {
        return Ok(());
    }
    Err(DomainError::Forbidden(
        "only staff covering every host lounge or an active lead member of a host lounge may \
         record its activities"
            .to_owned(),
    ))
}

/// Confirming or declining that a lounge hosts a joint activity: staff whose scope covers the
/// lounge's committee, or a MEMBER who is an active LEAD of that lounge. Leading another host
/// lounge (the recorder's) gives no say over this one.
pub fn may_answer_hosting(
    actor: &Actor,
    lounge_region_id: i64,
    caller_leads_lounge: bool,
) -> Result<(), DomainError> {
    let principal = actor.principal().ok_or(DomainError::Unauthenticated)?;
    if principal.role.is_staff() {
        return staff_in_scope(actor, lounge_region_id).map(|_| ());
    }
    if principal.role == crate::Role::Member && caller_leads_lounge {
        return Ok(());
    }
    Err(DomainError::Forbidden(
        "only staff covering the lounge or an active lead member of it may answer for it"
            .to_owned(),
    ))
}

/// Staff in scope may draft a sentiment report (社情民意信息) for any committee they cover; a
/// member may draft one for the committee they serve on, and only when they list themself among
/// the authors.
pub fn may_draft_report(
    actor: &Actor,
    region_id: i64,
    member_region_id: Option<i64>,
    lists_self_as_author: bool,
) -> Result<(), DomainError> {
    let principal = actor.principal().ok_or(DomainError::Unauthenticated)?;
    if principal.role.is_staff() {
        return staff_in_scope(actor, region_id).map(|_| ());
    }
    if principal.role == crate::Role::Member {
        if !lists_self_as_author {
            return Err(DomainError::Forbidden(
                "members draft sentiment reports they author themselves".to_owned(),
            ));
        }
        if member_region_id != Some(region_id) {
            return Err(DomainError::Forbidden(
                "members draft sentiment reports for the committee they serve on".to_owned(),
            ));
        }
        return Ok(());
    }
    Err(DomainError::Forbidden(format!(
        "{} may not draft sentiment reports",
        principal.role.as_str()
    )))
}

/// Member records are created and changed by staff whose scope covers the member's committee
/// (for a move: both committees).
pub fn may_manage_member(actor: &Actor, region_id: i64) -> Result<(), DomainError> {
    staff_in_scope(actor, region_id).map(|_| ())
}

/// Staff and integrators manage notification targets whose region filter lies in their scope.
pub fn may_manage_notification_targets(actor: &Actor, region_id: i64) -> Result<(), DomainError> {
    let principal = actor.principal().ok_or(DomainError::Unauthenticated)?;
    if !(principal.role.is_staff() || principal.role == crate::Role::Integrator) {
        return Err(DomainError::Forbidden(format!(
            "{} may not manage notification targets",
            principal.role.as_str()
        )));
    }
    if !principal.covers(region_id) {
        return Err(DomainError::Forbidden(
            "the target's region lies outside your region".to_owned(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{Principal, Role};

    fn actor(role: Role, scope: &[i64]) -> Actor {
        Actor::Authenticated(Principal {
            issuer: None,
            token_id: None,
            subject: "t".into(),
            role,
            region_id: scope[0],
            region_code: "330000".into(),
            member_id: (role == Role::Member).then_some(7),
            scope: Arc::new(scope.iter().copied().collect()),
        })
    }

    #[test]
    fn staff_act_inside_their_scope_only() {
        assert!(staff_in_scope(&actor(Role::CityStaff, &[2, 3]), 3).is_ok());
        assert!(matches!(
            staff_in_scope(&actor(Role::CityStaff, &[2, 3]), 4),
            Err(DomainError::Forbidden(_))
        ));
        assert!(matches!(
            staff_in_scope(&actor(Role::Integrator, &[2, 3]), 3),
            Err(DomainError::Forbidden(_))
        ));
        assert!(matches!(
            staff_in_scope(&Actor::Anonymous, 3),
            Err(DomainError::Unauthenticated)
        ));
    }

    #[test]
    fn a_hosting_answer_comes_from_the_lounge_s_leads_or_staff_covering_it() {
        assert!(may_answer_hosting(&actor(Role::Member, &[3]), 9, true).is_ok());
        assert!(may_answer_hosting(&actor(Role::CountyStaff, &[9]), 9, false).is_ok());
        assert!(matches!(
            may_answer_hosting(&actor(Role::Member, &[3]), 9, false),
            Err(DomainError::Forbidden(_))
        ));
        assert!(matches!(
            may_answer_hosting(&actor(Role::CountyStaff, &[3]), 9, false),
            Err(DomainError::Forbidden(_))
        ));
        assert!(matches!(
            may_answer_hosting(&actor(Role::Integrator, &[9]), 9, true),
            Err(DomainError::Forbidden(_))
        ));
        assert!(matches!(
            may_answer_hosting(&Actor::Anonymous, 9, false),
            Err(DomainError::Unauthenticated)
        ));
    }

    #[test]
    fn integrators_and_staff_manage_targets_in_scope() {
        assert!(may_manage_notification_targets(&actor(Role::Integrator, &[2, 3]), 3).is_ok());
        assert!(may_manage_notification_targets(&actor(Role::CountyStaff, &[3]), 3).is_ok());
        assert!(may_manage_notification_targets(&actor(Role::Integrator, &[2, 3]), 4).is_err());
        assert!(may_manage_notification_targets(&actor(Role::Member, &[3]), 3).is_err());
        assert!(may_manage_notification_targets(&Actor::Anonymous, 3).is_err());
    }
}
