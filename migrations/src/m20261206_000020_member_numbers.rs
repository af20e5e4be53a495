//! `members.member_number` (委员编号): the key a member roster row is imported and exported by,
//! unique per committee. Existing members are numbered deterministically: the committee's code,
//! a hyphen and their position in the committee by id, zero-padded to four digits
//! (`330212-0001`, `330212-0002`, …).

use sea_orm_migration::{prelude::*, sea_orm::ConnectionTrait};

use crate::util::{Idx, create_all, drop_all};

const TABLE: &str = "members";

const INDEXES: &[Idx] = &[Idx::unique(TABLE, &["region_id", "member_number"])];

/// Adds and backfills `members.member_number`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // NOT NULL with a default so that SQLite can add it; every write sets it.
        let column = ColumnDef::new("member_number")
            .text()
            .not_null()
            .default("")
            .take();
        manager
            .alter_table(Table::alter().table(TABLE).add_column(column).take())
            .await?;
        let padded = match manager.get_database_backend() {
            sea_orm::DbBackend::Postgres => "lpad(ranked.position::text, 4, '0')",
            _ => "printf('%04d', ranked.position)",
        };
        // One pass of the window function, joined by id (a correlated subquery would rank the
        // whole table again for every member).
        let backfill = format!(
            "UPDATE members SET member_number = numbered.member_number \
             FROM (SELECT ranked.id, regions.code || '-' || {padded} AS member_number \
                   FROM (SELECT id, region_id, ROW_NUMBER() OVER (PARTITION BY region_id ORDER BY id) AS position FROM members) AS ranked \
                   JOIN regions ON regions.id = ranked.region_id) AS numbered \
             WHERE numbered.id = members.id"
        );
        manager
            .get_connection()
            .execute_unprepared(&backfill)
            .await?;
        create_all(manager, Vec::new(), INDEXES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_all(manager, Vec::new(), INDEXES).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(TABLE)
                    .drop_column("member_number")
                    .take(),
            )
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
