//! Relationships of social-sentiment reports (`domain::read::sentiment_reports::SentimentReport`,
//! table `sentiment_reports`), through `sentiment_report_source_lounges` and
//! `sentiment_report_authors`.

use async_graphql::Context;
use domain::{
    Db,
    read::{lounges::Lounge, members::Member, sentiment_reports::SentimentReport},
    regions::Region,
};

use crate::{
    error::Result,
    generation::{Batch, Lists, Related, Relation, Row},
    relations::InRegion,
};

/// The loads a generation of reports keeps.
#[derive(Default)]
pub struct ReportBatches {
    region: Batch<(), Related<Region>>,
    source_lounges: Batch<(), Lists<Lounge>>,
    authors: Batch<(), Lists<Member>>,
}

impl Row for SentimentReport {
    type Batches = ReportBatches;
}

impl InRegion for SentimentReport {
    fn region_id(&self) -> i64 {
        self.region_id
    }

    fn regions(batches: &ReportBatches) -> &Batch<(), Related<Region>> {
        &batches.region
    }
}

fn ids(reports: &[SentimentReport]) -> Vec<i64> {
    reports.iter().map(|row| row.id).collect()
}

/// `SentimentReport.sourceLounges`.
pub struct ReportSourceLounges;

impl Relation for ReportSourceLounges {
    type Parent = SentimentReport;
    type Args = ();
    type Output = Lists<Lounge>;

    fn batch(batches: &ReportBatches) -> &Batch<(), Lists<Lounge>> {
        &batches.source_lounges
    }

    async fn load(ctx: &Context<'_>, parents: &[SentimentReport], _: &()) -> Result<Lists<Lounge>> {
        let db = ctx.data::<Db>()?;
        let lounges = domain::read::sentiment_reports::source_lounges(db, &ids(parents)).await?;
        Ok(Lists::from_lists(lounges))
    }
}

/// `SentimentReport.authors`.
pub struct ReportAuthors;

impl Relation for ReportAuthors {
    type Parent = SentimentReport;
    type Args = ();
    type Output = Lists<Member>;

    fn batch(batches: &ReportBatches) -> &Batch<(), Lists<Member>> {
        &batches.authors
    }

    async fn load(ctx: &Context<'_>, parents: &[SentimentReport], _: &()) -> Result<Lists<Member>> {
        let db = ctx.data::<Db>()?;
        let authors = domain::read::sentiment_reports::authors(db, &ids(parents)).await?;
        Ok(Lists::from_lists(authors))
    }
}
