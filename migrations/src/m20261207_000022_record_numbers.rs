//! Record numbers, the keys past sessions and activities are imported and exported by:
//!
//! * `consultations.record_number` (协商编号), unique per committee;
//! * `lounge_activities.region_id`, the committee of the activity's first host lounge, which
//!   numbers it, and `lounge_activities.record_number` (活动编号), unique per that committee.
//!
//! Existing rows are numbered deterministically in id order within their committee:
//! `330212-XS-0001` for consultations, `330212-HD-0001` for activities. An existing activity's
//! first host is its host lounge with the lowest id (hosts were not stored in order).

use sea_orm_migration::{prelude::*, sea_orm::ConnectionTrait};

use crate::util::{Idx, create_all, drop_all};

const INDEXES: &[Idx] = &[
    Idx::unique("consultations", &["region_id", "record_number"]),
    Idx::unique("lounge_activities", &["region_id", "record_number"]),
];

/// Adds and backfills the record numbers.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // NOT NULL with defaults so that SQLite can add them; every write sets them.
        for (table, column) in [
            (
                "consultations",
                ColumnDef::new("record_number")
                    .text()
                    .not_null()
                    .default("")
                    .take(),
            ),
            (
                "lounge_activities",
                ColumnDef::new("region_id")
                    .big_integer()
                    .not_null()
                    .default(0)
                    .take(),
            ),
            (
                "lounge_activities",
                ColumnDef::new("record_number")
                    .text()
                    .not_null()
                    .default("")
                    .take(),
            ),
        ] {
            manager
                .alter_table(Table::alter().table(table).add_column(column).take())
                .await?;
        }
        let padded = match manager.get_database_backend() {
            sea_orm::DbBackend::Postgres => "lpad(position::text, 4, '0')",
            _ => "printf('%04d', position)",
        };
        let connection = manager.get_connection();
        connection
            .execute_unprepared(
                "UPDATE lounge_activities SET region_id = first_host.region_id \
                 FROM (SELECT hosts.activity_id, lounges.region_id \
                       FROM (SELECT activity_id, MIN(lounge_id) AS lounge_id \
                             FROM lounge_activity_hosts GROUP BY activity_id) AS hosts \
                       JOIN lounges ON lounges.id = hosts.lounge_id) AS first_host \
                 WHERE first_host.activity_id = lounge_activities.id",
            )
            .await?;
        for (table, infix) in [("consultations", "XS"), ("lounge_activities", "HD")] {
            connection
                .execute_unprepared(&format!(
                    "UPDATE {table} SET record_number = numbered.record_number \
                     FROM (SELECT ranked.id, COALESCE(regions.code, '000000') || '-{infix}-' || {padded} AS record_number \
                           FROM (SELECT id, region_id, ROW_NUMBER() OVER (PARTITION BY region_id ORDER BY id) AS position \
                                 FROM {table}) AS ranked \
                           LEFT JOIN regions ON regions.id = ranked.region_id) AS numbered \
                     WHERE numbered.id = {table}.id"
                ))
                .await?;
        }
        create_all(manager, Vec::new(), INDEXES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_all(manager, Vec::new(), INDEXES).await?;
        for (table, column) in [
            ("lounge_activities", "record_number"),
            ("lounge_activities", "region_id"),
            ("consultations", "record_number"),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).take())
                .await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
