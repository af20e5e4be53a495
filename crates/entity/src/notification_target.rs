//! `notification_targets`: integrator endpoints that events are pushed to.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{NotificationAdapter, NotificationTargetStatus};

/// A row of `notification_targets`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "notification_targets")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Display name.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// How notifications are sent.
    pub adapter: NotificationAdapter,
    /// Endpoint URL.
    #[sea_orm(column_type = "Text")]
    pub url: String,
    /// Signing secret.
    #[sea_orm(column_type = "Text", nullable)]
    pub secret: Option<String>,
    /// JSON array of event types to send; empty = all.
    #[sea_orm(column_type = "Text")]
    pub event_types: String,
    /// Only events touching this region's subtree are sent.
    pub region_id: i64,
    /// Active or paused.
    pub status: NotificationTargetStatus,
    /// Who registered the target.
    #[sea_orm(column_type = "Text")]
    pub created_by: String,
    /// Every event up to this sequence is handled (default 0).
    pub last_sequence: i64,
    /// The dispatcher replica holding the lease, if any.
    #[sea_orm(column_type = "Text", nullable)]
    pub lease_holder: Option<String>,
    /// When the lease expires.
    pub lease_until: Option<DateTime<Utc>>,
    /// When the row was created.
    pub created_at: DateTime<Utc>,
    /// When the row was last changed.
    pub updated_at: DateTime<Utc>,
}

/// Foreign keys of `notification_targets`, and the tables that reference it.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `region_id` → `regions.id`.
    #[sea_orm(
        belongs_to = "super::region::Entity",
        from = "Column::RegionId",
        to = "super::region::Column::Id"
    )]
    Region,
    /// Deliveries to this target.
    #[sea_orm(has_many = "super::delivery::Entity", via_rel = "Relation::Target")]
    Deliveries,
}

impl Related<super::region::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Region.def()
    }
}

impl Related<super::delivery::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Deliveries.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
