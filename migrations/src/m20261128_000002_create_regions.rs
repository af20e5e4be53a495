//! `regions` (GB/T 2260 divisions, one CPPCC committee each) and `region_closure`, the
//! transitive closure of the region tree (each region with itself at depth 0).

use sea_orm_migration::prelude::*;

use crate::util::{Idx, big_int, big_int_null, create_all, drop_all, enum_fk, fk, id, int, text};

const INDEXES: &[Idx] = &[
    Idx::unique("regions", &["code"]),
    Idx::on("regions", &["level"]),
    Idx::on("regions", &["parent_id"]),
    // (ancestor_id, descendant_id) is the primary key, which covers ancestor_id.
    Idx::on("region_closure", &["descendant_id"]),
];

fn tables() -> Vec<TableCreateStatement> {
    vec![
        Table::create()
            .table("regions")
            .col(id())
            .col(text("code"))
            .col(text("name"))
            .col(text("level"))
            .col(big_int_null("parent_id"))
            .foreign_key(&mut enum_fk("regions", "level", "enum_region_level"))
            .foreign_key(&mut fk("regions", "parent_id", "regions", "id"))
            .take(),
        Table::create()
            .table("region_closure")
            .col(big_int("ancestor_id"))
            .col(big_int("descendant_id"))
            .col(int("depth"))
            .primary_key(Index::create().col("ancestor_id").col("descendant_id"))
            .foreign_key(&mut fk("region_closure", "ancestor_id", "regions", "id"))
            .foreign_key(&mut fk("region_closure", "descendant_id", "regions", "id"))
            .take(),
    ]
}

/// Creates `regions` and `region_closure`.
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
