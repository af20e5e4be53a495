//! Sentiment reports (社情民意信息) as GraphQL.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use domain::{
    Db,
    read::sentiment_reports::{self as read, SentimentReport as ReportRow},
};

use crate::{
    connection::{Connection, ConnectionNode},
    error::Result,
    generation::{Generation, Sibling},
    ids,
    relations::sentiment_report::{ReportAuthors, ReportSourceLounges},
    types::{
        common::{OrderDirection, region_of},
        lounge::Lounge,
        member::Member,
        region::Region,
    },
};

/// Where a sentiment report stands.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::SentimentReportStatus")]
pub enum SentimentReportStatus {
    /// Being written; visible only to staff of the committee, never to anonymous callers.
    Draft,
    /// Sent to the recipient.
    Submitted,
    /// Acknowledged by a leader (批示).
    Acknowledged,
}

/// Which sentiment reports to list. Every condition given must hold.
#[derive(InputObject, Clone, Debug, Default)]
pub struct SentimentReportFilter {
    /// Only reports of the committee of this region (GB/T 2260 code).
    pub region_code: Option<String>,
    /// With `regionCode`: also reports of every committee below that region.
    #[graphql(default = false)]
    pub include_descendants: bool,
    /// Only reports with one of these statuses.
    pub status: Option<Vec<SentimentReportStatus>>,
    /// Only reports submitted in this calendar year (China Standard Time).
    pub year: Option<i32>,
    /// Only reports whose title contains this text.
    pub search: Option<String>,
    /// Only reports compiled (among others) from this lounge (its global ID).
    pub lounge_id: Option<ID>,
}

impl SentimentReportFilter {
    /// The domain filter, with the region code and lounge ID looked up.
    pub async fn resolve(filter: Option<Self>, db: &Db) -> Result<read::SentimentReportFilter> {
        let filter = filter.unwrap_or_default();
        let lounge_id = filter
            .lounge_id
            .as_ref()
            .map(|id| match ids::decode(id)? {
                (type_name, id) if type_name == "Lounge" => Ok(id),
                _ => Err(crate::ErrorCode::BadUserInput
                    .error(format!("loungeId: {:?} is not the ID of a lounge", id.0))),
            })
            .transpose()?;
        let region = domain::regions::scope(
            db,
            filter.region_code.as_deref(),
            filter.include_descendants,
        )
        .await?;
        Ok(read::SentimentReportFilter {
            region,
            statuses: filter
                .status
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            year: filter.year,
            search: filter.search,
            lounge_id,
        })
    }
}

/// What sentiment reports can be ordered by.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum SentimentReportOrderField {
    /// Submission time, then id; reports not yet submitted come first ascending.
    SubmittedAt,
    /// Creation time, then id.
    #[default]
    CreatedAt,
    /// Order of creation.
    Id,
}

/// How to order sentiment reports.
#[derive(InputObject, Clone, Copy, Debug)]
pub struct SentimentReportOrder {
    /// The field to order by.
    pub field: SentimentReportOrderField,
    /// The direction.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl From<SentimentReportOrder> for read::SentimentReportOrder {
    fn from(order: SentimentReportOrder) -> Self {
        Self {
            field: match order.field {
                SentimentReportOrderField::SubmittedAt => {
                    read::SentimentReportOrderField::SubmittedAt
                }
                SentimentReportOrderField::CreatedAt => read::SentimentReportOrderField::CreatedAt,
                SentimentReportOrderField::Id => read::SentimentReportOrderField::Id,
            },
            direction: order.direction.into(),
        }
    }
}

/// One report of a generation of reports.
#[derive(Clone)]
pub struct SentimentReport {
    index: usize,
    generation: Arc<Generation<ReportRow>>,
}

impl Sibling for SentimentReport {
    type Row = ReportRow;

    fn at(index: usize, generation: Arc<Generation<ReportRow>>) -> Self {
        Self { index, generation }
    }
}

impl SentimentReport {
    fn row(&self) -> &ReportRow {
        self.generation.row(self.index)
    }
}

/// A social-sentiment report (社情民意信息): what members and lounges heard from the public,
/// compiled by a committee and sent to a government body.
#[Object]
impl SentimentReport {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode("SentimentReport", self.row().id)
    }

    /// Title.
    async fn title(&self) -> &str {
        &self.row().title
    }

    /// Full text.
    async fn content(&self) -> &str {
        &self.row().content
    }

    /// Where the report stands.
    async fn status(&self) -> SentimentReportStatus {
        self.row().status.into()
    }

    /// The receiving body, e.g. a municipal government office.
    async fn recipient(&self) -> &str {
        &self.row().recipient
    }

    /// The committee (region) that sends the report.
    async fn region(&self, ctx: &Context<'_>) -> Result<Region> {
        region_of(ctx, &self.generation, self.row().region_id).await
    }

    /// The lounges the report was compiled from, in order of id.
    async fn source_lounges(&self, ctx: &Context<'_>) -> Result<Vec<Lounge>> {
        let lounges = self.generation.load::<ReportSourceLounges>(ctx, ()).await?;
        Ok(lounges.list(self.row().id))
    }

    /// The member authors, in order of id.
    async fn authors(&self, ctx: &Context<'_>) -> Result<Vec<Member>> {
        let authors = self.generation.load::<ReportAuthors>(ctx, ()).await?;
        Ok(authors.list(self.row().id))
    }

    /// When the report was submitted; null for a draft.
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.row().submitted_at
    }

    /// When a leader acknowledged it; null until then.
    async fn acknowledged_at(&self) -> Option<DateTime<Utc>> {
        self.row().acknowledged_at
    }

    /// The leader's instruction (批示) that acknowledged it; null until then.
    async fn acknowledgement(&self) -> Option<&str> {
        self.row().acknowledgement.as_deref()
    }

    /// Optimistic-concurrency version, increased by every change; pass it as
    /// `expectedVersion` to `submitSentimentReport` or `acknowledgeSentimentReport` so that a
    /// concurrent change is refused with `CONFLICT`.
    async fn version(&self) -> i32 {
        self.row().version
    }
}

impl ConnectionNode for SentimentReport {
    const CONNECTION_NAME: &'static str = "SentimentReportConnection";
    const CONNECTION_DESCRIPTION: &'static str = "A page of sentiment reports.";
    const EDGE_NAME: &'static str = "SentimentReportEdge";
    const EDGE_DESCRIPTION: &'static str = "One of sentiment reports in a page, with its cursor.";
}

/// A page of sentiment reports.
pub type SentimentReportConnection = Connection<SentimentReport>;
