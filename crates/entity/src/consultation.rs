//! `consultations`: "请你来协商" sessions and their lifecycle.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{ConsultationKind, ConsultationStatus, OrganizerKind, TopicSource};

/// A row of `consultations`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "consultations")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The committee (region) holding the consultation.
    pub region_id: i64,
    /// 协商编号: the key imports and exports use, unique per committee (`330212-XS-0001`).
    #[sea_orm(column_type = "Text")]
    pub record_number: String,
    /// Title.
    #[sea_orm(column_type = "Text")]
    pub title: String,
    /// Topic.
    #[sea_orm(column_type = "Text")]
    pub topic: String,
    /// Where the topic came from.
    pub topic_source: TopicSource,
    /// Main or micro.
    pub kind: ConsultationKind,
    /// Lifecycle state.
    pub status: ConsultationStatus,
    /// Kind of organizing unit.
    pub organizer_kind: OrganizerKind,
    /// Name of the organizing unit.
    #[sea_orm(column_type = "Text")]
    pub organizer_name: String,
    /// The host lounge, if any.
    pub lounge_id: Option<i64>,
    /// Venue.
    #[sea_orm(column_type = "Text", nullable)]
    pub venue: Option<String>,
    /// Scheduled time.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// When the session was held.
    pub held_at: Option<DateTime<Utc>>,
    /// Why it was cancelled.
    #[sea_orm(column_type = "Text", nullable)]
    pub cancel_reason: Option<String>,
    /// Who submitted a public topic; personal data.
    #[sea_orm(column_type = "Text", nullable)]
    pub submitter_name: Option<String>,
    /// How to reach the submitter of a public topic; personal data.
    #[sea_orm(column_type = "Text", nullable)]
    pub submitter_contact: Option<String>,
    /// SHA-256 (hex) of the receipt code given to the submitter of a public topic; the code
    /// itself is never stored.
    #[sea_orm(column_type = "Text", nullable)]
    pub receipt_hash: Option<String>,
    /// When staff accepted or rejected a public topic in moderation.
    pub decided_at: Option<DateTime<Utc>>,
    /// Why staff rejected a public topic.
    #[sea_orm(column_type = "Text", nullable)]
    pub rejection_reason: Option<String>,
    /// Optimistic-concurrency version, starting at 0.
    pub version: i32,
    /// When the row was created.
    pub created_at: DateTime<Utc>,
    /// When the row was last changed.
    pub updated_at: DateTime<Utc>,
}

/// Foreign keys of `consultations`, and the tables that reference it.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `region_id` → `regions.id`.
    #[sea_orm(
        belongs_to = "super::region::Entity",
        from = "Column::RegionId",
        to = "super::region::Column::Id"
    )]
    Region,
    /// `lounge_id` → `lounges.id`.
    #[sea_orm(
        belongs_to = "super::lounge::Entity",
        from = "Column::LoungeId",
        to = "super::lounge::Column::Id"
    )]
    Lounge,
    /// Participants.
    #[sea_orm(
        has_many = "super::consultation_participant::Entity",
        via_rel = "Relation::Consultation"
    )]
    Participants,
    /// Status history.
    #[sea_orm(
        has_many = "super::consultation_status_change::Entity",
        via_rel = "Relation::Consultation"
    )]
    StatusChanges,
    /// Suggestions (outcomes).
    #[sea_orm(
        has_many = "super::suggestion::Entity",
        via_rel = "Relation::Consultation"
    )]
    Suggestions,
    /// The slot requests that became this consultation.
    #[sea_orm(
        has_many = "super::slot_request::Entity",
        via_rel = "Relation::Consultation"
    )]
    SlotRequests,
}

impl Related<super::region::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Region.def()
    }
}

impl Related<super::lounge::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Lounge.def()
    }
}

impl Related<super::consultation_participant::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Participants.def()
    }
}

impl Related<super::consultation_status_change::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::StatusChanges.def()
    }
}

impl Related<super::suggestion::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Suggestions.def()
    }
}

impl Related<super::slot_request::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SlotRequests.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
