//! The department queue for consultation slots (`slot_requests`, 挂号) and social-sentiment
//! reports (`sentiment_reports`, 社情民意信息) with their source lounges and member authors.

use sea_orm_migration::prelude::*;

use crate::util::{
    Idx, big_int, big_int_null, create_all, date, drop_all, enum_fk, fk, id, int_default, text,
    text_null, timestamp, timestamp_null,
};

const INDEXES: &[Idx] = &[
    Idx::on("slot_requests", &["region_id"]),
    Idx::on("slot_requests", &["status"]),
    Idx::on("slot_requests", &["consultation_id"]),
    Idx::on("sentiment_reports", &["region_id"]),
    Idx::on("sentiment_reports", &["status"]),
    // The primary keys (report_id, …) cover report_id.
    Idx::on("sentiment_report_source_lounges", &["lounge_id"]),
    Idx::on("sentiment_report_authors", &["member_id"]),
];

fn tables() -> Vec<TableCreateStatement> {
    vec![
        Table::create()
            .table("slot_requests")
            .col(id())
            .col(big_int("region_id"))
            .col(text("department"))
            .col(text("topic"))
            .col(date("period_start"))
            .col(date("period_end"))
            .col(text("status"))
            .col(timestamp("requested_at"))
            .col(timestamp_null("decided_at"))
            .col(text_null("decline_reason"))
            .col(big_int_null("consultation_id"))
            .col(int_default("version", 0))
            .col(timestamp("created_at"))
            .col(timestamp("updated_at"))
            .foreign_key(&mut fk("slot_requests", "region_id", "regions", "id"))
            .foreign_key(&mut enum_fk(
                "slot_requests",
                "status",
                "enum_slot_request_status",
            ))
            .foreign_key(&mut fk(
                "slot_requests",
                "consultation_id",
                "consultations",
                "id",
            ))
            .take(),
        Table::create()
            .table("sentiment_reports")
            .col(id())
            .col(big_int("region_id"))
            .col(text("title"))
            .col(text("content"))
            .col(text("recipient"))
            .col(text("status"))
            .col(timestamp_null("submitted_at"))
            .col(timestamp_null("acknowledged_at"))
            .col(text_null("acknowledgement"))
            .col(int_default("version", 0))
            .col(timestamp("created_at"))
            .col(timestamp("updated_at"))
            .foreign_key(&mut fk("sentiment_reports", "region_id", "regions", "id"))
            .foreign_key(&mut enum_fk(
                "sentiment_reports",
                "status",
                "enum_sentiment_report_status",
            ))
            .take(),
        Table::create()
            .table("sentiment_report_source_lounges")
            .col(big_int("report_id"))
            .col(big_int("lounge_id"))
            .primary_key(Index::create().col("report_id").col("lounge_id"))
            .foreign_key(&mut fk(
                "sentiment_report_source_lounges",
                "report_id",
                "sentiment_reports",
                "id",
            ))
            .foreign_key(&mut fk(
                "sentiment_report_source_lounges",
                "lounge_id",
                "lounges",
                "id",
            ))
            .take(),
        Table::create()
            .table("sentiment_report_authors")
            .col(big_int("report_id"))
            .col(big_int("member_id"))
            .primary_key(Index::create().col("report_id").col("member_id"))
            .foreign_key(&mut fk(
                "sentiment_report_authors",
                "report_id",
                "sentiment_reports",
                "id",
            ))
            .foreign_key(&mut fk(
                "sentiment_report_authors",
                "member_id",
                "members",
                "id",
            ))
            .take(),
    ]
}

/// Creates `slot_requests` and the sentiment report tables.
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
