//! Consent of the host lounges of a joint (跨客厅) activity: `confirmActivityHosting` and
//! `declineActivityHosting`.
//!
//! Decisions: a lounge counts as a host (in statistics and in its activity lists) only once it
//! is CONFIRMED. When staff record an activity they cover every host (the recording rule), so
//! every host is CONFIRMED at once; when a lead member records one, the lounges they lead are
//! CONFIRMED and the others INVITED. An invitation is answered once (`INVITED → CONFIRMED` or
//! `DECLINED`, both final) by staff whose scope covers the invited lounge or by an active lead
//! of it; a closed lounge may decline but not confirm. Each answer is one outbox event to the
//! committees of every host lounge, like the recording.

use entity::{
    enums::{ActivityHostStatus, EventType, LoungeStatus},
    lounge, lounge_activity, lounge_activity_host,
};
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, sea_query::Expr,
};
use serde_json::json;

use super::lounges::leads;
use crate::{
    Actor, Db, DomainError, lifecycle,
    outbox::{self, NewEvent},
    policy,
};

/// A lounge activity as stored.
pub type Activity = lounge_activity::Model;

/// The outcome of an answer: the activity, the answering lounge and its status now.
#[derive(Clone, Debug)]
pub struct HostingAnswer {
    /// The activity.
    pub activity: Activity,
    /// The host lounge that answered.
    pub lounge: lounge::Model,
    /// Its status after the answer.
    pub status: ActivityHostStatus,
}

/// The status each host gets when an activity is recorded: CONFIRMED for every host when staff
/// record it (they must cover every host), otherwise CONFIRMED for the hosts the recorder
/// leads (`led`, one flag per host) and INVITED for the rest.
pub fn initial_statuses(actor: &Actor, led: &[bool]) -> Vec<ActivityHostStatus> {
    let staff = actor
        .principal()
        .is_some_and(|principal| principal.role.is_staff());
    led.iter()
        .map(|leads| {
            if staff || *leads {
                ActivityHostStatus::Confirmed
            } else {
                ActivityHostStatus::Invited
            }
        })
        .collect()
}

/// Confirms that `lounge_id` hosts `activity_id`; from then on the activity counts for it.
pub async fn confirm(
    db: &Db,
    actor: &Actor,
    activity_id: i64,
    lounge_id: i64,
) -> Result<HostingAnswer, DomainError> {
    answer(
        db,
        actor,
        activity_id,
        lounge_id,
        ActivityHostStatus::Confirmed,
    )
    .await
}

/// Declines hosting: the activity never counts for `lounge_id`.
pub async fn decline(
    db: &Db,
    actor: &Actor,
    activity_id: i64,
    lounge_id: i64,
) -> Result<HostingAnswer, DomainError> {
    answer(
        db,
        actor,
        activity_id,
        lounge_id,
        ActivityHostStatus::Declined,
    )
    .await
}

async fn answer(
    db: &Db,
    actor: &Actor,
    activity_id: i64,
    lounge_id: i64,
    to: ActivityHostStatus,
) -> Result<HostingAnswer, DomainError> {
    actor.principal().ok_or(DomainError::Unauthenticated)?;
    let transaction = db.begin_write().await?;
    let activity = lounge_activity::Entity::find_by_id(activity_id)
        .one(&transaction)
        .await?
        .ok_or_else(|| {
            DomainError::invalid("activityId", format!("no activity has id {activity_id}"))
        })?;
    let lounge = lounge::Entity::find_by_id(lounge_id)
        .one(&transaction)
        .await?
        .ok_or_else(|| DomainError::invalid("loungeId", format!("no lounge has id {lounge_id}")))?;
    let caller_leads = match actor.member_id() {
        Some(member_id) => leads(&transaction, lounge.id, member_id).await?,
        None => false,
    };
    policy::may_answer_hosting(actor, lounge.region_id, caller_leads)?;
    let link = lounge_activity_host::Entity::find_by_id((activity.id, lounge.id))
        .one(&transaction)
        .await?
        .ok_or_else(|| {
            DomainError::invalid("loungeId", "the lounge is not a host of this activity")
        })?;
    lifecycle::check(link.status, to)?;
    if to == ActivityHostStatus::Confirmed && lounge.status == LoungeStatus::Closed {
        return Err(DomainError::invalid("loungeId", "the lounge is closed"));
    }
    // Conditional on the status read, so that two answers racing cannot both succeed.
    let changed = lounge_activity_host::Entity::update_many()
        .col_expr(lounge_activity_host::Column::Status, Expr::value(to))
        .filter(lounge_activity_host::Column::ActivityId.eq(activity.id))
        .filter(lounge_activity_host::Column::LoungeId.eq(lounge.id))
        .filter(lounge_activity_host::Column::Status.eq(link.status))
        .exec(&transaction)
        .await?;
    if changed.rows_affected != 1 {
        return Err(DomainError::Conflict(
            "someone answered for this lounge first; reload the activity".to_owned(),
        ));
    }
    let event_type = match to {
        ActivityHostStatus::Confirmed => EventType::LoungeActivityHostingConfirmed,
        _ => EventType::LoungeActivityHostingDeclined,
    };
    let (hosts, region_ids) = hosts_of(&transaction, activity.id).await?;
    outbox::append(
        &transaction,
        NewEvent {
            event_type,
            entity_type: "LoungeActivity",
            entity_id: activity.id,
            region_ids,
            snapshot: json!({
                "id": activity.id,
                "title": activity.title,
                "kind": activity.kind.as_str(),
                "format": activity.format.as_str(),
                "startsAt": activity.starts_at,
                "loungeId": lounge.id,
                "loungeName": lounge.name,
                "status": to.as_str(),
                "hosts": hosts,
            }),
            actor: actor.name(),
        },
    )
    .await?;
    db.commit(transaction).await?;
    Ok(HostingAnswer {
        activity,
        lounge,
        status: to,
    })
}

/// Every host link of the activity as `{ loungeId, status }` in order of lounge id, and the
/// committees (region ids) of the host lounges.
async fn hosts_of(
    transaction: &DatabaseTransaction,
    activity_id: i64,
) -> Result<(Vec<serde_json::Value>, Vec<i64>), DomainError> {
    let rows = lounge_activity_host::Entity::find()
        .find_also_related(lounge::Entity)
        .filter(lounge_activity_host::Column::ActivityId.eq(activity_id))
        .order_by_asc(lounge_activity_host::Column::LoungeId)
        .all(transaction)
        .await?;
    let hosts = rows
        .iter()
        .map(|(host, _)| json!({ "loungeId": host.lounge_id, "status": host.status.as_str() }))
        .collect();
    let mut region_ids: Vec<i64> = rows
        .iter()
        .filter_map(|(_, lounge)| lounge.as_ref().map(|lounge| lounge.region_id))
        .collect();
    region_ids.sort_unstable();
    region_ids.dedup();
    Ok((hosts, region_ids))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{Principal, Role};

    fn actor(role: Role) -> Actor {
        Actor::Authenticated(Principal {
            issuer: None,
            token_id: None,
            subject: "t".into(),
            role,
            region_id: 1,
            region_code: "330000".into(),
            member_id: (role == Role::Member).then_some(7),
            scope: Arc::new([1].into_iter().collect()),
        })
    }

    #[test]
    fn staff_confirm_every_host_and_leads_their_own() {
        use ActivityHostStatus::{Confirmed, Invited};
        assert_eq!(
            initial_statuses(&actor(Role::CityStaff), &[false, false]),
            [Confirmed, Confirmed]
        );
        assert_eq!(
            initial_statuses(&actor(Role::Member), &[true, false, true]),
            [Confirmed, Invited, Confirmed]
        );
    }
}
