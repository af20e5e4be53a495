//! `lounge_activities`: the "4+X" activities of lounges; hosts and participants are in
//! `lounge_activity_hosts` and `lounge_activity_participants`.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{ActivityChannel, ActivityFormat, ActivityKind, OnlinePlatform};

/// A row of `lounge_activities`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "lounge_activities")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The committee that numbers the activity: that of its first host lounge.
    pub region_id: i64,
    /// 活动编号: the key imports and exports use, unique per `region_id` (`330212-HD-0001`).
    #[sea_orm(column_type = "Text")]
    pub record_number: String,
    /// Title.
    #[sea_orm(column_type = "Text")]
    pub title: String,
    /// Planned (one of the "4") or flexible (the "X").
    pub kind: ActivityKind,
    /// Format.
    pub format: ActivityFormat,
    /// Offline or online.
    pub channel: ActivityChannel,
    /// Platform of an online activity.
    pub platform: Option<OnlinePlatform>,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Number of public attendees (default 0).
    pub public_attendance: i32,
    /// Summary (default empty).
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    /// When the row was created.
    pub created_at: DateTime<Utc>,
}

/// Tables that reference `lounge_activities`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The host lounges (several for a joint activity).
    #[sea_orm(
        has_many = "super::lounge_activity_host::Entity",
        via_rel = "Relation::Activity"
    )]
    Hosts,
    /// The member participants.
    #[sea_orm(
        has_many = "super::lounge_activity_participant::Entity",
        via_rel = "Relation::Activity"
    )]
    Participants,
}

impl Related<super::lounge_activity_host::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Hosts.def()
    }
}

impl Related<super::lounge_activity_participant::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Participants.def()
    }
}

/// Host lounges, through `lounge_activity_hosts`.
impl Related<super::lounge::Entity> for Entity {
    fn to() -> RelationDef {
        super::lounge_activity_host::Relation::Lounge.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::lounge_activity_host::Relation::Activity.def().rev())
    }
}

/// Member participants, through `lounge_activity_participants`.
impl Related<super::member::Entity> for Entity {
    fn to() -> RelationDef {
        super::lounge_activity_participant::Relation::Member.def()
    }

    fn via() -> Option<RelationDef> {
        Some(
            super::lounge_activity_participant::Relation::Activity
                .def()
                .rev(),
        )
    }
}

impl ActiveModelBehavior for ActiveModel {}
