//! `members`: CPPCC members (政协委员); `region_id` is the committee they serve on.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{Gender, MemberStatus};

/// A row of `members`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "members")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The committee (region) the member serves on.
    pub region_id: i64,
    /// 委员编号: the member's number, unique per committee; the key of roster imports.
    #[sea_orm(column_type = "Text")]
    pub member_number: String,
    /// Full name.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// Gender.
    pub gender: Gender,
    /// Sector (界别).
    #[sea_orm(column_type = "Text")]
    pub sector: String,
    /// Occupation or title.
    #[sea_orm(column_type = "Text")]
    pub occupation: String,
    /// Term (届) served.
    pub term: i32,
    /// Phone number; personal data.
    #[sea_orm(column_type = "Text", nullable)]
    pub phone: Option<String>,
    /// E-mail address; personal data.
    #[sea_orm(column_type = "Text", nullable)]
    pub email: Option<String>,
    /// Whether the member currently serves.
    pub status: MemberStatus,
    /// When the row was created.
    pub created_at: DateTime<Utc>,
    /// When the row was last changed.
    pub updated_at: DateTime<Utc>,
}

/// Foreign keys of `members`, and the tables that reference it.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `region_id` → `regions.id`.
    #[sea_orm(
        belongs_to = "super::region::Entity",
        from = "Column::RegionId",
        to = "super::region::Column::Id"
    )]
    Region,
    /// The member's lounge memberships.
    #[sea_orm(
        has_many = "super::lounge_membership::Entity",
        via_rel = "Relation::Member"
    )]
    LoungeMemberships,
    /// The lounge activities the member took part in.
    #[sea_orm(
        has_many = "super::lounge_activity_participant::Entity",
        via_rel = "Relation::Member"
    )]
    LoungeActivityParticipants,
    /// The member's consultation participations.
    #[sea_orm(
        has_many = "super::consultation_participant::Entity",
        via_rel = "Relation::Member"
    )]
    ConsultationParticipants,
    /// Suggestions the member proposed.
    #[sea_orm(
        has_many = "super::suggestion::Entity",
        via_rel = "Relation::ProposerMember"
    )]
    Suggestions,
    /// Sentiment reports the member co-authored.
    #[sea_orm(
        has_many = "super::sentiment_report_author::Entity",
        via_rel = "Relation::Member"
    )]
    SentimentReportAuthors,
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

impl Related<super::lounge_activity_participant::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LoungeActivityParticipants.def()
    }
}

impl Related<super::consultation_participant::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ConsultationParticipants.def()
    }
}

impl Related<super::suggestion::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Suggestions.def()
    }
}

impl Related<super::sentiment_report_author::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SentimentReportAuthors.def()
    }
}

/// Lounge activities the member took part in, through `lounge_activity_participants`.
impl Related<super::lounge_activity::Entity> for Entity {
    fn to() -> RelationDef {
        super::lounge_activity_participant::Relation::Activity.def()
    }

    fn via() -> Option<RelationDef> {
        Some(
            super::lounge_activity_participant::Relation::Member
                .def()
                .rev(),
        )
    }
}

/// Sentiment reports the member co-authored, through `sentiment_report_authors`.
impl Related<super::sentiment_report::Entity> for Entity {
    fn to() -> RelationDef {
        super::sentiment_report_author::Relation::Report.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::sentiment_report_author::Relation::Member.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
