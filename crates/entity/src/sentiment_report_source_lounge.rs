//! `sentiment_report_source_lounges`: the lounges a sentiment report came from.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `sentiment_report_source_lounges`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "sentiment_report_source_lounges")]
pub struct Model {
    /// The report.
    #[sea_orm(primary_key, auto_increment = false)]
    pub report_id: i64,
    /// A source lounge.
    #[sea_orm(primary_key, auto_increment = false)]
    pub lounge_id: i64,
}

/// Foreign keys of `sentiment_report_source_lounges`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `report_id` → `sentiment_reports.id`.
    #[sea_orm(
        belongs_to = "super::sentiment_report::Entity",
        from = "Column::ReportId",
        to = "super::sentiment_report::Column::Id"
    )]
    Report,
    /// `lounge_id` → `lounges.id`.
    #[sea_orm(
        belongs_to = "super::lounge::Entity",
        from = "Column::LoungeId",
        to = "super::lounge::Column::Id"
    )]
    Lounge,
}

impl Related<super::sentiment_report::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Report.def()
    }
}

impl Related<super::lounge::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Lounge.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
