//! `consultation_participants`: members and guests taking part in a consultation.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::ParticipantRole;

/// A row of `consultation_participants`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "consultation_participants")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The consultation.
    pub consultation_id: i64,
    /// Role in the session.
    pub role: ParticipantRole,
    /// The member, if the participant is one.
    pub member_id: Option<i64>,
    /// A guest's name, or the member's name at the time.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// Organization the participant represents.
    #[sea_orm(column_type = "Text", nullable)]
    pub organization: Option<String>,
}

/// Foreign keys of `consultation_participants`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `consultation_id` → `consultations.id`.
    #[sea_orm(
        belongs_to = "super::consultation::Entity",
        from = "Column::ConsultationId",
        to = "super::consultation::Column::Id"
    )]
    Consultation,
    /// `member_id` → `members.id`.
    #[sea_orm(
        belongs_to = "super::member::Entity",
        from = "Column::MemberId",
        to = "super::member::Column::Id"
    )]
    Member,
}

impl Related<super::consultation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Consultation.def()
    }
}

impl Related<super::member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Member.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
