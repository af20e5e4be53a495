//! Retention pruning: the one way rows leave the audit log.

use chrono::{Duration, Utc};
use entity::audit_log;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, Statement,
};

use super::chain::placeholders;
use crate::{Db, DomainError};

/// Removes the audit rows written more than `older_than` ago, oldest first, and the anonymous
/// refusal counts of those minutes; returns how many rows went. The newest row always stays
/// (it anchors the chain head), and the oldest remaining row becomes the chain's anchor.
///
/// The append-only triggers let exactly this through: on PostgreSQL the transaction-local
/// setting `xieshang.audit_prune_through` (set here with `set_config(…, true)`, gone at
/// commit) names the highest id a DELETE may remove; on SQLite the one row of
/// `audit_prune_allowance`, inserted and deleted again inside this transaction, does the same.
/// Every other UPDATE or DELETE is refused by the database.
pub async fn prune(db: &Db, older_than: Duration) -> Result<u64, DomainError> {
    let cutoff = Utc::now() - older_than;
    let transaction = db.begin_write().await?;
    let backend = transaction.get_database_backend();
    let newest: Option<i64> = audit_log::Entity::find()
        .select_only()
        .column_as(audit_log::Column::Id.max(), "id")
        .into_tuple::<Option<i64>>()
        .one(&transaction)
        .await?
        .flatten();
    let through: Option<i64> = audit_log::Entity::find()
        .select_only()
        .column_as(audit_log::Column::Id.max(), "id")
        .filter(audit_log::Column::OccurredAt.lt(cutoff))
        .into_tuple::<Option<i64>>()
        .one(&transaction)
        .await?
        .flatten();
    let (Some(newest), Some(through)) = (newest, through) else {
        transaction.commit().await?;
        return Ok(0);
    };
    let through = through.min(newest - 1);
    let allow = match backend {
        DbBackend::Postgres => Statement::from_string(
            backend,
            format!("SELECT set_config('xieshang.audit_prune_through', '{through}', true)"),
        ),
        _ => Statement::from_sql_and_values(
            backend,
            "INSERT INTO audit_prune_allowance (id, through_id) VALUES (1, ?)",
            [through.into()],
        ),
    };
    transaction.execute_raw(allow).await?;
    transaction
        .execute_raw(Statement::from_sql_and_values(
            backend,
            placeholders(backend, "DELETE FROM audit_log_regions WHERE audit_id <= ?"),
            [through.into()],
        ))
        .await?;
    let removed = audit_log::Entity::delete_many()
        .filter(audit_log::Column::Id.lte(through))
        .exec(&transaction)
        .await?
        .rows_affected;
    if backend != DbBackend::Postgres {
        transaction
            .execute_unprepared("DELETE FROM audit_prune_allowance")
            .await?;
    }
    transaction
        .execute_raw(Statement::from_sql_and_values(
            backend,
            placeholders(backend, "DELETE FROM audit_refusal_counts WHERE minute < ?"),
            [cutoff.into()],
        ))
        .await?;
    transaction.commit().await?;
    Ok(removed)
}
