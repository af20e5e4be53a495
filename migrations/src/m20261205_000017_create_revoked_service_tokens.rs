//! `revoked_service_tokens`: the deny list of this instance's service tokens (`xieshang token`),
//! by their `jti`. Every replica keeps it in memory and refreshes it (on PostgreSQL when
//! `NOTIFY xieshang_token_revoked` says it changed), so checking a token costs no query.

use sea_orm_migration::prelude::*;

use crate::util::{Idx, create_all, drop_all, id, text, timestamp};

const INDEXES: &[Idx] = &[Idx::unique("revoked_service_tokens", &["jti"])];

fn tables() -> Vec<TableCreateStatement> {
    vec![
        Table::create()
            .table("revoked_service_tokens")
            .col(id())
            .col(text("jti"))
            .col(text("revoked_by"))
            .col(timestamp("revoked_at"))
            .take(),
    ]
}

/// Creates `revoked_service_tokens`.
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
