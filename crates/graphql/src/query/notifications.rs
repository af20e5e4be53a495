//! Root connections over notification targets and their deliveries, for the staff and
//! integrators who manage them.

use async_graphql::{Context, Object};
use domain::{Actor, Db};

use crate::{
    connection::page_request,
    error::Result,
    generation::page_generation,
    types::{
        delivery::{Delivery, DeliveryConnection},
        notification::{DeliveryFilter, NotificationTarget, NotificationTargetConnection},
    },
};

/// Notification targets and deliveries.
#[derive(Default)]
pub struct NotificationQuery;

#[Object]
impl NotificationQuery {
    /// The notification targets the caller manages (staff and integrators: the targets whose
    /// region lies in their scope), oldest first. Needs a token; members are `FORBIDDEN`.
    async fn notification_targets(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Return the first n items (at most 100; 20 when neither first nor last is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return items before this cursor.")] before: Option<String>,
    ) -> Result<NotificationTargetConnection> {
        let db = ctx.data::<Db>()?;
        let actor = ctx.data::<Actor>()?;
        let page = page_request(first, after, last, before)?;
        let found = domain::read::notification_targets::page(db, actor, page).await?;
        Ok(NotificationTargetConnection::new(page_generation::<
            NotificationTarget,
        >(found)))
    }

    /// Deliveries to the targets the caller manages, newest event first; filter by target and
    /// status (`status: [DEAD]` lists the dead letters). Needs a token; members are
    /// `FORBIDDEN`.
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which deliveries.")] filter: Option<DeliveryFilter>,
        #[graphql(
            desc = "Return the first n items (at most 100; 20 when neither first nor last is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return items before this cursor.")] before: Option<String>,
    ) -> Result<DeliveryConnection> {
        let db = ctx.data::<Db>()?;
        let actor = ctx.data::<Actor>()?;
        let page = page_request(first, after, last, before)?;
        let filter = DeliveryFilter::resolve(filter)?;
        let found = domain::read::deliveries::page(db, actor, &filter, page).await?;
        Ok(DeliveryConnection::new(page_generation::<Delivery>(found)))
    }
}
