//! Indexes in the order nested pages are read, so that PostgreSQL's limited page statement
//! (`LATERAL … ORDER BY … LIMIT`, see `domain::page`) reads a page's rows straight from the
//! index instead of sorting each parent's whole list.

use sea_orm_migration::prelude::*;

use crate::util::{Idx, create_all, drop_all};

/// `Consultation.suggestions` pages: oldest first, by creation then id.
const INDEXES: &[Idx] = &[Idx::on(
    "suggestions",
    &["consultation_id", "created_at", "id"],
)];

/// Adds the page-order indexes.
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
}
