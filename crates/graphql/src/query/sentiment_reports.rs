//! Root connection over sentiment reports.

use async_graphql::{Context, Object};
use domain::Db;

use crate::{
    connection::page_request,
    error::Result,
    generation::page_generation,
    types::sentiment_report::{
        SentimentReport, SentimentReportConnection, SentimentReportFilter, SentimentReportOrder,
    },
};

/// Sentiment reports across the whole province (or country), as far as the caller may see them.
#[derive(Default)]
pub struct SentimentReportQuery;

#[Object]
impl SentimentReportQuery {
    /// Sentiment reports (社情民意信息) the caller may see (never drafts for anonymous callers), filtered, ordered and paged.
    #[allow(clippy::too_many_arguments)]
    async fn sentiment_reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which reports.")] filter: Option<SentimentReportFilter>,
        #[graphql(desc = "Order of the reports (default: by creation, oldest first).")]
        order_by: Option<SentimentReportOrder>,
        #[graphql(
            desc = "Return the first n items (at most 100; 20 when neither first nor last is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return items before this cursor.")] before: Option<String>,
    ) -> Result<SentimentReportConnection> {
        let db = ctx.data::<Db>()?;
        let page = page_request(first, after, last, before)?;
        let actor = ctx.data::<domain::Actor>()?;
        let filter = SentimentReportFilter::resolve(filter, db).await?;
        let order = order_by.map(Into::into).unwrap_or_default();
        let found = domain::read::sentiment_reports::page(db, actor, &filter, order, page).await?;
        Ok(SentimentReportConnection::new(page_generation::<
            SentimentReport,
        >(found)))
    }
}
