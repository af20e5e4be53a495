//! `import_jobs`: roster imports sent through the API run as jobs, polled with `importJob(id:)`
//! from any replica; the report is kept as JSON.

use sea_orm_migration::prelude::*;

use crate::util::{
    Idx, big_int, boolean_default, create_all, drop_all, id, text, text_null, timestamp,
    timestamp_null,
};

const INDEXES: &[Idx] = &[Idx::on("import_jobs", &["created_at"])];

fn tables() -> Vec<TableCreateStatement> {
    vec![
        Table::create()
            .table("import_jobs")
            .col(id())
            .col(text("kind"))
            .col(text("status"))
            .col(text("file_name"))
            .col(text_null("region_code"))
            .col(boolean_default("dry_run", false))
            .col(text_null("actor_issuer"))
            .col(text("actor_subject"))
            .col(text("actor_scope"))
            .col(big_int("rows_read"))
            .col(text_null("report"))
            .col(text_null("error_code"))
            .col(text_null("error_message"))
            .col(timestamp("created_at"))
            .col(timestamp_null("finished_at"))
            .take(),
    ]
}

/// Creates `import_jobs`.
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
