//! `import_jobs`: roster imports sent through the API, run in the background and polled.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `import_jobs`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "import_jobs")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// What the file holds (`members`, …).
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// QUEUED, RUNNING, SUCCEEDED or FAILED.
    #[sea_orm(column_type = "Text")]
    pub status: String,
    /// The uploaded file's name.
    #[sea_orm(column_type = "Text")]
    pub file_name: String,
    /// The import's region, if one was given.
    #[sea_orm(column_type = "Text", nullable)]
    pub region_code: Option<String>,
    /// Whether it only checked.
    pub dry_run: bool,
    /// Who started it: the identity provider (null for service tokens).
    #[sea_orm(column_type = "Text", nullable)]
    pub actor_issuer: Option<String>,
    /// Who started it: their subject.
    #[sea_orm(column_type = "Text")]
    pub actor_subject: String,
    /// JSON array of the region ids whose staff may read the job besides its starter.
    #[sea_orm(column_type = "Text")]
    pub actor_scope: String,
    /// Data rows read so far.
    pub rows_read: i64,
    /// The report (JSON), once finished.
    #[sea_orm(column_type = "Text", nullable)]
    pub report: Option<String>,
    /// Why it failed (a file error's code), if it did.
    #[sea_orm(column_type = "Text", nullable)]
    pub error_code: Option<String>,
    /// The failure in words.
    #[sea_orm(column_type = "Text", nullable)]
    pub error_message: Option<String>,
    /// When it was started.
    pub created_at: DateTime<Utc>,
    /// When it finished.
    pub finished_at: Option<DateTime<Utc>>,
}

/// `import_jobs` refers to no other table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
