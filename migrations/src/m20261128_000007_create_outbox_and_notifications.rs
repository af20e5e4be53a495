//! The outbox (`events`, written in the same transaction as the change, and `event_regions`,
//! every committee an event touches) and pushed notifications (`notification_targets`,
//! `deliveries`).

use sea_orm_migration::prelude::*;

use crate::util::{
    Idx, big_int, boolean_default, create_all, drop_all, enum_fk, fk, id, int_default, int_null,
    text, text_null, timestamp, timestamp_null,
};

const INDEXES: &[Idx] = &[
    Idx::on("events", &["type"]),
    Idx::on("events", &["occurred_at"]),
    // The primary key (event_sequence, region_id) covers event_sequence.
    Idx::on("event_regions", &["region_id"]),
    Idx::on("notification_targets", &["adapter"]),
    Idx::on("notification_targets", &["region_id"]),
    Idx::on("notification_targets", &["status"]),
    // Covers target_id; (status, next_attempt_at) covers status.
    Idx::unique("deliveries", &["target_id", "event_sequence"]),
    Idx::on("deliveries", &["event_sequence"]),
    Idx::on("deliveries", &["status", "next_attempt_at"]),
];

fn tables() -> Vec<TableCreateStatement> {
    vec![
        Table::create()
            .table("events")
            // Assigned by the writer, not by the database.
            .col(
                ColumnDef::new("sequence")
                    .big_integer()
                    .not_null()
                    .primary_key(),
            )
            .col(text("type"))
            .col(text("entity_type"))
            .col(big_int("entity_id"))
            .col(text("region_codes"))
            .col(text("snapshot"))
            .col(text("actor"))
            .col(timestamp("occurred_at"))
            .foreign_key(&mut enum_fk("events", "type", "enum_event_type"))
            .take(),
        Table::create()
            .table("event_regions")
            .col(big_int("event_sequence"))
            .col(big_int("region_id"))
            .primary_key(Index::create().col("event_sequence").col("region_id"))
            .foreign_key(&mut fk(
                "event_regions",
                "event_sequence",
                "events",
                "sequence",
            ))
            .foreign_key(&mut fk("event_regions", "region_id", "regions", "id"))
            .take(),
        Table::create()
            .table("notification_targets")
            .col(id())
            .col(text("name"))
            .col(text("adapter"))
            .col(text("url"))
            .col(text_null("secret"))
            .col(text("event_types"))
            .col(big_int("region_id"))
            .col(text("status"))
            .col(text("created_by"))
            .col(big_int("last_sequence").default(0))
            .col(text_null("lease_holder"))
            .col(timestamp_null("lease_until"))
            .col(timestamp("created_at"))
            .col(timestamp("updated_at"))
            .foreign_key(&mut enum_fk(
                "notification_targets",
                "adapter",
                "enum_notification_adapter",
            ))
            .foreign_key(&mut fk(
                "notification_targets",
                "region_id",
                "regions",
                "id",
            ))
            .foreign_key(&mut enum_fk(
                "notification_targets",
                "status",
                "enum_notification_target_status",
            ))
            .take(),
        Table::create()
            .table("deliveries")
            .col(id())
            .col(big_int("target_id"))
            .col(big_int("event_sequence"))
            .col(text("status"))
            .col(int_default("attempts", 0))
            .col(text_null("last_error"))
            .col(int_null("response_code"))
            .col(timestamp_null("next_attempt_at"))
            .col(timestamp_null("delivered_at"))
            .col(boolean_default("redelivery", false))
            .col(timestamp("created_at"))
            .col(timestamp("updated_at"))
            .foreign_key(&mut fk(
                "deliveries",
                "target_id",
                "notification_targets",
                "id",
            ))
            .foreign_key(&mut fk(
                "deliveries",
                "event_sequence",
                "events",
                "sequence",
            ))
            .foreign_key(&mut enum_fk("deliveries", "status", "enum_delivery_status"))
            .take(),
    ]
}

/// Creates the outbox and notification tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_all(manager, tables(), INDEXES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_all(manager, tables(), INDEXES).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
