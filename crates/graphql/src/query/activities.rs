//! Root connection over activities.

use async_graphql::{Context, Object};
use domain::Db;

use crate::{
    connection::page_request,
    error::Result,
    generation::page_generation,
    types::activity::{
        LoungeActivity, LoungeActivityConnection, LoungeActivityFilter, LoungeActivityOrder,
    },
};

/// Lounge activities across the whole province (or country).
#[derive(Default)]
pub struct ActivityQuery;

#[Object]
impl ActivityQuery {
    /// Activities of members' lounges (会客厅活动), filtered, ordered and paged.
    #[allow(clippy::too_many_arguments)]
    async fn lounge_activities(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which activities.")] filter: Option<LoungeActivityFilter>,
        #[graphql(desc = "Order of the activities (default: by start, earliest first).")] order_by: Option<LoungeActivityOrder>,
        #[graphql(
            desc = "Return the first n items (at most 100; 20 when neither first nor last is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return items before this cursor.")] before: Option<String>,
    ) -> Result<LoungeActivityConnection> {
        let db = ctx.data::<Db>()?;
        let page = page_request(first, after, last, before)?;
        let filter = LoungeActivityFilter::resolve(filter, db).await?;
        let order = order_by.map(Into::into).unwrap_or_default();
        let found = domain::read::activities::page(db, &filter, order, page).await?;
        Ok(LoungeActivityConnection::new(page_generation::<
            LoungeActivity,
        >(found)))
    }
}
