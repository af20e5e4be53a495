//! `suggestion_follow_ups`: follow-up records (督查) of a suggestion's implementation.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `suggestion_follow_ups`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "suggestion_follow_ups")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The suggestion.
    pub suggestion_id: i64,
    /// Day of the follow-up.
    pub followed_on: NaiveDate,
    /// What was found.
    #[sea_orm(column_type = "Text")]
    pub note: String,
    /// Progress in percent, 0–100 (a `CHECK` constraint).
    pub progress: i32,
    /// Who followed up.
    #[sea_orm(column_type = "Text")]
    pub actor: String,
    /// When the row was created.
    pub created_at: DateTime<Utc>,
}

/// Foreign keys of `suggestion_follow_ups`.
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
