//! A target's deliveries: the in-order stream (non-redelivery rows, strictly by event
//! sequence), redeliveries beside it, and the scan that turns new outbox events into delivery
//! rows. The claim (`lease.rs`) asks the same questions in SQL; keep the two in step.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use entity::{
    delivery,
    enums::{DeliveryStatus, EventType},
    event, notification_target,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set, sea_query::Expr,
};

use domain::{Db, DomainError, events, visibility::Viewer};

/// Deliveries whose time has come: pending, or retrying and due.
fn due(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(delivery::Column::Status.eq(DeliveryStatus::Pending))
        .add(
            Condition::all()
                .add(delivery::Column::Status.eq(DeliveryStatus::Retrying))
                .add(
                    Condition::any()
                        .add(delivery::Column::NextAttemptAt.is_null())
                        .add(delivery::Column::NextAttemptAt.lte(now)),
                ),
        )
}

/// The oldest redelivery of target `target_id` that is due.
pub(super) async fn due_redelivery(
    connection: &impl ConnectionTrait,
    target_id: i64,
    now: DateTime<Utc>,
) -> Result<Option<delivery::Model>, DomainError> {
    Ok(delivery::Entity::find()
        .filter(delivery::Column::TargetId.eq(target_id))
        .filter(delivery::Column::Redelivery.eq(true))
        .filter(due(now))
        .order_by_asc(delivery::Column::EventSequence)
        .one(connection)
        .await?)
}

/// Whether the in-order stream of target `target_id` waits for a retry that is not due yet
/// (a failing event holds every later one).
pub(super) async fn blocked(
    connection: &impl ConnectionTrait,
    target_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, DomainError> {
    Ok(delivery::Entity::find()
        .select_only()
        .column(delivery::Column::Id)
        .filter(delivery::Column::TargetId.eq(target_id))
        .filter(delivery::Column::Redelivery.eq(false))
        .filter(delivery::Column::Status.eq(DeliveryStatus::Retrying))
        .filter(delivery::Column::NextAttemptAt.gt(now))
        .into_tuple::<i64>()
        .one(connection)
        .await?
        .is_some())
}

/// The first `limit` open (pending or retrying) deliveries of the in-order stream, oldest
/// event first. Call it when [`blocked`] is false: then all of them are due.
pub(super) async fn open(
    connection: &impl ConnectionTrait,
    target_id: i64,
    limit: u64,
) -> Result<Vec<delivery::Model>, DomainError> {
    Ok(delivery::Entity::find()
        .filter(delivery::Column::TargetId.eq(target_id))
        .filter(delivery::Column::Redelivery.eq(false))
        .filter(delivery::Column::Status.is_in([DeliveryStatus::Pending, DeliveryStatus::Retrying]))
        .order_by_asc(delivery::Column::EventSequence)
        .limit(limit)
        .all(connection)
        .await?)
}

/// What a scan of the outbox did for one target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Scan {
    /// No event after the target's `last_sequence`.
    NothingNew,
    /// Examined events up to `last_sequence`, creating `created` deliveries.
    Advanced { last_sequence: i64, created: usize },
    /// Another holder moved the target on: this process no longer holds it.
    Lost,
}

/// The event types a target asked for; empty means every type. Unknown names match nothing.
fn wanted_types(target: &notification_target::Model) -> Vec<String> {
    match serde_json::from_str::<Vec<String>>(&target.event_types) {
        Ok(types) => types,
        Err(error) => {
            // The API writes this column; a malformed value is a bug, so err towards sending.
            tracing::warn!(target_id = target.id, %error, "unreadable event types; sending all");
            Vec::new()
        }
    }
}

/// Examines up to `batch` events after the target's `last_sequence`: creates a pending
/// delivery for each that matches the target (its event types, its region subtree, never a
/// test notification) and advances `last_sequence` in the same transaction, guarded so that
/// only the lease holder moves it, from the value it read.
pub(super) async fn scan(
    db: &Db,
    target: &notification_target::Model,
    holder: &str,
    batch: u64,
) -> Result<Scan, DomainError> {
    let after = target.last_sequence;
    let events: Vec<(i64, EventType)> = event::Entity::find()
        .select_only()
        .column(event::Column::Sequence)
        .column(event::Column::Type)
        .filter(event::Column::Sequence.gt(after))
        .order_by_asc(event::Column::Sequence)
        .limit(Ord::max(batch, 1))
        .into_tuple()
        .all(db.reader())
        .await?;
    let Some(&(upto, _)) = events.last() else {
        return Ok(Scan::NothingNew);
    };
    // The target is judged as an INTEGRATOR of its own region, whoever created it: it receives
    // what such a token may read from the event log, and nothing else (never a draft).
    let visible: HashSet<i64> = event::Entity::find()
        .select_only()
        .column(event::Column::Sequence)
        .filter(event::Column::Sequence.gt(after))
        .filter(event::Column::Sequence.lte(upto))
        .filter(events::visible_condition(&Viewer::notification_target(
            target.region_id,
        )))
        .into_tuple::<i64>()
        .all(db.reader())
        .await?
        .into_iter()
        .collect();
    let types = wanted_types(target);
    let now = Utc::now();
    let rows: Vec<delivery::ActiveModel> = events
        .iter()
        .filter(|(sequence, kind)| {
            *kind != EventType::NotificationTest
                && visible.contains(sequence)
                && (types.is_empty() || types.iter().any(|wanted| wanted == kind.as_str()))
        })
        .map(|(sequence, _)| delivery::ActiveModel {
            target_id: Set(target.id),
            event_sequence: Set(*sequence),
            status: Set(DeliveryStatus::Pending),
            attempts: Set(0),
            redelivery: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .collect();
    let created = rows.len();
    // Not `Db::commit`: nothing here appends events, and waking the event feed after every
    // bookkeeping write would only make it re-read the outbox for nothing.
    let transaction = db.begin_write().await?;
    let moved = notification_target::Entity::update_many()
        .col_expr(notification_target::Column::LastSequence, Expr::val(upto))
        .filter(notification_target::Column::Id.eq(target.id))
        .filter(notification_target::Column::LeaseHolder.eq(holder))
        .filter(notification_target::Column::LastSequence.eq(after))
        .exec(&transaction)
        .await?;
    if moved.rows_affected != 1 {
        transaction.rollback().await?;
        return Ok(Scan::Lost);
    }
    if !rows.is_empty() {
        delivery::Entity::insert_many(rows)
            .exec_without_returning(&transaction)
            .await?;
    }
    transaction.commit().await?;
    Ok(Scan::Advanced {
        last_sequence: upto,
        created,
    })
}
