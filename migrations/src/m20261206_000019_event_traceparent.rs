//! `events.traceparent`: the W3C trace context of the request that caused the event, so that
//! its webhook deliveries continue the caller's trace. Null for events written outside a traced
//! request (the command line, background jobs, rows from before this migration).

use sea_orm_migration::prelude::*;

use crate::util::text_null;

const TABLE: &str = "events";

/// Adds `events.traceparent`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(TABLE)
                    .add_column(text_null("traceparent"))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(TABLE)
                    .drop_column("traceparent")
                    .take(),
            )
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
