//! Root connection over slot requests.

use async_graphql::{Context, Object};
use domain::Db;

use crate::{
    connection::page_request,
    error::Result,
    generation::page_generation,
    types::slot_request::{
        SlotRequest, SlotRequestConnection, SlotRequestFilter, SlotRequestOrder,
    },
};

/// Slot requests (挂号) of all committees.
#[derive(Default)]
pub struct SlotRequestQuery;

#[Object]
impl SlotRequestQuery {
    /// Slot requests (挂号) with their derived queue positions, filtered, ordered and paged.
    #[allow(clippy::too_many_arguments)]
    async fn slot_requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which requests.")] filter: Option<SlotRequestFilter>,
        #[graphql(desc = "Order of the requests (default: queue order, earliest request first).")]
        order_by: Option<SlotRequestOrder>,
        #[graphql(
            desc = "Return the first n items (at most 100; 20 when neither first nor last is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return items before this cursor.")] before: Option<String>,
    ) -> Result<SlotRequestConnection> {
        let db = ctx.data::<Db>()?;
        let page = page_request(first, after, last, before)?;
        let filter = SlotRequestFilter::resolve(filter, db).await?;
        let order = order_by.map(Into::into).unwrap_or_default();
        let found = domain::read::slot_requests::page(db, &filter, order, page).await?;
        Ok(SlotRequestConnection::new(page_generation::<SlotRequest>(
            found,
        )))
    }
}
