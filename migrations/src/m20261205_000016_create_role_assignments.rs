//! `role_assignments`: what a person signed in through an identity provider may do in
//! xieshang. A provider authenticates people, keyed by (issuer, subject); it knows nothing of
//! CPPCC roles, so roles and their regions live here.

use sea_orm_migration::prelude::*;

use crate::util::{Idx, big_int, big_int_null, create_all, drop_all, fk, id, text, timestamp};

const INDEXES: &[Idx] = &[
    Idx::unique(
        "role_assignments",
        &["issuer", "subject", "role", "region_id"],
    ),
    Idx::on("role_assignments", &["region_id"]),
    Idx::on("role_assignments", &["member_id"]),
];

fn tables() -> Vec<TableCreateStatement> {
    vec![
        Table::create()
            .table("role_assignments")
            .col(id())
            .col(text("issuer"))
            .col(text("subject"))
            .col(text("role"))
            .col(big_int("region_id"))
            .col(big_int_null("member_id"))
            .col(text("granted_by"))
            .col(timestamp("created_at"))
            .foreign_key(&mut fk("role_assignments", "region_id", "regions", "id"))
            .foreign_key(&mut fk("role_assignments", "member_id", "members", "id"))
            .take(),
    ]
}

/// Creates `role_assignments`.
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
}
