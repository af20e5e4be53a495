//! "请你来协商" sessions: `consultations` with their participants and status history, and their
//! outcomes: `suggestions` with status history and follow-up records (督查).

use sea_orm_migration::prelude::*;

use crate::util::{
    Idx, big_int, big_int_null, create_all, date, drop_all, enum_fk, fk, id, int, int_default,
    text, text_null, timestamp, timestamp_null,
};

const INDEXES: &[Idx] = &[
    Idx::on("consultations", &["region_id"]),
    Idx::on("consultations", &["topic_source"]),
    Idx::on("consultations", &["kind"]),
    Idx::on("consultations", &["status"]),
    Idx::on("consultations", &["organizer_kind"]),
    Idx::on("consultations", &["lounge_id"]),
    Idx::on("consultations", &["held_at"]),
    Idx::on("consultation_participants", &["consultation_id"]),
    Idx::on("consultation_participants", &["role"]),
    Idx::on("consultation_participants", &["member_id"]),
    Idx::on("consultation_status_changes", &["consultation_id"]),
    Idx::on("consultation_status_changes", &["from_status"]),
    Idx::on("consultation_status_changes", &["to_status"]),
    Idx::on("suggestions", &["consultation_id"]),
    Idx::on("suggestions", &["proposer_member_id"]),
    Idx::on("suggestions", &["status"]),
    Idx::on("suggestions", &["grade"]),
    Idx::on("suggestion_status_changes", &["suggestion_id"]),
    Idx::on("suggestion_status_changes", &["from_status"]),
    Idx::on("suggestion_status_changes", &["to_status"]),
    Idx::on("suggestion_follow_ups", &["suggestion_id"]),
];

fn tables() -> Vec<TableCreateStatement> {
    vec![
        Table::create()
            .table("consultations")
            .col(id())
            .col(big_int("region_id"))
            .col(text("title"))
            .col(text("topic"))
            .col(text("topic_source"))
            .col(text("kind"))
            .col(text("status"))
            .col(text("organizer_kind"))
            .col(text("organizer_name"))
            .col(big_int_null("lounge_id"))
            .col(text_null("venue"))
            .col(timestamp_null("scheduled_at"))
            .col(timestamp_null("held_at"))
            .col(text_null("cancel_reason"))
            .col(text_null("submitter_name"))
            .col(text_null("submitter_contact"))
            .col(int_default("version", 0))
            .col(timestamp("created_at"))
            .col(timestamp("updated_at"))
            .foreign_key(&mut fk("consultations", "region_id", "regions", "id"))
            .foreign_key(&mut enum_fk(
                "consultations",
                "topic_source",
                "enum_topic_source",
            ))
            .foreign_key(&mut enum_fk(
                "consultations",
                "kind",
                "enum_consultation_kind",
            ))
            .foreign_key(&mut enum_fk(
                "consultations",
                "status",
                "enum_consultation_status",
            ))
            .foreign_key(&mut enum_fk(
                "consultations",
                "organizer_kind",
                "enum_organizer_kind",
            ))
            .foreign_key(&mut fk("consultations", "lounge_id", "lounges", "id"))
            .take(),
        Table::create()
            .table("consultation_participants")
            .col(id())
            .col(big_int("consultation_id"))
            .col(text("role"))
            .col(big_int_null("member_id"))
            .col(text("name"))
            .col(text_null("organization"))
            .foreign_key(&mut fk(
                "consultation_participants",
                "consultation_id",
                "consultations",
                "id",
            ))
            .foreign_key(&mut enum_fk(
                "consultation_participants",
                "role",
                "enum_participant_role",
            ))
            .foreign_key(&mut fk(
                "consultation_participants",
                "member_id",
                "members",
                "id",
            ))
            .take(),
        Table::create()
            .table("consultation_status_changes")
            .col(id())
            .col(big_int("consultation_id"))
            .col(text_null("from_status"))
            .col(text("to_status"))
            .col(text("actor"))
            .col(text_null("note"))
            .col(timestamp("changed_at"))
            .foreign_key(&mut fk(
                "consultation_status_changes",
                "consultation_id",
                "consultations",
                "id",
            ))
            .foreign_key(&mut enum_fk(
                "consultation_status_changes",
                "from_status",
                "enum_consultation_status",
            ))
            .foreign_key(&mut enum_fk(
                "consultation_status_changes",
                "to_status",
                "enum_consultation_status",
            ))
            .take(),
        Table::create()
            .table("suggestions")
            .col(id())
            .col(big_int("consultation_id"))
            .col(text("content"))
            .col(big_int_null("proposer_member_id"))
            .col(text("proposer_name"))
            .col(text("responsible_department"))
            .col(text("status"))
            .col(text_null("grade"))
            .col(int_default("version", 0))
            .col(timestamp("created_at"))
            .col(timestamp("updated_at"))
            .foreign_key(&mut fk(
                "suggestions",
                "consultation_id",
                "consultations",
                "id",
            ))
            .foreign_key(&mut fk(
                "suggestions",
                "proposer_member_id",
                "members",
                "id",
            ))
            .foreign_key(&mut enum_fk(
                "suggestions",
                "status",
                "enum_suggestion_status",
            ))
            .foreign_key(&mut enum_fk(
                "suggestions",
                "grade",
                "enum_suggestion_grade",
            ))
            .take(),
        Table::create()
            .table("suggestion_status_changes")
            .col(id())
            .col(big_int("suggestion_id"))
            .col(text_null("from_status"))
            .col(text("to_status"))
            .col(text("actor"))
            .col(text_null("note"))
            .col(timestamp("changed_at"))
            .foreign_key(&mut fk(
                "suggestion_status_changes",
                "suggestion_id",
                "suggestions",
                "id",
            ))
            .foreign_key(&mut enum_fk(
                "suggestion_status_changes",
                "from_status",
                "enum_suggestion_status",
            ))
            .foreign_key(&mut enum_fk(
                "suggestion_status_changes",
                "to_status",
                "enum_suggestion_status",
            ))
            .take(),
        Table::create()
            .table("suggestion_follow_ups")
            .col(id())
            .col(big_int("suggestion_id"))
            .col(date("followed_on"))
            .col(text("note"))
            .col(int("progress").check((
                "ck_suggestion_follow_ups_progress",
                Expr::col("progress").between(0, 100),
            )))
            .col(text("actor"))
            .col(timestamp("created_at"))
            .foreign_key(&mut fk(
                "suggestion_follow_ups",
                "suggestion_id",
                "suggestions",
                "id",
            ))
            .take(),
    ]
}

/// Creates the consultation and suggestion tables.
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
