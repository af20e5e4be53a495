//! Bulk writing for the seeders: multi-row inserts in chunks, and identity sequences.

use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityName, EntityTrait,
    Iterable,
};

use super::Progress;
use domain::DomainError;

/// Most bound parameters one statement may carry. SQLite allows 32,766 and PostgreSQL 65,535;
/// staying under 30,000 keeps a margin on both.
const MAX_PARAMETERS: usize = 30_000;

/// Inserts `rows` into their table in as few statements as the parameter limit allows,
/// reporting a phase named after the table. Every row must set the same columns.
pub(crate) async fn insert_all<A>(
    txn: &DatabaseTransaction,
    rows: Vec<A>,
    progress: &mut dyn Progress,
) -> Result<(), DomainError>
where
    A: ActiveModelTrait + Send,
{
    let table = <A::Entity as Default>::default().table_name().to_owned();
    progress.phase(&table, rows.len() as u64);
    let columns = <A::Entity as EntityTrait>::Column::iter().count().max(1);
    let per_statement = (MAX_PARAMETERS / columns).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(per_statement).collect();
        let written = chunk.len() as u64;
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(txn)
            .await?;
        progress.advance(written);
    }
    Ok(())
}

/// After rows were inserted with explicit ids, moves PostgreSQL's identity sequence of each
/// table past the largest id, so later inserts that let the database pick the id do not
/// collide. SQLite needs nothing: `AUTOINCREMENT` continues after the largest id it has seen,
/// explicit or not.
pub(crate) async fn advance_sequences(
    txn: &DatabaseTransaction,
    tables: &[&str],
) -> Result<(), DomainError> {
    if txn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    for table in tables {
        // `setval(…, NULL)` on an empty table is a no-op, which is what we want.
        txn.execute_unprepared(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
        ))
        .await?;
    }
    Ok(())
}
