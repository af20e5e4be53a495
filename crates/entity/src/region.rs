//! `regions`: one row per administrative division (GB/T 2260); one CPPCC committee per region.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::RegionLevel;

/// A row of `regions`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "regions")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// GB/T 2260 code, 6 digits; unique.
    #[sea_orm(column_type = "Text", unique)]
    pub code: String,
    /// Name, e.g. `嘉善县`.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// Tier.
    pub level: RegionLevel,
    /// The region one tier up; `None` for a province.
    pub parent_id: Option<i64>,
}

/// Foreign keys of `regions`, and the tables that reference it.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `parent_id` → `regions.id`.
    #[sea_orm(belongs_to = "Entity", from = "Column::ParentId", to = "Column::Id")]
    Parent,
    /// Regions whose `parent_id` is this region.
    #[sea_orm(has_many = "Entity", via_rel = "Relation::Parent")]
    Children,
    /// `region_closure` rows with this region as the ancestor.
    #[sea_orm(
        has_many = "super::region_closure::Entity",
        via_rel = "Relation::Ancestor"
    )]
    Descendants,
    /// `region_closure` rows with this region as the descendant.
    #[sea_orm(
        has_many = "super::region_closure::Entity",
        via_rel = "Relation::Descendant"
    )]
    Ancestors,
    /// Members serving on this committee.
    #[sea_orm(has_many = "super::member::Entity", via_rel = "Relation::Region")]
    Members,
    /// Lounges owned by this committee.
    #[sea_orm(has_many = "super::lounge::Entity", via_rel = "Relation::Region")]
    Lounges,
    /// Consultations of this committee.
    #[sea_orm(has_many = "super::consultation::Entity", via_rel = "Relation::Region")]
    Consultations,
    /// Slot requests queued at this committee.
    #[sea_orm(has_many = "super::slot_request::Entity", via_rel = "Relation::Region")]
    SlotRequests,
    /// Sentiment reports of this committee.
    #[sea_orm(
        has_many = "super::sentiment_report::Entity",
        via_rel = "Relation::Region"
    )]
    SentimentReports,
    /// Events that touch this committee.
    #[sea_orm(has_many = "super::event_region::Entity", via_rel = "Relation::Region")]
    EventRegions,
    /// Notification targets filtering on this region's subtree.
    #[sea_orm(
        has_many = "super::notification_target::Entity",
        via_rel = "Relation::Region"
    )]
    NotificationTargets,
}

impl Related<super::member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Members.def()
    }
}

impl Related<super::lounge::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Lounges.def()
    }
}

impl Related<super::consultation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Consultations.def()
    }
}

impl Related<super::slot_request::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SlotRequests.def()
    }
}

impl Related<super::sentiment_report::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SentimentReports.def()
    }
}

impl Related<super::event_region::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::EventRegions.def()
    }
}

impl Related<super::notification_target::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::NotificationTargets.def()
    }
}

/// Events that touch this committee, through `event_regions`.
impl Related<super::event::Entity> for Entity {
    fn to() -> RelationDef {
        super::event_region::Relation::Event.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::event_region::Relation::Region.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
