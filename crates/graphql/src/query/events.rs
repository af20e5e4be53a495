//! The root connection over the event log, for integrators that poll.

use std::sync::Arc;

use async_graphql::{Context, Object};
use domain::{
    Actor, Db, DomainError,
    page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE},
};

use crate::error::Result;
use crate::types::event::{EventConnection, EventFilter, EventGeneration};

/// Reading the event log page by page.
#[derive(Default)]
pub struct EventQuery;

#[Object]
impl EventQuery {
    /// The outbox: every change to consultations, suggestions, slot requests, lounges, members
    /// and sentiment reports, in sequence order, limited to events touching a committee in the
    /// caller's scope (authentication required). Read it forwards with `first`/`after`; the
    /// edge cursors are the same strings as `Event.cursor`, so a client may switch between
    /// polling this and the `events` subscription. A cursor older than the retained log is
    /// `EVENT_CURSOR_EXPIRED`.
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which events.")] filter: Option<EventFilter>,
        #[graphql(desc = "Return the first n events (at most 100; 20 when not given).")]
        first: Option<i32>,
        #[graphql(
            desc = "Return events after this cursor (an `Event.cursor`); from the oldest retained event when absent."
        )]
        after: Option<String>,
    ) -> Result<EventConnection> {
        let db = ctx.data::<Db>()?;
        let actor = ctx.data::<Actor>()?;
        if actor.principal().is_none() {
            return Err(crate::ApiError::from(DomainError::Unauthenticated));
        }
        let size = page_size(first)?;
        let after = match after {
            Some(cursor) => {
                let after = domain::events::sequence_of(&cursor)?;
                domain::events::check_cursor(db, after).await?;
                after
            }
            None => 0,
        };
        let filter = EventFilter::resolve(filter, db).await?;
        let mut found = domain::events::list(db, actor, &filter, after, size + 1).await?;
        let has_next = found.len() as u64 > size;
        found.truncate(size as usize);
        Ok(EventConnection {
            events: EventGeneration::events(found.into_iter().map(Arc::new).collect()),
            has_next,
            filter,
        })
    }
}

/// `first`, validated like every other connection's.
fn page_size(first: Option<i32>) -> Result<u64, DomainError> {
    match first {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(n) if n < 0 => Err(DomainError::invalid(
            "first",
            format!("must not be negative (got {n})"),
        )),
        Some(n) if n as u64 > MAX_PAGE_SIZE => Err(DomainError::invalid(
            "first",
            format!("at most {MAX_PAGE_SIZE} items per page (got {n})"),
        )),
        Some(n) => Ok(n as u64),
    }
}
