//! `deliveries`: delivery attempts of one event to one notification target.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::DeliveryStatus;

/// A row of `deliveries`; unique per (`target_id`, `event_sequence`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "deliveries")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The target.
    pub target_id: i64,
    /// The event.
    pub event_sequence: i64,
    /// State.
    pub status: DeliveryStatus,
    /// Attempts made so far (default 0).
    pub attempts: i32,
    /// Error of the last failed attempt.
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    /// HTTP status of the last attempt.
    pub response_code: Option<i32>,
    /// When the next attempt is due.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When it was delivered.
    pub delivered_at: Option<DateTime<Utc>>,
    /// Whether this is a requested redelivery (default false).
    pub redelivery: bool,
    /// When the row was created.
    pub created_at: DateTime<Utc>,
    /// When the row was last changed.
    pub updated_at: DateTime<Utc>,
}

/// Foreign keys of `deliveries`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `target_id` → `notification_targets.id`.
    #[sea_orm(
        belongs_to = "super::notification_target::Entity",
        from = "Column::TargetId",
        to = "super::notification_target::Column::Id"
    )]
    Target,
    /// `event_sequence` → `events.sequence`.
    #[sea_orm(
        belongs_to = "super::event::Entity",
        from = "Column::EventSequence",
        to = "super::event::Column::Sequence"
    )]
    Event,
}

impl Related<super::notification_target::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Target.def()
    }
}

impl Related<super::event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Event.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
