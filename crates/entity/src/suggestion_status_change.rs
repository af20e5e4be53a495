//! `suggestion_status_changes`: every status transition of a suggestion.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::SuggestionStatus;

/// A row of `suggestion_status_changes`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "suggestion_status_changes")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The suggestion.
    pub suggestion_id: i64,
    /// Status before; `None` for the creation.
    pub from_status: Option<SuggestionStatus>,
    /// Status after.
    pub to_status: SuggestionStatus,
    /// Who made the change.
    #[sea_orm(column_type = "Text")]
    pub actor: String,
    /// Note.
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    /// When the change happened.
    pub changed_at: DateTime<Utc>,
}

/// Foreign keys of `suggestion_status_changes`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `suggestion_id` → `suggestions.id`.
    #[sea_orm(
        belongs_to = "super::suggestion::Entity",
        from = "Column::SuggestionId",
        to = "super::suggestion::Column::Id"
    )]
    Suggestion,
}

impl Related<super::suggestion::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Suggestion.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
