//! The hash chain: appending a row under the chain lock, and verifying the chain.
//!
//! `hash = hex(SHA-256(prev_hash ‖ "\n" ‖ canonical))`, where `canonical` is the JSON array of
//! the row's fields in a fixed order (id, occurred_at in microseconds since the epoch, actor
//! issuer, subject, role and region, operation, target ids, region ids, input summary, outcome,
//! request id, client address). The first row ever has a `prev_hash` of 64 zeros. Appends are
//! serialised (SQLite has one writer; PostgreSQL takes a transaction-level advisory lock), and
//! `audit_chain_head` remembers the newest row, so that removing the newest rows is detected as
//! well as removing or altering any other. After [`super::prune`] the oldest remaining row is
//! the anchor: its `prev_hash` names a row that is gone by design.

use chrono::{DateTime, Utc};
use entity::audit_log;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement,
};
use sha2::{Digest, Sha256};

use super::Entry;
use crate::{Db, DomainError};

/// The advisory-lock key that serialises audit appends on PostgreSQL ("xsaudit" in ASCII).
const AUDIT_LOCK_KEY: i64 = 0x0078_7361_7564_6974;

/// The `prev_hash` of the first row ever.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Rows verified per statement.
const VERIFY_BATCH: u64 = 1000;

/// The hash of a row with the given fields after `prev_hash`.
fn hash_of(row: &audit_log::Model) -> String {
    let canonical = serde_json::json!([
        row.id,
        row.occurred_at.timestamp_micros(),
        row.actor_issuer,
        row.actor_subject,
        row.actor_role,
        row.actor_region,
        row.operation,
        row.target_ids,
        row.region_ids,
        row.input_summary,
        row.outcome,
        row.request_id,
        row.client_address,
    ]);
    let mut digest = Sha256::new();
    digest.update(row.prev_hash.as_bytes());
    digest.update(b"\n");
    digest.update(canonical.to_string().as_bytes());
    hex(&digest.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Appends `entry` to the chain inside `transaction` and returns the new row's id.
pub async fn append(transaction: &DatabaseTransaction, entry: &Entry) -> Result<i64, DomainError> {
    let backend = transaction.get_database_backend();
    if backend == DbBackend::Postgres {
        transaction
            .execute_raw(Statement::from_string(
                backend,
                format!("SELECT pg_advisory_xact_lock({AUDIT_LOCK_KEY})"),
            ))
            .await?;
    }
    let head = transaction
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT last_id, last_hash FROM audit_chain_head WHERE id = 1",
        ))
        .await?;
    let (last_id, last_hash) = match head {
        Some(row) => (
            row.try_get::<i64>("", "last_id")?,
            row.try_get::<String>("", "last_hash")?,
        ),
        None => (0, GENESIS.to_owned()),
    };
    let mut region_ids = entry.region_ids.clone();
    region_ids.extend(entry.actor.region_id);
    // Microseconds: what both engines store, so the hash recomputes after a round trip.
    let now = Utc::now();
    let occurred_at = DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now);
    let mut row = audit_log::Model {
        id: last_id + 1,
        occurred_at,
        actor_issuer: entry.actor.issuer.clone(),
        actor_subject: entry.actor.subject.clone(),
        actor_role: entry.actor.role.clone(),
        actor_region: entry.actor.region_code.clone(),
        operation: entry.operation.clone(),
        target_ids: serde_json::to_string(&entry.target_ids).unwrap_or_else(|_| "[]".to_owned()),
        region_ids: serde_json::to_string(&region_ids).unwrap_or_else(|_| "[]".to_owned()),
        input_summary: entry.input_summary.to_string(),
        outcome: entry.outcome.as_str().to_owned(),
        request_id: entry.request.request_id.clone(),
        client_address: entry.request.client_address.clone(),
        prev_hash: last_hash,
        hash: String::new(),
    };
    row.hash = hash_of(&row);
    let id = row.id;
    let hash = row.hash.clone();
    audit_log::Entity::insert(audit_log::ActiveModel::from(row))
        .exec_without_returning(transaction)
        .await?;
    for region_id in region_ids {
        transaction
            .execute_raw(Statement::from_sql_and_values(
                backend,
                placeholders(
                    backend,
                    "INSERT INTO audit_log_regions (audit_id, region_id) VALUES (?, ?)",
                ),
                [id.into(), region_id.into()],
            ))
            .await?;
    }
    let upsert = "INSERT INTO audit_chain_head (id, last_id, last_hash) VALUES (1, ?, ?) \
                  ON CONFLICT (id) DO UPDATE SET last_id = excluded.last_id, last_hash = excluded.last_hash";
    transaction
        .execute_raw(Statement::from_sql_and_values(
            backend,
            placeholders(backend, upsert),
            [id.into(), hash.into()],
        ))
        .await?;
    Ok(id)
}

/// `?` placeholders as the engine wants them (`$1, $2, …` on PostgreSQL).
pub(super) fn placeholders(backend: DbBackend, sql: &str) -> String {
    if backend != DbBackend::Postgres {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for character in sql.chars() {
        if character == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(character);
        }
    }
    out
}

/// A chain that verified: how many rows, and the anchor (the oldest remaining row).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// Rows checked.
    pub rows: u64,
    /// The oldest remaining row's id (none for an empty log).
    pub anchor: Option<i64>,
    /// The newest row's id.
    pub head: Option<i64>,
}

/// The first broken link of the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broken {
    /// The row at which the chain breaks.
    pub id: i64,
    /// What is wrong there.
    pub reason: String,
}

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "audit log row {}: {}", self.id, self.reason)
    }
}

/// Walks the whole chain, oldest first: every row's hash must match its fields, every
/// `prev_hash` the hash of the row before it (whose id must be one less), and the newest row
/// must be the one `audit_chain_head` names. Returns the first broken link.
pub async fn verify(db: &Db) -> Result<Result<Verified, Broken>, DomainError> {
    let mut previous: Option<audit_log::Model> = None;
    let mut anchor = None;
    let mut rows = 0_u64;
    loop {
        let after = previous.as_ref().map_or(i64::MIN, |row| row.id);
        let batch = audit_log::Entity::find()
            .filter(audit_log::Column::Id.gt(after))
            .order_by_asc(audit_log::Column::Id)
            .limit(VERIFY_BATCH)
            .all(db.reader())
            .await?;
        let done = (batch.len() as u64) < VERIFY_BATCH;
        for row in batch {
            if hash_of(&row) != row.hash {
                return Ok(Err(Broken {
                    id: row.id,
                    reason: "its fields do not match its hash (the row was altered)".to_owned(),
                }));
            }
            if let Some(before) = &previous {
                if row.id != before.id + 1 || row.prev_hash != before.hash {
                    return Ok(Err(Broken {
                        id: row.id,
                        reason: format!(
                            "it does not follow row {} (a row between them was removed or \
                             altered)",
                            before.id
                        ),
                    }));
                }
            } else {
                anchor = Some(row.id);
            }
            rows += 1;
            previous = Some(row);
        }
        if done {
            break;
        }
    }
    let head = db
        .reader()
        .query_one_raw(Statement::from_string(
            db.backend(),
            "SELECT last_id, last_hash FROM audit_chain_head WHERE id = 1",
        ))
        .await?;
    let head = match head {
        Some(row) => Some((
            row.try_get::<i64>("", "last_id")?,
            row.try_get::<String>("", "last_hash")?,
        )),
        None => None,
    };
    match (&previous, head) {
        (None, None) => {}
        (Some(last), Some((head_id, head_hash)))
            if last.id == head_id && last.hash == head_hash => {}
        (last, head) => {
            return Ok(Err(Broken {
                id: head.as_ref().map_or(0, |(id, _)| *id),
                reason: format!(
                    "the chain head names row {:?} but the newest row is {:?} (newest rows \
                     were removed or altered)",
                    head.as_ref().map(|(id, _)| *id),
                    last.as_ref().map(|row| row.id)
                ),
            }));
        }
    }
    Ok(Ok(Verified {
        rows,
        anchor,
        head: previous.map(|row| row.id),
    }))
}
