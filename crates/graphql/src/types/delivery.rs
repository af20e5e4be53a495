//! Deliveries of outbox events to notification targets, as GraphQL.

use std::sync::Arc;

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use domain::read::deliveries::Delivery as DeliveryRow;

use crate::{
    connection::{Connection, ConnectionNode},
    error::{ApiError, Result},
    generation::{Generation, Sibling},
    ids,
    relations::delivery::{DeliveryEvent, DeliveryTarget},
    types::{
        event::Event,
        notification::{DeliveryStatus, NotificationTarget},
    },
};

/// One delivery of a generation of deliveries.
#[derive(Clone)]
pub struct Delivery {
    index: usize,
    generation: Arc<Generation<DeliveryRow>>,
}

impl Sibling for Delivery {
    type Row = DeliveryRow;

    fn at(index: usize, generation: Arc<Generation<DeliveryRow>>) -> Self {
        Self { index, generation }
    }
}

impl Delivery {
    fn row(&self) -> &DeliveryRow {
        self.generation.row(self.index)
    }
}

/// One outbox event on its way to one notification target, with its attempts and outcome.
/// Created when the dispatcher first handles the event for the target; retried with backoff
/// and dead-lettered (DEAD) after the last attempt.
#[Object]
impl Delivery {
    /// Opaque global ID. Receivers get the same string in `X-Xieshang-Delivery` on every
    /// attempt, so they can drop duplicates.
    pub async fn id(&self) -> ID {
        ids::encode("Delivery", self.row().id)
    }

    /// The target the event goes to.
    async fn target(&self, ctx: &Context<'_>) -> Result<NotificationTarget> {
        let targets = self.generation.load::<DeliveryTarget>(ctx, ()).await?;
        // A caller who sees the delivery manages its target.
        targets
            .get(Some(self.row().target_id))
            .ok_or_else(ApiError::internal)
    }

    /// Outbox sequence number of the event delivered.
    async fn event_sequence(&self) -> i64 {
        self.row().event_sequence
    }

    /// Cursor of the event delivered: the same string as `Event.cursor` in the `events`
    /// connection and subscription, and `cursor` in webhook payloads.
    async fn event_cursor(&self) -> String {
        domain::events::cursor_of(self.row().event_sequence)
    }

    /// The event delivered, so that a dead letter can be inspected without a second query
    /// (same object as in the `events` connection); null once retention has pruned it.
    async fn event(&self, ctx: &Context<'_>) -> Result<Option<Event>> {
        let events = self.generation.load::<DeliveryEvent>(ctx, ()).await?;
        Ok(events.get(&self.row().event_sequence).cloned())
    }

    /// Where the delivery stands.
    async fn status(&self) -> DeliveryStatus {
        self.row().status.into()
    }

    /// Attempts made so far (reset to 0 by a redelivery).
    async fn attempts(&self) -> i32 {
        self.row().attempts
    }

    /// What went wrong on the last failed attempt (credentials removed); null after success.
    async fn last_error(&self) -> Option<&str> {
        self.row().last_error.as_deref()
    }

    /// HTTP status of the receiver's last answer; null when there was none.
    async fn response_code(&self) -> Option<i32> {
        self.row().response_code
    }

    /// When the next attempt is due; null when none is scheduled.
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.row().next_attempt_at
    }

    /// When the receiver accepted it; null until then.
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.row().delivered_at
    }

    /// True when a dead letter was sent again on request (`redeliverDelivery`,
    /// `redeliverDeadLetters`): it arrives after later events, and the message says so.
    async fn redelivery(&self) -> bool {
        self.row().redelivery
    }

    /// When the dispatcher first handled the event for the target.
    async fn created_at(&self) -> DateTime<Utc> {
        self.row().created_at
    }

    /// When the delivery last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.row().updated_at
    }
}

impl ConnectionNode for Delivery {
    const CONNECTION_NAME: &'static str = "DeliveryConnection";
    const CONNECTION_DESCRIPTION: &'static str = "A page of deliveries.";
    const EDGE_NAME: &'static str = "DeliveryEdge";
    const EDGE_DESCRIPTION: &'static str = "One of deliveries in a page, with its cursor.";
}

/// A page of deliveries.
pub type DeliveryConnection = Connection<Delivery>;
