//! The event outbox, written in the same transaction as the change that caused it.
//!
//! Sequences are gap-safe for readers that tail `sequence > last`: an event's sequence is taken
//! only while holding a lock that the writing transaction keeps until it commits (a
//! transaction-level advisory lock on PostgreSQL; SQLite has a single writer anyway), so events
//! commit in sequence order and no event can appear later with a lower number.

use chrono::Utc;
use entity::{enums::EventType, event, event_region, region};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, FromQueryResult, QueryFilter,
    QuerySelect, Set, Statement,
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
    let sequences = append_many(transaction, vec![event]).await?;
    sequences
        .first()
        .copied()
        .ok_or_else(|| DomainError::Refused("no event was appended".to_owned()))
}

/// Rows per multi-row insert: well under SQLite's and PostgreSQL's bound-parameter limits.
const BATCH: usize = 500;

/// Appends `events` inside `transaction`, in order, and returns their sequence numbers: one
/// lock, one read of the last sequence and one of the committees' codes, and multi-row inserts,
/// however many events (a roster import appends thousands at once).
pub async fn append_many(
    transaction: &DatabaseTransaction,
    events: Vec<NewEvent>,
) -> Result<Vec<i64>, DomainError> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
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
    let mut all_regions: Vec<i64> = events
        .iter()
        .flat_map(|event| event.region_ids.iter().copied())
        .collect();
    all_regions.sort_unstable();
    all_regions.dedup();
    let mut codes = std::collections::HashMap::new();
    for chunk in all_regions.chunks(BATCH) {
        for row in region::Entity::find()
            .filter(region::Column::Id.is_in(chunk.iter().copied()))
            .all(transaction)
            .await?
        {
            codes.insert(row.id, row.code);
        }
    }
    let now = Utc::now();
    let traceparent = crate::trace_context::current().map(|parent| parent.to_string());
    let mut sequences = Vec::with_capacity(events.len());
    let mut rows = Vec::with_capacity(events.len());
    let mut links = Vec::new();
    for (offset, event) in events.into_iter().enumerate() {
        let sequence = last + 1 + i64::try_from(offset).unwrap_or(i64::MAX);
        let mut region_ids = event.region_ids.clone();
        region_ids.sort_unstable();
        region_ids.dedup();
        let mut region_codes: Vec<&String> =
            region_ids.iter().filter_map(|id| codes.get(id)).collect();
        region_codes.sort_unstable();
        // The changed record is a target of the mutation being audited (if any).
        crate::audit::note_target(event.entity_type, event.entity_id, &region_ids);
        let restricted =
            crate::visibility::of_event(event.entity_type, &event.snapshot) != Audience::Public;
        rows.push(event::ActiveModel {
            sequence: Set(sequence),
            r#type: Set(event.event_type),
            entity_type: Set(event.entity_type.to_owned()),
            entity_id: Set(event.entity_id),
            region_codes: Set(
                serde_json::to_string(&region_codes).unwrap_or_else(|_| "[]".to_owned())
            ),
            snapshot: Set(event.snapshot.to_string()),
            actor: Set(event.actor),
            occurred_at: Set(now),
            restricted: Set(restricted),
            traceparent: Set(traceparent.clone()),
        });
        links.extend(
            region_ids
                .into_iter()
                .map(|region_id| event_region::ActiveModel {
                    event_sequence: Set(sequence),
                    region_id: Set(region_id),
                }),
        );
        sequences.push(sequence);
    }
    for chunk in chunked(rows) {
        event::Entity::insert_many(chunk).exec(transaction).await?;
    }
    for chunk in chunked(links) {
        event_region::Entity::insert_many(chunk)
            .exec(transaction)
            .await?;
    }
    if backend == sea_orm::DbBackend::Postgres
        && let Some(newest) = sequences.last()
    {
        // Wakes the event feeds of every replica once the transaction commits (PostgreSQL
        // delivers notifications on commit, and drops them on rollback). Only the sequence
        // travels; readers take the events themselves from the outbox.
        transaction
            .execute_raw(Statement::from_string(
                backend,
                format!("SELECT pg_notify('{}', '{newest}')", crate::feed::CHANNEL),
            ))
            .await?;
    }
    Ok(sequences)
}

/// `rows` in batches of at most [`BATCH`].
fn chunked<T>(rows: Vec<T>) -> Vec<Vec<T>> {
    let mut batches = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        batches.push(rows.by_ref().take(BATCH).collect());
    }
    batches
}
