//! `lounges`: members' lounges (委员会客厅), owned by a committee of any tier.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::LoungeStatus;

/// A row of `lounges`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "lounges")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The owning committee (region).
    pub region_id: i64,
    /// Name.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// Theme.
    #[sea_orm(column_type = "Text")]
    pub theme: String,
    /// Host venue, e.g. a court or a laboratory.
    #[sea_orm(column_type = "Text")]
    pub venue: String,
    /// Postal address.
    #[sea_orm(column_type = "Text")]
    pub address: String,
    /// Status.
    pub status: LoungeStatus,
    /// Day the lounge was established.
    pub established_on: NaiveDate,
    /// Day the lounge closed, if it did.
    pub closed_on: Option<NaiveDate>,
    /// Optimistic-concurrency version, starting at 0.
    pub version: i32,
    /// When the row was created.
    pub created_at: DateTime<Utc>,
    /// When the row was last changed.
    pub updated_at: DateTime<Utc>,
}

/// Foreign keys of `lounges`, and the tables that reference it.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `region_id` → `regions.id`.
    #[sea_orm(
        belongs_to = "super::region::Entity",
        from = "Column::RegionId",
        to = "super::region::Column::Id"
    )]
    Region,
    /// The lounge's memberships.
    #[sea_orm(
        has_many = "super::lounge_membership::Entity",
        via_rel = "Relation::Lounge"
    )]
    LoungeMemberships,
    /// The activities the lounge hosted.
    #[sea_orm(
        has_many = "super::lounge_activity_host::Entity",
        via_rel = "Relation::Lounge"
    )]
    LoungeActivityHosts,
    /// Consultations the lounge hosted.
    #[sea_orm(has_many = "super::consultation::Entity", via_rel = "Relation::Lounge")]
    Consultations,
    /// Sentiment reports that came from the lounge.
    #[sea_orm(
        has_many = "super::sentiment_report_source_lounge::Entity",
        via_rel = "Relation::Lounge"
    )]
    SentimentReportSourceLounges,
}

impl Related<super::region::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Region.def()
    }
}

impl Related<super::lounge_membership::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LoungeMemberships.def()
    }
}

impl Related<super::lounge_activity_host::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LoungeActivityHosts.def()
    }
}

impl Related<super::consultation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Consultations.def()
    }
}

impl Related<super::sentiment_report_source_lounge::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SentimentReportSourceLounges.def()
    }
}

/// Activities the lounge hosted, through `lounge_activity_hosts`.
impl Related<super::lounge_activity::Entity> for Entity {
    fn to() -> RelationDef {
        super::lounge_activity_host::Relation::Activity.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::lounge_activity_host::Relation::Lounge.def().rev())
    }
}

/// Sentiment reports that came from the lounge, through `sentiment_report_source_lounges`.
impl Related<super::sentiment_report::Entity> for Entity {
    fn to() -> RelationDef {
        super::sentiment_report_source_lounge::Relation::Report.def()
    }

    fn via() -> Option<RelationDef> {
        Some(
            super::sentiment_report_source_lounge::Relation::Lounge
                .def()
                .rev(),
        )
    }
}

impl ActiveModelBehavior for ActiveModel {}
