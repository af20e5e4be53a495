//! `revoked_service_tokens`: service tokens (`xieshang token`) refused before their expiry.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `revoked_service_tokens`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "revoked_service_tokens")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The revoked token's `jti`.
    #[sea_orm(column_type = "Text")]
    pub jti: String,
    /// Who revoked it (their subject).
    #[sea_orm(column_type = "Text")]
    pub revoked_by: String,
    /// When.
    pub revoked_at: DateTime<Utc>,
}

/// `revoked_service_tokens` refers to no other table.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
