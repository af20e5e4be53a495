//! Notification targets as their managers see them. Secrets and robot URLs (a DingTalk or WeCom
//! robot URL carries the robot's credentials) are write-only: they are dropped here, when a row
//! becomes a [`NotificationTarget`], so no read path can hand them out or log them.
//!
//! Staff and integrators see the targets whose region lies in their scope; nobody else sees any.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    enums::{EventType, NotificationAdapter, NotificationTargetStatus},
    notification_target,
};
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QueryTrait,
    sea_query::{Expr, ExprTrait, Order},
};

use super::parse_pages;
use crate::{
    Actor, Db, DomainError, Principal,
    page::{self, Page, PageRequest, Window},
};

/// A notification target without its credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotificationTarget {
    /// Database id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// How notifications are sent.
    pub adapter: NotificationAdapter,
    /// The endpoint of a WEBHOOK; `None` for robots, whose URLs carry credentials.
    pub url: Option<String>,
    /// Whether a signing secret is set.
    pub has_secret: bool,
    /// The event types sent; empty means every type.
    pub event_types: Vec<EventType>,
    /// Events touching this region or any region below it are sent.
    pub region_id: i64,
    /// Active or paused.
    pub status: NotificationTargetStatus,
    /// Who registered the target.
    pub created_by: String,
    /// Every event up to this sequence has been handled for the target.
    pub last_sequence: i64,
    /// When the target was registered.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<notification_target::Model> for NotificationTarget {
    fn from(row: notification_target::Model) -> Self {
        Self {
            id: row.id,
            name: row.name,
            adapter: row.adapter,
            url: (row.adapter == NotificationAdapter::Webhook).then_some(row.url),
            has_secret: row.secret.is_some_and(|secret| !secret.is_empty()),
            event_types: event_types_of(&row.event_types),
            region_id: row.region_id,
            status: row.status,
            created_by: row.created_by,
            last_sequence: row.last_sequence,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// The event types stored in `notification_targets.event_types` (a JSON array of names; empty
/// means every type). Names this build does not know are skipped.
pub fn event_types_of(stored: &str) -> Vec<EventType> {
    serde_json::from_str::<Vec<String>>(stored)
        .unwrap_or_default()
        .iter()
        .filter_map(|name| {
            EventType::ALL
                .iter()
                .copied()
                .find(|known| known.as_str() == name)
        })
        .collect()
}

/// The stored form of a list of event types.
pub fn event_types_text(types: &[EventType]) -> String {
    let names: Vec<&str> = types.iter().map(EventType::as_str).collect();
    serde_json::to_string(&names).unwrap_or_else(|_| "[]".to_owned())
}

/// The caller, when it may manage notification targets at all: staff or an integrator.
pub(crate) fn manager(actor: &Actor) -> Result<&Principal, DomainError> {
    let principal = actor.principal().ok_or(DomainError::Unauthenticated)?;
    if !(principal.role.is_staff() || principal.role == crate::Role::Integrator) {
        return Err(DomainError::Forbidden(format!(
            "{} may not see notification targets",
            principal.role.as_str()
        )));
    }
    Ok(principal)
}

/// `notification_targets.region_id` lies in the manager's scope: exactly the set
/// [`Principal::covers`] checks, which for a person with several assignments is the union of
/// their regions' subtrees (so that a target they may create is one they can list).
pub(crate) fn in_scope(principal: &Principal) -> Expr {
    let mut scope: Vec<i64> = principal.scope.iter().copied().collect();
    scope.sort_unstable();
    Expr::col((
        notification_target::Entity,
        notification_target::Column::RegionId,
    ))
    .is_in(scope)
}

/// One page of the targets the caller manages, oldest first. Anonymous callers are
/// `Unauthenticated`; callers who manage no targets (members) are `Forbidden`.
pub async fn page(
    db: &Db,
    actor: &Actor,
    request: PageRequest,
) -> Result<Page<NotificationTarget>, DomainError> {
    let principal = manager(actor)?;
    let select = notification_target::Entity::find()
        .filter(in_scope(principal))
        .into_query();
    let column = |column| Expr::col((notification_target::Entity, column));
    let window = Window {
        partition: None,
        order: vec![(column(notification_target::Column::Id), Order::Asc)],
    };
    let mut pages = parse_pages::<notification_target::Model>(
        page::fetch(db.reader(), select, window, request).await?,
    )?;
    Ok(pages
        .remove(&0)
        .map_or_else(Page::empty, |found| found.map(NotificationTarget::from)))
}

/// The targets with these ids that the caller manages (one statement); others are absent.
pub async fn by_ids(
    db: &Db,
    actor: &Actor,
    ids: &[i64],
) -> Result<HashMap<i64, NotificationTarget>, DomainError> {
    let Ok(principal) = manager(actor) else {
        return Ok(HashMap::new());
    };
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = notification_target::Entity::find()
        .filter(notification_target::Column::Id.is_in(ids.iter().copied()))
        .filter(in_scope(principal))
        .all(db.reader())
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.id, NotificationTarget::from(row)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_round_trip_and_skip_unknown_names() {
        let types = vec![
            EventType::ConsultationCreated,
            EventType::LoungeActivityRecorded,
        ];
        assert_eq!(event_types_of(&event_types_text(&types)), types);
        assert_eq!(event_types_of("[]"), Vec::<EventType>::new());
        assert_eq!(
            event_types_of(r#"["CONSULTATION_CREATED","RETIRED_TYPE"]"#),
            vec![EventType::ConsultationCreated]
        );
        assert_eq!(event_types_of("garbage"), Vec::<EventType>::new());
    }
}
