//! `lounge_activities` with their host lounges (`lounge_activity_hosts`, several for a joint
//! cross-lounge activity) and member participants (`lounge_activity_participants`).

use sea_orm_migration::prelude::*;

use crate::util::{
    Idx, big_int, create_all, drop_all, enum_fk, fk, id, int_default, text, text_null, timestamp,
};

const INDEXES: &[Idx] = &[
    Idx::on("lounge_activities", &["kind"]),
    Idx::on("lounge_activities", &["format"]),
    Idx::on("lounge_activities", &["channel"]),
    Idx::on("lounge_activities", &["platform"]),
    Idx::on("lounge_activities", &["starts_at"]),
    // The primary keys (activity_id, …) cover activity_id.
    Idx::on("lounge_activity_hosts", &["lounge_id"]),
    Idx::on("lounge_activity_participants", &["member_id"]),
];

fn tables() -> Vec<TableCreateStatement> {
    vec![
        Table::create()
            .table("lounge_activities")
            .col(id())
            .col(text("title"))
            .col(text("kind"))
            .col(text("format"))
            .col(text("channel"))
            .col(text_null("platform"))
            .col(timestamp("starts_at"))
            .col(timestamp("ends_at"))
            .col(int_default("public_attendance", 0))
            .col(text("summary").default(""))
            .col(timestamp("created_at"))
            .foreign_key(&mut enum_fk(
                "lounge_activities",
                "kind",
                "enum_activity_kind",
            ))
            .foreign_key(&mut enum_fk(
                "lounge_activities",
                "format",
                "enum_activity_format",
            ))
            .foreign_key(&mut enum_fk(
                "lounge_activities",
                "channel",
                "enum_activity_channel",
            ))
            .foreign_key(&mut enum_fk(
                "lounge_activities",
                "platform",
                "enum_online_platform",
            ))
            .take(),
        Table::create()
            .table("lounge_activity_hosts")
            .col(big_int("activity_id"))
            .col(big_int("lounge_id"))
            .primary_key(Index::create().col("activity_id").col("lounge_id"))
            .foreign_key(&mut fk(
                "lounge_activity_hosts",
                "activity_id",
                "lounge_activities",
                "id",
            ))
            .foreign_key(&mut fk(
                "lounge_activity_hosts",
                "lounge_id",
                "lounges",
                "id",
            ))
            .take(),
        Table::create()
            .table("lounge_activity_participants")
            .col(big_int("activity_id"))
            .col(big_int("member_id"))
            .primary_key(Index::create().col("activity_id").col("member_id"))
            .foreign_key(&mut fk(
                "lounge_activity_participants",
                "activity_id",
                "lounge_activities",
                "id",
            ))
            .foreign_key(&mut fk(
                "lounge_activity_participants",
                "member_id",
                "members",
                "id",
            ))
            .take(),
    ]
}

/// Creates `lounge_activities`, `lounge_activity_hosts` and `lounge_activity_participants`.
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
