//! `event_regions`: every committee an event touches (for region-filtered readers).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `event_regions`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "event_regions")]
pub struct Model {
    /// The event.
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_sequence: i64,
    /// A touched committee (region).
    #[sea_orm(primary_key, auto_increment = false)]
    pub region_id: i64,
}

/// Foreign keys of `event_regions`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `event_sequence` → `events.sequence`.
    #[sea_orm(
        belongs_to = "super::event::Entity",
        from = "Column::EventSequence",
        to = "super::event::Column::Sequence"
    )]
    Event,
    /// `region_id` → `regions.id`.
    #[sea_orm(
        belongs_to = "super::region::Entity",
        from = "Column::RegionId",
        to = "super::region::Column::Id"
    )]
    Region,
}

impl Related<super::event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Event.def()
    }
}

impl Related<super::region::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Region.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
