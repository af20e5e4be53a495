//! The root subscription: the event log, live, for integrators and dashboards.
//!
//! Both fields read through the process's [`EventFeed`] (schema data): with a cursor they first
//! replay every matching event after it from the outbox and then continue live, with no gap and
//! no duplicate at the seam ([`domain::feed::Tail`]). Events are limited to the caller's scope;
//! an unknown region, an expired cursor or an anonymous caller ends the subscription with a
//! typed error.

use std::sync::Arc;

use async_graphql::{Context, Subscription as SubscriptionObject};
use domain::{
    Actor, Db, DomainError,
    events::{self, EventRecord},
    feed::{EventFeed, Tail},
};
use entity::enums::EventType as EventTypeRow;
use futures_util::{Stream, StreamExt};

use crate::error::ApiError;
use crate::error::Result;
use crate::types::event::{ConsultationEvent, Event, EventFilter};

/// The event types of `consultationUpdated`.
const CONSULTATION_EVENTS: [EventTypeRow; 3] = [
    EventTypeRow::ConsultationCreated,
    EventTypeRow::ConsultationUpdated,
    EventTypeRow::ConsultationStatusChanged,
];

/// The root of every subscription (served at `/graphql/ws`).
#[derive(Default)]
pub struct Subscription;

/// Live session updates: each subscription sends the matching events of the outbox in sequence
/// order, and can resume after a cursor without gap or duplicate.
#[SubscriptionObject]
impl Subscription {
    /// Consultations of a committee (or its subtree) as they are created, changed or move
    /// through their lifecycle, live from now on. Authentication required; only committees in
    /// the caller's scope.
    async fn consultation_updated(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "GB/T 2260 code of the committee whose consultations to follow.")]
        region_code: String,
        #[graphql(
            default_with = "Some(false)",
            desc = "Also follow the consultations of every committee below that region (null \
                    counts as false)."
        )]
        include_descendants: Option<bool>,
    ) -> Result<impl Stream<Item = Result<ConsultationEvent>> + use<>> {
        let (db, actor, feed) = parts(ctx)?;
        let filter = events::EventFilter::resolve(
            db,
            CONSULTATION_EVENTS.to_vec(),
            Some(&region_code),
            include_descendants.unwrap_or(false),
        )
        .await?;
        let tail = feed.tail(actor, filter, None).await?;
        Ok(events_of(tail).map(|event| {
            event.map(|event| ConsultationEvent {
                event: Event::single(event),
            })
        }))
    }

    /// Every event matching the filter, in sequence order. Without `after`: live from now on.
    /// With `after` (an `Event.cursor`, e.g. the last one a client processed): first every
    /// matching event after it, replayed from the log, then live ones — none missing, none
    /// twice. A cursor older than the retained log ends the subscription with
    /// `EVENT_CURSOR_EXPIRED`. Authentication required; only events touching a committee in
    /// the caller's scope.
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which events.")] filter: Option<EventFilter>,
        #[graphql(
            desc = "Resume after this cursor (an `Event.cursor`); live from now when absent."
        )]
        after: Option<String>,
    ) -> Result<impl Stream<Item = Result<Event>> + use<>> {
        let (db, actor, feed) = parts(ctx)?;
        let after = after
            .map(|cursor| events::sequence_of(&cursor))
            .transpose()?;
        let filter = EventFilter::resolve(filter, db).await?;
        let tail = feed.tail(actor, filter, after).await?;
        Ok(events_of(tail).map(|event| event.map(Event::single)))
    }
}

/// The database, an authenticated caller and the feed; anonymous callers are refused before
/// any argument is looked at.
fn parts<'a>(ctx: &'a Context<'_>) -> Result<(&'a Db, &'a Actor, &'a EventFeed)> {
    let actor = ctx.data::<Actor>()?;
    if actor.principal().is_none() {
        return Err(ApiError::from(DomainError::Unauthenticated));
    }
    Ok((ctx.data::<Db>()?, actor, ctx.data::<EventFeed>()?))
}

/// The tail as a stream that ends when the feed stops, or after yielding its first error.
fn events_of(tail: Tail) -> impl Stream<Item = Result<Arc<EventRecord>>> {
    futures_util::stream::unfold(Some(tail), |state| async move {
        let mut tail = state?;
        match tail.next().await {
            Ok(Some(event)) => Some((Ok(event), Some(tail))),
            Ok(None) => None,
            Err(error) => Some((Err(ApiError::from(error)), None)),
        }
    })
}
