//! `lounge_activity_hosts`: the lounges hosting an activity (several for a joint
//! cross-lounge activity), each with its consent (INVITED, CONFIRMED or DECLINED).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::ActivityHostStatus;

/// A row of `lounge_activity_hosts`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "lounge_activity_hosts")]
pub struct Model {
    /// The activity.
    #[sea_orm(primary_key, auto_increment = false)]
    pub activity_id: i64,
    /// A host lounge.
    #[sea_orm(primary_key, auto_increment = false)]
    pub lounge_id: i64,
    /// Whether the lounge has agreed to host; only CONFIRMED hosts count.
    pub status: ActivityHostStatus,
}

/// Foreign keys of `lounge_activity_hosts`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// `activity_id` → `lounge_activities.id`.
    #[sea_orm(
        belongs_to = "super::lounge_activity::Entity",
        from = "Column::ActivityId",
        to = "super::lounge_activity::Column::Id"
    )]
    Activity,
    /// `lounge_id` → `lounges.id`.
    #[sea_orm(
        belongs_to = "super::lounge::Entity",
        from = "Column::LoungeId",
        to = "super::lounge::Column::Id"
    )]
    Lounge,
}

impl Related<super::lounge_activity::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Activity.def()
    }
}

impl Related<super::lounge::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Lounge.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
