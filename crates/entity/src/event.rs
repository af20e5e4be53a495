//! `events`: the outbox, written in the same transaction as the change that caused it.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::EventType;

/// A row of `events`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "events")]
pub struct Model {
    /// Position in the outbox; assigned by the writer (not auto-increment), gap-safe for
    /// readers that tail it.
    #[sea_orm(primary_key, auto_increment = false)]
    pub sequence: i64,
    /// What happened.
    pub r#type: EventType,
    /// GraphQL type name of the changed entity, e.g. `Consultation`.
    #[sea_orm(column_type = "Text")]
    pub entity_type: String,
    /// Id of the changed entity.
    pub entity_id: i64,
    /// JSON array of the codes of every committee the event touches.
    #[sea_orm(column_type = "Text")]
    pub region_codes: String,
    /// JSON snapshot of the entity, without personal data.
    #[sea_orm(column_type = "Text")]
    pub snapshot: String,
    /// Who caused it.
    #[sea_orm(column_type = "Text")]
    pub actor: String,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// Whether the record, in the state the event records, is hidden from the public (a draft,
    /// a public topic awaiting moderation or rejected); see `domain::visibility`.
    pub restricted: bool,
    /// The W3C `traceparent` of the request that caused the event, sent on its webhook
    /// deliveries; null outside a traced request.
    #[sea_orm(column_type = "Text", nullable)]
    pub traceparent: Option<String>,
}

/// Tables that reference `events`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The committees the event touches.
    #[sea_orm(has_many = "super::event_region::Entity", via_rel = "Relation::Event")]
    EventRegions,
    /// Deliveries of the event.
    #[sea_orm(has_many = "super::delivery::Entity", via_rel = "Relation::Event")]
    Deliveries,
}

impl Related<super::event_region::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::EventRegions.def()
    }
}

impl Related<super::delivery::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Deliveries.def()
    }
}

/// The committees the event touches, through `event_regions`.
impl Related<super::region::Entity> for Entity {
    fn to() -> RelationDef {
        super::event_region::Relation::Region.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::event_region::Relation::Event.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
