//! `members` (CPPCC members), `lounges` (members' lounges) and `lounge_memberships`.

use sea_orm_migration::prelude::*;

use crate::util::{
    Idx, big_int, create_all, date, date_null, drop_all, enum_fk, fk, id, int, int_default, text,
    text_null, timestamp,
};

const INDEXES: &[Idx] = &[
    Idx::on("members", &["region_id"]),
    Idx::on("members", &["gender"]),
    Idx::on("members", &["status"]),
    Idx::on("lounges", &["region_id"]),
    Idx::on("lounges", &["status"]),
    Idx::on("lounge_memberships", &["lounge_id"]),
    Idx::on("lounge_memberships", &["member_id"]),
    Idx::on("lounge_memberships", &["role"]),
];

fn tables() -> Vec<TableCreateStatement> {
    vec![
        Table::create()
            .table("members")
            .col(id())
            .col(big_int("region_id"))
            .col(text("name"))
            .col(text("gender"))
            .col(text("sector"))
            .col(text("occupation"))
            .col(int("term"))
            .col(text_null("phone"))
            .col(text_null("email"))
            .col(text("status"))
            .col(timestamp("created_at"))
            .col(timestamp("updated_at"))
            .foreign_key(&mut fk("members", "region_id", "regions", "id"))
            .foreign_key(&mut enum_fk("members", "gender", "enum_gender"))
            .foreign_key(&mut enum_fk("members", "status", "enum_member_status"))
            .take(),
        Table::create()
            .table("lounges")
            .col(id())
            .col(big_int("region_id"))
            .col(text("name"))
            .col(text("theme"))
            .col(text("venue"))
            .col(text("address"))
            .col(text("status"))
            .col(date("established_on"))
            .col(date_null("closed_on"))
            .col(int_default("version", 0))
            .col(timestamp("created_at"))
            .col(timestamp("updated_at"))
            .foreign_key(&mut fk("lounges", "region_id", "regions", "id"))
            .foreign_key(&mut enum_fk("lounges", "status", "enum_lounge_status"))
            .take(),
        Table::create()
            .table("lounge_memberships")
            .col(id())
            .col(big_int("lounge_id"))
            .col(big_int("member_id"))
            .col(text("role"))
            .col(date("since"))
            .col(date_null("until"))
            .col(timestamp("created_at"))
            .foreign_key(&mut fk("lounge_memberships", "lounge_id", "lounges", "id"))
            .foreign_key(&mut fk("lounge_memberships", "member_id", "members", "id"))
            .foreign_key(&mut enum_fk(
                "lounge_memberships",
                "role",
                "enum_lounge_role",
            ))
            .take(),
    ]
}

/// Creates `members`, `lounges` and `lounge_memberships`.
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
