//! Streaming writes: rows are buffered and flushed in transactions of [`FLUSH_ROWS`] rows, each
//! written with multi-row inserts under the engines' parameter limits.

use sea_orm::{ActiveModelTrait, EntityName, EntityTrait, Iterable};

use crate::Progress;
use domain::{Db, DomainError};

/// Most bound parameters one statement may carry (SQLite allows 32,766, PostgreSQL 65,535).
const MAX_PARAMETERS: usize = 30_000;

/// Rows per transaction: large enough that commits are rare, small enough that a table of
/// millions of rows never sits in memory.
const FLUSH_ROWS: usize = 50_000;

/// A buffer of rows for one table that writes itself out as it fills.
pub(super) struct Sink<'a, A: ActiveModelTrait> {
    db: &'a Db,
    buffer: Vec<A>,
    written: u64,
}

impl<'a, A> Sink<'a, A>
where
    A: ActiveModelTrait + Send,
{
    /// Starts the table's progress phase with `total` rows expected.
    pub(super) fn new(db: &'a Db, total: u64, progress: &mut dyn Progress) -> Self {
        let table = <A::Entity as Default>::default().table_name().to_owned();
        progress.phase(&table, total);
        Self {
            db,
            buffer: Vec::with_capacity(FLUSH_ROWS),
            written: 0,
        }
    }

    /// Adds rows, flushing when the buffer is full.
    pub(super) async fn extend(
        &mut self,
        rows: impl IntoIterator<Item = A>,
        progress: &mut dyn Progress,
    ) -> Result<(), DomainError> {
        self.buffer.extend(rows);
        if self.buffer.len() >= FLUSH_ROWS {
            self.flush(progress).await?;
        }
        Ok(())
    }

    /// Writes what is left and returns the number of rows written in all.
    pub(super) async fn finish(mut self, progress: &mut dyn Progress) -> Result<u64, DomainError> {
        self.flush(progress).await?;
        Ok(self.written)
    }

    async fn flush(&mut self, progress: &mut dyn Progress) -> Result<(), DomainError> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let columns = <A::Entity as EntityTrait>::Column::iter().count().max(1);
        let per_statement = (MAX_PARAMETERS / columns).max(1);
        let txn = self.db.begin_write().await?;
        let mut rows = std::mem::take(&mut self.buffer).into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<A> = rows.by_ref().take(per_statement).collect();
            let count = chunk.len() as u64;
            <A::Entity as EntityTrait>::insert_many(chunk)
                .exec_without_returning(&txn)
                .await?;
            self.written += count;
            progress.advance(count);
        }
        txn.commit().await?;
        self.buffer.reserve(FLUSH_ROWS);
        Ok(())
    }
}
