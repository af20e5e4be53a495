//! The event outbox, written in the same transaction as the change that caused it.
//!
//! Sequences are gap-safe for readers that tail `sequence > last`: an event's sequence is taken
//! only while holding a lock that the writing transaction keeps until it commits (a
//! transaction-level advisory lock on PostgreSQL; SQLite has a single writer anyway), so events
//! commit in sequence order and no event can appear later with a lower number.

use chrono::Utc;
use entity::{enums::EventType, event, event_region, region};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};

use crate::{DomainError, visibility::Audience};

/// The advisory-lock key that serialises event appends on PostgreSQL ("xieshang" in ASCII).
const OUTBOX_LOCK_KEY: i64 = 0x7869_6573_6861_6e67;

/// An event to append.
#[derive(Clone, Debug)]
pub struct NewEvent {
    /// What happened.
    pub event_type: EventType,
    /// The GraphQL type of the changed record, e.g. `Consultation`.
    pub entity_type: &'static str,
    /// Its database id.
    pub entity_id: i64,
    /// Every committee (region id) the change touches.
    pub region_ids: Vec<i64>,
    /// The record's state after the change, without personal data.
    pub snapshot: serde_json::Value,
    /// Who made the change.
    pub actor: String,
}

#[derive(FromQueryResult)]
struct Last {
    last: Option<i64>,
}

/// Appends `event` inside `transaction` and returns its sequence number.
pub async fn append(
    transaction: &DatabaseTransaction,
    event: NewEvent,
) -> Result<i64, DomainError> {
    let backend = transaction.get_database_backend();
    if backend == sea_orm::DbBackend::Postgres {
        transaction
            .execute_raw(Statement::from_string(
                backend,
                format!("SELECT pg_advisory_xact_lock({OUTBOX_LOCK_KEY})"),
            ))
            .await?;
    }
    let last = event::Entity::find()
        .select_only()
        .column_as(event::Column::Sequence.max(), "last")
        .into_model::<Last>()
        .one(transaction)
        .await?
        .and_then(|row| row.last)
        .unwrap_or(0);
    let sequence = last + 1;
    let mut region_ids = event.region_ids.clone();
    region_ids.sort_unstable();
    region_ids.dedup();
    let codes: Vec<String> = region::Entity::find()
        .filter(region::Column::Id.is_in(region_ids.iter().copied()))
        .order_by_asc(region::Column::Code)
        .all(transaction)
        .await?
        .into_iter()
        .map(|row| row.code)
        .collect();
    // The changed record is a target of the mutation being audited (if any).
    crate::audit::note_target(event.entity_type, event.entity_id, &region_ids);
    let restricted =
        crate::visibility::of_event(event.entity_type, &event.snapshot) != Audience::Public;
    event::ActiveModel {
        sequence: Set(sequence),
        r#type: Set(event.event_type),
        entity_type: Set(event.entity_type.to_owned()),
        entity_id: Set(event.entity_id),
        region_codes: Set(serde_json::to_string(&codes).unwrap_or_else(|_| "[]".to_owned())),
        snapshot: Set(event.snapshot.to_string()),
        actor: Set(event.actor),
        occurred_at: Set(Utc::now()),
        restricted: Set(restricted),
        traceparent: Set(crate::trace_context::current().map(|parent| parent.to_string())),
    }
    .insert(transaction)
    .await?;
    for region_id in region_ids {
        event_region::ActiveModel {
            event_sequence: Set(sequence),
            region_id: Set(region_id),
        }
        .insert(transaction)
        .await?;
    }
    if backend == sea_orm::DbBackend::Postgres {
        // Wakes the event feeds of every replica once the transaction commits (PostgreSQL
        // delivers notifications on commit, and drops them on rollback). Only the sequence
        // travels; readers take the events themselves from the outbox.
        transaction
            .execute_raw(Statement::from_string(
                backend,
                format!("SELECT pg_notify('{}', '{sequence}')", crate::feed::CHANNEL),
            ))
            .await?;
    }
    Ok(sequence)
}
