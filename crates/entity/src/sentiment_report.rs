//! `sentiment_reports` (社情民意信息): reports compiled from lounges and members and sent to a
//! government body.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::SentimentReportStatus;

/// A row of `sentiment_reports`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "sentiment_reports")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The committee (region) sending it.
    pub region_id: i64,
    /// Title.
    #[sea_orm(column_type = "Text")]
    pub title: String,
    /// Content.
    #[sea_orm(column_type = "Text")]
    pub content: String,
    /// The receiving body.
    #[sea_orm(column_type = "Text")]
    pub recipient: String,
    /// Status.
    pub status: SentimentReportStatus,
    /// When it was submitted.
    pub submitted_at: Option<DateTime<Utc>>,
    /// When it was acknowledged.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// The acknowledgement (a leader's instruction, 批示).
    #[sea_orm(column_type = "Text", nullable)]
    pub acknowledgement: Option<String>,
    /// Optimistic-concurrency version, starting at 0.
    pub version: i32,
    /// When the row was created.
    pub created_at: DateTime<Utc>,
    /// When the row was last changed.
    pub updated_at: DateTime<Utc>,
}

/// Foreign keys of `sentiment_reports`, and the tables that reference it.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `region_id` → `regions.id`.
    #[sea_orm(
        belongs_to = "super::region::Entity",
        from = "Column::RegionId",
        to = "super::region::Column::Id"
    )]
    Region,
    /// The lounges it came from.
    #[sea_orm(
        has_many = "super::sentiment_report_source_lounge::Entity",
        via_rel = "Relation::Report"
    )]
    SourceLounges,
    /// The member authors.
    #[sea_orm(
        has_many = "super::sentiment_report_author::Entity",
        via_rel = "Relation::Report"
    )]
    Authors,
}

impl Related<super::region::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Region.def()
    }
}

impl Related<super::sentiment_report_source_lounge::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SourceLounges.def()
    }
}

impl Related<super::sentiment_report_author::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Authors.def()
    }
}

/// Source lounges, through `sentiment_report_source_lounges`.
impl Related<super::lounge::Entity> for Entity {
    fn to() -> RelationDef {
        super::sentiment_report_source_lounge::Relation::Lounge.def()
    }

    fn via() -> Option<RelationDef> {
        Some(
            super::sentiment_report_source_lounge::Relation::Report
                .def()
                .rev(),
        )
    }
}

/// Member authors, through `sentiment_report_authors`.
impl Related<super::member::Entity> for Entity {
    fn to() -> RelationDef {
        super::sentiment_report_author::Relation::Member.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::sentiment_report_author::Relation::Report.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
