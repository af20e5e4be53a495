//! `lounge_activity_participants`: the members taking part in an activity.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A row of `lounge_activity_participants`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "lounge_activity_participants")]
pub struct Model {
    /// The activity.
    #[sea_orm(primary_key, auto_increment = false)]
    pub activity_id: i64,
    /// A participating member.
    #[sea_orm(primary_key, auto_increment = false)]
    pub member_id: i64,
}

/// Foreign keys of `lounge_activity_participants`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `activity_id` → `lounge_activities.id`.
    #[sea_orm(
        belongs_to = "super::lounge_activity::Entity",
        from = "Column::ActivityId",
        to = "super::lounge_activity::Column::Id"
    )]
    Activity,
    /// `member_id` → `members.id`.
    #[sea_orm(
        belongs_to = "super::member::Entity",
        from = "Column::MemberId",
        to = "super::member::Column::Id"
    )]
    Member,
}

impl Related<super::lounge_activity::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Activity.def()
    }
}

impl Related<super::member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Member.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
