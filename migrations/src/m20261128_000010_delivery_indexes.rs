//! An index for the dispatcher's questions about one target's open deliveries ("is its stream
//! waiting on a retry?", "which rows are still to send?"). Without it each question walks every
//! delivery the target ever had, so a busy target got slower with every event it received.

use sea_orm_migration::prelude::*;

use crate::util::{Idx, create_all, drop_all};

const INDEXES: &[Idx] = &[Idx::on(
    "deliveries",
    &["target_id", "status", "event_sequence"],
)];

/// Creates the dispatcher's delivery index.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_all(manager, Vec::new(), INDEXES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_all(manager, Vec::new(), INDEXES).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
