//! Root connections over lounges and members.

use async_graphql::{Context, Object};
use domain::Db;

use crate::{
    connection::page_request,
    error::Result,
    generation::page_generation,
    types::{
        lounge::{Lounge, LoungeConnection, LoungeFilter, LoungeOrder},
        member::{Member, MemberConnection, MemberFilter, MemberOrder},
    },
};

/// Lists of lounges and members across the whole province (or country).
#[derive(Default)]
pub struct LoungeQuery;

#[Object]
impl LoungeQuery {
    /// Members' lounges (委员会客厅), filtered, ordered and paged.
    #[allow(clippy::too_many_arguments)]
    async fn lounges(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which lounges.")] filter: Option<LoungeFilter>,
        #[graphql(desc = "Order of the lounges (default: established first).")] order_by: Option<
            LoungeOrder,
        >,
        #[graphql(
            desc = "Return the first n items (at most 100; 20 when neither first nor last is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return items before this cursor.")] before: Option<String>,
    ) -> Result<LoungeConnection> {
        let db = ctx.data::<Db>()?;
        let page = page_request(first, after, last, before)?;
        let filter = LoungeFilter::resolve(filter, db).await?;
        let order = order_by.map(Into::into).unwrap_or_default();
        let found = domain::read::lounges::page(db, &filter, order, page).await?;
        Ok(LoungeConnection::new(page_generation::<Lounge>(found)))
    }

    /// CPPCC members (政协委员), filtered, ordered and paged.
    #[allow(clippy::too_many_arguments)]
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which members.")] filter: Option<MemberFilter>,
        #[graphql(desc = "Order of the members (default: registration order).")] order_by: Option<
            MemberOrder,
        >,
        #[graphql(
            desc = "Return the first n items (at most 100; 20 when neither first nor last is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return items before this cursor.")] before: Option<String>,
    ) -> Result<MemberConnection> {
        let db = ctx.data::<Db>()?;
        let page = page_request(first, after, last, before)?;
        let filter = MemberFilter::resolve(filter, db).await?;
        let order = order_by.map(Into::into).unwrap_or_default();
        let found = domain::read::members::page(db, &filter, order, page).await?;
        Ok(MemberConnection::new(page_generation::<Member>(found)))
    }
}
