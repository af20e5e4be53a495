//! `lounge_memberships`: a member's role in a lounge over a period.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::LoungeRole;

/// A row of `lounge_memberships`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "lounge_memberships")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The lounge.
    pub lounge_id: i64,
    /// The member.
    pub member_id: i64,
    /// Lead or team member.
    pub role: LoungeRole,
    /// First day of the membership.
    pub since: NaiveDate,
    /// Last day of the membership, if it ended.
    pub until: Option<NaiveDate>,
    /// When the row was created.
    pub created_at: DateTime<Utc>,
}

/// Foreign keys of `lounge_memberships`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `lounge_id` → `lounges.id`.
    #[sea_orm(
        belongs_to = "super::lounge::Entity",
        from = "Column::LoungeId",
        to = "super::lounge::Column::Id"
    )]
    Lounge,
    /// `member_id` → `members.id`.
    #[sea_orm(
        belongs_to = "super::member::Entity",
        from = "Column::MemberId",
        to = "super::member::Column::Id"
    )]
    Member,
}

impl Related<super::lounge::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Lounge.def()
    }
}

impl Related<super::member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Member.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
