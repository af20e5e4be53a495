//! `consultation_status_changes.actor_region_id`: the committee (region) of the token that made
//! a change, so that the history can name the committee without the person. Null for rows
//! written before this migration (they show the role alone), for anonymous submissions and for
//! seeded history.

use sea_orm_migration::prelude::*;

use crate::util::{Idx, big_int_null, create_all, drop_all};

const TABLE: &str = "consultation_status_changes";

/// The new foreign key's index.
const INDEXES: &[Idx] = &[Idx::on(TABLE, &["actor_region_id"])];

/// Adds `consultation_status_changes.actor_region_id`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // sea-query writes no foreign key into an `ALTER TABLE` for SQLite, which accepts a
        // nullable column with a column-level `REFERENCES` clause; so the clause is the
        // column's own, the same on both engines.
        let column = big_int_null("actor_region_id")
            .extra(
                "CONSTRAINT fk_consultation_status_changes_actor_region_id REFERENCES regions (id)",
            )
            .take();
        manager
            .alter_table(Table::alter().table(TABLE).add_column(column).take())
            .await?;
        create_all(manager, Vec::new(), INDEXES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_all(manager, Vec::new(), INDEXES).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(TABLE)
                    .drop_column("actor_region_id")
                    .take(),
            )
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
