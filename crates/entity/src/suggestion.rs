//! `suggestions` (建议): the outcomes of a consultation, tracked until implemented.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{SuggestionGrade, SuggestionStatus};

/// A row of `suggestions`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "suggestions")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The consultation it came out of.
    pub consultation_id: i64,
    /// The suggestion itself.
    #[sea_orm(column_type = "Text")]
    pub content: String,
    /// The proposing member, if a member proposed it.
    pub proposer_member_id: Option<i64>,
    /// Name of the proposer.
    #[sea_orm(column_type = "Text")]
    pub proposer_name: String,
    /// Department responsible for it.
    #[sea_orm(column_type = "Text")]
    pub responsible_department: String,
    /// Status.
    pub status: SuggestionStatus,
    /// Quality grade, once graded.
    pub grade: Option<SuggestionGrade>,
    /// Optimistic-concurrency version, starting at 0.
    pub version: i32,
    /// When the row was created.
    pub created_at: DateTime<Utc>,
    /// When the row was last changed.
    pub updated_at: DateTime<Utc>,
}

/// Foreign keys of `suggestions`, and the tables that reference it.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `consultation_id` → `consultations.id`.
    #[sea_orm(
        belongs_to = "super::consultation::Entity",
        from = "Column::ConsultationId",
        to = "super::consultation::Column::Id"
    )]
    Consultation,
    /// `proposer_member_id` → `members.id`.
    #[sea_orm(
        belongs_to = "super::member::Entity",
        from = "Column::ProposerMemberId",
        to = "super::member::Column::Id"
    )]
    ProposerMember,
    /// Status history.
    #[sea_orm(
        has_many = "super::suggestion_status_change::Entity",
        via_rel = "Relation::Suggestion"
    )]
    StatusChanges,
    /// Follow-up records.
    #[sea_orm(
        has_many = "super::suggestion_follow_up::Entity",
        via_rel = "Relation::Suggestion"
    )]
    FollowUps,
}

impl Related<super::consultation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Consultation.def()
    }
}

impl Related<super::member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ProposerMember.def()
    }
}

impl Related<super::suggestion_status_change::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::StatusChanges.def()
    }
}

impl Related<super::suggestion_follow_up::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::FollowUps.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
