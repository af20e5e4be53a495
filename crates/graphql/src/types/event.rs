//! Outbox events as GraphQL exposes them: the `Event` object shared by the `events` query
//! connection and the subscriptions, its filter, and the consultation-specific wrapper.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Json, Object};
use chrono::{DateTime, Utc};
use domain::{
    Db, DomainError,
    events::{self, EventRecord},
};
use tokio::sync::OnceCell;

use crate::{
    connection::PageInfo,
    error::Result,
    types::{
        consultation::Consultation,
        node::{Node, load_nodes},
    },
};

/// Type of an outbox event.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::EventType")]
pub enum EventType {
    /// A consultation was created.
    ConsultationCreated,
    /// A consultation's details changed.
    ConsultationUpdated,
    /// A consultation moved to another status.
    ConsultationStatusChanged,
    /// A suggestion was made.
    SuggestionCreated,
    /// A suggestion moved to another status.
    SuggestionStatusChanged,
    /// A follow-up was recorded for a suggestion.
    SuggestionFollowedUp,
    /// A department requested a consultation slot.
    SlotRequested,
    /// A slot request was accepted or declined.
    SlotRequestDecided,
    /// A lounge was created.
    LoungeCreated,
    /// A lounge's details changed.
    LoungeUpdated,
    /// A lounge moved to another status.
    LoungeStatusChanged,
    /// A lounge membership began, changed or ended.
    LoungeMembershipChanged,
    /// A lounge activity was recorded.
    LoungeActivityRecorded,
    /// A member was created.
    MemberCreated,
    /// A member's details changed.
    MemberUpdated,
    /// A sentiment report was drafted.
    SentimentReportDrafted,
    /// A sentiment report was submitted.
    SentimentReportSubmitted,
    /// A sentiment report was acknowledged.
    SentimentReportAcknowledged,
    /// A test notification requested by an integrator.
    NotificationTest,
    /// A host lounge confirmed that it hosts a joint activity (the activity now counts for it).
    LoungeActivityHostingConfirmed,
    /// A host lounge declined to host a joint activity.
    LoungeActivityHostingDeclined,
}

/// Which events to read. Every condition given must hold; the caller's scope applies on top.
#[derive(InputObject, Clone, Debug, Default)]
pub struct EventFilter {
    /// Only events of one of these types (all types when absent or empty).
    pub types: Option<Vec<EventType>>,
    /// Only events touching the committee of this region (GB/T 2260 code).
    pub region_code: Option<String>,
    /// With `regionCode`: also events touching any committee below that region (null counts
    /// as false).
    #[graphql(default_with = "Some(false)")]
    pub include_descendants: Option<bool>,
}

impl EventFilter {
    /// The domain filter, with the region code looked up; an unknown code is an input error.
    pub async fn resolve(
        filter: Option<Self>,
        db: &Db,
    ) -> Result<events::EventFilter, DomainError> {
        let filter = filter.unwrap_or_default();
        events::EventFilter::resolve(
            db,
            filter
                .types
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            filter.region_code.as_deref(),
            filter.include_descendants.unwrap_or(false),
        )
        .await
    }
}

/// Events read together (one page, or one subscription message): the records they changed are
/// loaded for all of them at once.
pub struct EventGeneration {
    rows: Vec<Arc<EventRecord>>,
    entities: OnceCell<Vec<Option<Node>>>,
}

impl EventGeneration {
    /// The events of one page or message, each as an [`Event`].
    pub fn events(rows: Vec<Arc<EventRecord>>) -> Vec<Event> {
        let generation = Arc::new(Self {
            rows,
            entities: OnceCell::new(),
        });
        (0..generation.rows.len())
            .map(|index| Event {
                index,
                generation: Arc::clone(&generation),
            })
            .collect()
    }

    /// The current state of every changed record, in row order; one statement per type.
    async fn entities(&self, ctx: &Context<'_>) -> Result<&[Option<Node>]> {
        let entities = self
            .entities
            .get_or_try_init(|| async {
                let ids: Vec<ID> = self
                    .rows
                    .iter()
                    .map(|row| ID(row.entity_global_id()))
                    .collect();
                load_nodes(ctx, &ids).await
            })
            .await?;
        Ok(entities)
    }
}

/// One event of a generation.
#[derive(Clone)]
pub struct Event {
    index: usize,
    generation: Arc<EventGeneration>,
}

impl Event {
    /// A single event as a generation of its own.
    pub fn single(row: Arc<EventRecord>) -> Self {
        Self {
            index: 0,
            generation: Arc::new(EventGeneration {
                rows: vec![row],
                entities: OnceCell::new(),
            }),
        }
    }

    fn row(&self) -> &EventRecord {
        &self.generation.rows[self.index]
    }

    async fn current(&self, ctx: &Context<'_>) -> Result<Option<Node>> {
        Ok(self
            .generation
            .entities(ctx)
            .await?
            .get(self.index)
            .cloned()
            .flatten())
    }
}

/// A change recorded in the outbox (事件): what happened to which record, in which committees,
/// and the record's state at that moment. Events are read in `sequence` order; `cursor`
/// resumes reading right after this event, in the `events` query and in the `events`
/// subscription alike.
#[Object]
impl Event {
    /// Opaque position of this event, for `after` in the `events` query and subscription and
    /// as found in webhook payloads.
    async fn cursor(&self) -> String {
        self.row().cursor()
    }

    /// Position in the log: increases by one per event, with no gaps, in commit order.
    async fn sequence(&self) -> i64 {
        self.row().sequence
    }

    /// What happened.
    #[graphql(name = "type")]
    async fn event_type(&self) -> EventType {
        self.row().event_type.into()
    }

    /// When it happened.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.row().occurred_at
    }

    /// GB/T 2260 codes of every committee the change touches (e.g. the holding committee and
    /// the host lounge's committee), ascending.
    async fn region_codes(&self) -> &[String] {
        &self.row().region_codes
    }

    /// Global ID of the changed record (for `node(id:)`).
    async fn entity_id(&self) -> ID {
        ID(self.row().entity_global_id())
    }

    /// The record's state right after this change, as it was then (a replay never shows
    /// today's state as if it were then), without personal data. Its shape follows the
    /// record's type; `status` and `version` appear where the record has them.
    async fn snapshot(&self) -> Option<Json<serde_json::Value>> {
        let snapshot = &self.row().snapshot;
        (!snapshot.is_null()).then(|| Json(snapshot.clone()))
    }

    /// The record as it is now; null when it no longer exists or the caller may not see it.
    async fn entity(&self, ctx: &Context<'_>) -> Result<Option<Node>> {
        self.current(ctx).await
    }
}

/// A change to a consultation, for `consultationUpdated`.
pub struct ConsultationEvent {
    /// The event.
    pub event: Event,
}

/// A consultation was created, changed or moved to another status.
#[Object]
impl ConsultationEvent {
    /// The event, with the consultation's state at that moment in `snapshot`.
    async fn event(&self) -> Event {
        self.event.clone()
    }

    /// The consultation as it is now; null when it no longer exists.
    async fn consultation(&self, ctx: &Context<'_>) -> Result<Option<Consultation>> {
        Ok(match self.event.current(ctx).await? {
            Some(Node::Consultation(consultation)) => Some(consultation),
            _ => None,
        })
    }
}

/// A page of events, in sequence order.
pub struct EventConnection {
    /// The events of the page.
    pub events: Vec<Event>,
    /// Whether events follow the page.
    pub has_next: bool,
    /// The filter, for `totalCount`.
    pub filter: events::EventFilter,
}

/// One event in a page, with its cursor.
pub struct EventEdge {
    node: Event,
}

/// A page of events, in sequence order.
#[Object]
impl EventConnection {
    /// The events of the page with their cursors.
    async fn edges(&self) -> Vec<EventEdge> {
        self.events
            .iter()
            .map(|node| EventEdge { node: node.clone() })
            .collect()
    }

    /// The events of the page, without cursors.
    async fn nodes(&self) -> Vec<Event> {
        self.events.clone()
    }

    /// Information to fetch the next page. `hasPreviousPage` is always false: the log is read
    /// forwards only.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_next_page: self.has_next,
            has_previous_page: false,
            start_cursor: self.events.first().map(|event| event.row().cursor()),
            end_cursor: self.events.last().map(|event| event.row().cursor()),
        }
    }

    /// How many retained events match the filter and are visible to the caller, across all
    /// pages (events older than the retention are gone and not counted).
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        let db = ctx.data::<Db>()?;
        let actor = ctx.data::<domain::Actor>()?;
        Ok(domain::events::count(db, actor, &self.filter).await?)
    }
}

/// One event in a page, with its cursor.
#[Object]
impl EventEdge {
    /// The event's cursor (the same string as `Event.cursor`), for `after`.
    async fn cursor(&self) -> String {
        self.node.row().cursor()
    }

    /// The event.
    async fn node(&self) -> Event {
        self.node.clone()
    }
}
