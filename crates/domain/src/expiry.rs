//! Expiry of what a notification target never took: the other half of event retention.
//!
//! Retention ([`crate::events::prune`]) never removes an event some target still owes: one it
//! has not examined (it is paused, or its stream waits on a retry) or one with a PENDING or
//! RETRYING delivery. Without a bound, one target paused for good, or one receiver failing for
//! good, would stop the pruning of the whole log. So, before each pruning, what a target still
//! owes for events older than the retention expires:
//!
//! * its PENDING and RETRYING deliveries of those events become EXPIRED (settled; a dead
//!   letter staff cannot redeliver, since the event is about to go), oldest first by nature;
//! * its `last_sequence` moves past those events, so a paused target resumes with the events
//!   still retained.
//!
//! Pausing therefore loses nothing within the retention, and pruning goes on after it. Each
//! expiry is logged with the target id and the number of deliveries (never the URL).

use std::time::Duration;

use chrono::Utc;
use entity::{delivery, enums::DeliveryStatus, event, notification_target};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, sea_query::Expr};

use crate::{Db, DomainError};

/// What one expiry did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Expired {
    /// Deliveries marked EXPIRED.
    pub deliveries: u64,
    /// Targets moved past events they had not examined.
    pub targets_advanced: u64,
}

/// `last_error` of an expired delivery.
pub const EXPIRED_ERROR: &str =
    "expired: not delivered within the event retention (XIESHANG_EVENT_RETENTION_DAYS)";

/// Expires what targets still owe for events older than `retention` (see the module docs), in
/// one write transaction.
pub async fn expire(db: &Db, retention: Duration) -> Result<Expired, DomainError> {
    let retention = chrono::Duration::from_std(retention)
        .map_err(|_| DomainError::Config(format!("event retention {retention:?} is too long")))?;
    let cutoff = Utc::now() - retention;
    let transaction = db.begin_write().await?;
    let old_upto: Option<i64> = event::Entity::find()
        .select_only()
        .column_as(event::Column::Sequence.max(), "old")
        .filter(event::Column::OccurredAt.lt(cutoff))
        .into_tuple::<Option<i64>>()
        .one(&transaction)
        .await?
        .flatten();
    let Some(old_upto) = old_upto else {
        transaction.commit().await?;
        return Ok(Expired::default());
    };
    let owing: Vec<(i64, i64)> = delivery::Entity::find()
        .select_only()
        .column(delivery::Column::TargetId)
        .column_as(delivery::Column::Id.count(), "owed")
        .filter(delivery::Column::Status.is_in([DeliveryStatus::Pending, DeliveryStatus::Retrying]))
        .filter(delivery::Column::EventSequence.lte(old_upto))
        .group_by(delivery::Column::TargetId)
        .into_tuple()
        .all(&transaction)
        .await?;
    let now = Utc::now();
    let deliveries = delivery::Entity::update_many()
        .col_expr(
            delivery::Column::Status,
            Expr::value(DeliveryStatus::Expired.as_str()),
        )
        .col_expr(
            delivery::Column::NextAttemptAt,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .col_expr(delivery::Column::LastError, Expr::value(EXPIRED_ERROR))
        .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
        .filter(delivery::Column::Status.is_in([DeliveryStatus::Pending, DeliveryStatus::Retrying]))
        .filter(delivery::Column::EventSequence.lte(old_upto))
        .exec(&transaction)
        .await?
        .rows_affected;
    // A lease holder scanning meanwhile finds `last_sequence` moved and gives the round up
    // (its scan is guarded by the value it read), so nothing is created for skipped events.
    let targets_advanced = notification_target::Entity::update_many()
        .col_expr(
            notification_target::Column::LastSequence,
            Expr::value(old_upto),
        )
        .filter(notification_target::Column::LastSequence.lt(old_upto))
        .exec(&transaction)
        .await?
        .rows_affected;
    transaction.commit().await?;
    for (target_id, owed) in owing {
        tracing::warn!(
            target_id,
            expired = owed,
            "notification target: deliveries older than the event retention expired"
        );
    }
    if targets_advanced > 0 {
        tracing::warn!(
            targets_advanced,
            "notification targets passed over events older than the retention they had not \
             examined (paused or stalled)"
        );
    }
    Ok(Expired {
        deliveries,
        targets_advanced,
    })
}
