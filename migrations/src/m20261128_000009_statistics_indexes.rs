//! Composite indexes for the statistics statements (`domain::statistics`), so that their cost
//! follows the size of the asked-for regions' subtrees rather than the size of the tables:
//! every statement reaches the facts from the regions in scope, by region and then by date.

use sea_orm_migration::prelude::*;

use crate::util::{Idx, create_all, drop_all};

const INDEXES: &[Idx] = &[
    // A committee's consultations held in a year: one range per committee (held MAIN
    // consultations per county, consultation figures, participants).
    Idx::on("consultations", &["region_id", "held_at"]),
    // A consultation's suggestions made in a year, read from the index alone (status included).
    Idx::on("suggestions", &["consultation_id", "created_at", "status"]),
    // All suggestions made in a year, from the index alone: PostgreSQL's choice when the scope
    // is the whole country and it hash-joins instead of looking up consultation by consultation.
    Idx::on("suggestions", &["created_at", "consultation_id", "status"]),
    // A lounge's activities without reading the host rows (activity counts and the 4+X quota).
    Idx::on("lounge_activity_hosts", &["lounge_id", "activity_id"]),
];

/// Creates the statistics indexes.
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
