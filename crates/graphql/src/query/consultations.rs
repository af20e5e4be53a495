//! The root connection over consultations.

use async_graphql::{Context, Object};
use domain::Db;

use crate::{
    connection::page_request,
    error::Result,
    generation::page_generation,
    types::consultation::{
        Consultation, ConsultationConnection, ConsultationFilter, ConsultationOrder,
    },
};

/// Lists of consultations across the whole province (or country).
#[derive(Default)]
pub struct ConsultationQuery;

#[Object]
impl ConsultationQuery {
    /// "请你来协商" consultations, filtered, ordered and paged.
    #[allow(clippy::too_many_arguments)]
    async fn consultations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which consultations.")] filter: Option<ConsultationFilter>,
        #[graphql(desc = "Order of the consultations (default: held first, unheld last).")]
        order_by: Option<ConsultationOrder>,
        #[graphql(
            desc = "Return the first n items (at most 100; 20 when neither first nor last is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return items before this cursor.")] before: Option<String>,
    ) -> Result<ConsultationConnection> {
        let db = ctx.data::<Db>()?;
        let page = page_request(first, after, last, before)?;
        let actor = ctx.data::<domain::Actor>()?;
        let filter = ConsultationFilter::resolve(filter, db, actor).await?;
        let order = order_by.map(Into::into).unwrap_or_default();
        let found = domain::read::consultations::page(db, &filter, order, page).await?;
        Ok(ConsultationConnection::new(
            page_generation::<Consultation>(found),
        ))
    }
}
