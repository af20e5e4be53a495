//! `audit_log`: who did what, append-only and hash-chained (see `domain::audit`). The
//! migration's triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL); only retention
//! pruning removes rows.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `audit_log`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    /// Position in the chain; assigned by the writer under the chain lock (not auto-increment).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    /// When the row was written (microsecond precision, as hashed).
    pub occurred_at: DateTime<Utc>,
    /// Who vouched for the actor: `xieshang` for service tokens; null for anonymous callers.
    #[sea_orm(column_type = "Text", nullable)]
    pub actor_issuer: Option<String>,
    /// The actor's subject at that issuer; null for anonymous callers.
    #[sea_orm(column_type = "Text", nullable)]
    pub actor_subject: Option<String>,
    /// The actor's role (`COUNTY_STAFF`, …); null for anonymous callers.
    #[sea_orm(column_type = "Text", nullable)]
    pub actor_role: Option<String>,
    /// The code of the actor's region; null for anonymous callers.
    #[sea_orm(column_type = "Text", nullable)]
    pub actor_region: Option<String>,
    /// The operation: a mutation's field name (`proposeConsultation`) or `exportAuditLog`.
    #[sea_orm(column_type = "Text")]
    pub operation: String,
    /// JSON array of the global ids of the records the operation touched or named.
    #[sea_orm(column_type = "Text")]
    pub target_ids: String,
    /// JSON array of the region ids the row concerns (the actor's and the targets').
    #[sea_orm(column_type = "Text")]
    pub region_ids: String,
    /// JSON object: the operation's input without secrets, contact data or URLs.
    #[sea_orm(column_type = "Text")]
    pub input_summary: String,
    /// `OK`, `USER_ERRORS`, `FORBIDDEN` or `UNAUTHENTICATED`.
    #[sea_orm(column_type = "Text")]
    pub outcome: String,
    /// The request's `x-request-id`.
    #[sea_orm(column_type = "Text", nullable)]
    pub request_id: Option<String>,
    /// The client's address (as seen through trusted proxies).
    #[sea_orm(column_type = "Text", nullable)]
    pub client_address: Option<String>,
    /// The previous row's `hash` (64 zeros for the first row ever).
    #[sea_orm(column_type = "Text")]
    pub prev_hash: String,
    /// Hex SHA-256 over `prev_hash` and this row's canonical fields.
    #[sea_orm(column_type = "Text")]
    pub hash: String,
}

/// `audit_log` has no foreign keys.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
