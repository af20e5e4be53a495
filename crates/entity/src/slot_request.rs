//! `slot_requests` (挂号): a government department queues for a consultation slot. The queue
//! position is derived when read (order of `requested_at`, then `id`, per committee).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::SlotRequestStatus;

/// A row of `slot_requests`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "slot_requests")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The committee (region) whose queue this is.
    pub region_id: i64,
    /// The requesting department.
    #[sea_orm(column_type = "Text")]
    pub department: String,
    /// The proposed topic.
    #[sea_orm(column_type = "Text")]
    pub topic: String,
    /// First day of the requested period.
    pub period_start: NaiveDate,
    /// Last day of the requested period.
    pub period_end: NaiveDate,
    /// Status.
    pub status: SlotRequestStatus,
    /// When the request was made (orders the queue).
    pub requested_at: DateTime<Utc>,
    /// When it was accepted or declined.
    pub decided_at: Option<DateTime<Utc>>,
    /// Why it was declined.
    #[sea_orm(column_type = "Text", nullable)]
    pub decline_reason: Option<String>,
    /// The consultation it became, once accepted.
    pub consultation_id: Option<i64>,
    /// Optimistic-concurrency version, starting at 0.
    pub version: i32,
    /// When the row was created.
    pub created_at: DateTime<Utc>,
    /// When the row was last changed.
    pub updated_at: DateTime<Utc>,
}

/// Foreign keys of `slot_requests`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `region_id` → `regions.id`.
    #[sea_orm(
        belongs_to = "super::region::Entity",
        from = "Column::RegionId",
        to = "super::region::Column::Id"
    )]
    Region,
    /// `consultation_id` → `consultations.id`.
    #[sea_orm(
        belongs_to = "super::consultation::Entity",
        from = "Column::ConsultationId",
        to = "super::consultation::Column::Id"
    )]
    Consultation,
}

impl Related<super::region::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Region.def()
    }
}

impl Related<super::consultation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Consultation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
