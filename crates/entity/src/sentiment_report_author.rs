//! `sentiment_report_authors`: the members who wrote a sentiment report.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `sentiment_report_authors`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "sentiment_report_authors")]
pub struct Model {
    /// The report.
    #[sea_orm(primary_key, auto_increment = false)]
    pub report_id: i64,
    /// An author.
    #[sea_orm(primary_key, auto_increment = false)]
    pub member_id: i64,
}

/// Foreign keys of `sentiment_report_authors`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `report_id` → `sentiment_reports.id`.
    #[sea_orm(
        belongs_to = "super::sentiment_report::Entity",
        from = "Column::ReportId",
        to = "super::sentiment_report::Column::Id"
    )]
    Report,
    /// `member_id` → `members.id`.
    #[sea_orm(
        belongs_to = "super::member::Entity",
        from = "Column::MemberId",
        to = "super::member::Column::Id"
    )]
    Member,
}

impl Related<super::sentiment_report::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Report.def()
    }
}

impl Related<super::member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Member.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
