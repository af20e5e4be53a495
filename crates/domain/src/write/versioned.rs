//! Optimistic concurrency for every record with a `version` column: a change is written only if
//! nobody changed the row since it was read, and a client that says which version it last saw
//! is refused when that version is stale. Either way the loser gets `CONFLICT`, never a lost
//! update.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Value,
};

use crate::DomainError;

/// The columns a versioned table has in common.
pub(super) struct Versioned<E: EntityTrait> {
    /// What the record is called in messages, e.g. `consultation`.
    pub what: &'static str,
    /// Its primary key.
    pub id: E::Column,
    /// Its version counter.
    pub version: E::Column,
    /// Its last-change time.
    pub updated_at: E::Column,
}

impl<E: EntityTrait> Versioned<E> {
    /// `CONFLICT` when the client's `expected` version is not the `current` one.
    pub fn check(&self, current: i32, expected: Option<i32>) -> Result<(), DomainError> {
        match expected {
            Some(expected) if expected != current => Err(self.stale(expected, Some(current))),
            _ => Ok(()),
        }
    }

    /// Writes `change` to the row `id` read at `version`, bumping the version; `CONFLICT` when
    /// the row changed meanwhile. Returns the row as written.
    pub async fn save<A>(
        &self,
        transaction: &DatabaseTransaction,
        id: i64,
        version: i32,
        mut change: A,
    ) -> Result<E::Model, DomainError>
    where
        A: ActiveModelTrait<Entity = E> + Send,
    {
        change.set(self.version, Value::Int(Some(version + 1)));
        change.set(self.updated_at, Utc::now().into());
        let result = E::update_many()
            .set(change)
            .filter(self.id.eq(id))
            .filter(self.version.eq(version))
            .exec(transaction)
            .await?;
        let written = E::find().filter(self.id.eq(id)).one(transaction).await?;
        match written {
            Some(row) if result.rows_affected == 1 => Ok(row),
            _ => Err(self.stale(version, None)),
        }
    }

    fn stale(&self, expected: i32, actual: Option<i32>) -> DomainError {
        let now = actual
            .map(|actual| format!("now version {actual}, "))
            .unwrap_or_default();
        DomainError::Conflict(format!(
            "the {} was changed meanwhile ({now}you had version {expected}); reload it and try \
             again",
            self.what
        ))
    }
}
