//! `consultation_status_changes.actor_region_id`: the committee (region) of the token that made
//! a change, so that the history can name the committee without the person. Null for rows
//! written before this migration (they show the role alone), for anonymous submissions and for
//! seeded history.

use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, DbBackend},
};

use crate::util::{Idx, create_all, drop_all};

/// The new foreign key's index.
const INDEXES: &[Idx] = &[Idx::on("consultation_status_changes", &["actor_region_id"])];

/// Adds `consultation_status_changes.actor_region_id`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Written out because sea-query refuses foreign keys in an `ALTER TABLE` for SQLite,
        // which accepts a nullable `REFERENCES` column. `INTEGER` is SQLite's one integer type,
        // as sea-query writes `big_integer` there.
        let db = manager.get_connection();
        let integer = match db.get_database_backend() {
            DbBackend::Postgres => "BIGINT",
            _ => "INTEGER",
        };
        db.execute_unprepared(&format!(
            "ALTER TABLE consultation_status_changes ADD COLUMN actor_region_id {integer} NULL \
             CONSTRAINT fk_consultation_status_changes_actor_region_id REFERENCES regions (id)"
        ))
        .await?;
        create_all(manager, Vec::new(), INDEXES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_all(manager, Vec::new(), INDEXES).await?;
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE consultation_status_changes DROP COLUMN actor_region_id",
            )
            .await?;
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
