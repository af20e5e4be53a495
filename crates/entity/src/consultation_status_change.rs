//! `consultation_status_changes`: every lifecycle transition of a consultation.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::ConsultationStatus;

/// A row of `consultation_status_changes`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "consultation_status_changes")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The consultation.
    pub consultation_id: i64,
    /// Status before; `None` for the creation.
    pub from_status: Option<ConsultationStatus>,
    /// Status after.
    pub to_status: ConsultationStatus,
    /// Who made the change: `ROLE:subject` for a token, `anonymous` or `seed`.
    #[sea_orm(column_type = "Text")]
    pub actor: String,
    /// Note.
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    /// When the change happened.
    pub changed_at: DateTime<Utc>,
    /// The committee (region) of the token that made the change; `None` for anonymous
    /// submissions and for rows written before it was recorded.
    pub actor_region_id: Option<i64>,
}

/// Foreign keys of `consultation_status_changes`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `consultation_id` → `consultations.id`.
    #[sea_orm(
        belongs_to = "super::consultation::Entity",
        from = "Column::ConsultationId",
        to = "super::consultation::Column::Id"
    )]
    Consultation,
    /// `actor_region_id` → `regions.id`.
    #[sea_orm(
        belongs_to = "super::region::Entity",
        from = "Column::ActorRegionId",
        to = "super::region::Column::Id"
    )]
    ActorRegion,
}

impl Related<super::consultation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Consultation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
