//! Sentiment reports (社情民意信息) as GraphQL.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use domain::{
    Db, DomainError,
    read::sentiment_reports::{self as read, SentimentReport as ReportRow},
};

use crate::{
    ids,
    siblings::{Nested, Siblings},
    types::{
        common::{OrderDirection, load_region},
        lounge::Lounge,
        member::Member,
        region::Region,
    },
};

/// Where a sentiment report stands.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
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
    pub async fn resolve(
        filter: Option<Self>,
        db: &Db,
    ) -> Result<read::SentimentReportFilter, async_graphql::Error> {
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
        .await
        .map_err(|error: DomainError| crate::domain_error(&error))?;
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
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
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
    siblings: Arc<Siblings<ReportRow>>,
}

impl SentimentReport {
    /// The report at `index` of a generation.
    pub fn new(index: usize, siblings: Arc<Siblings<ReportRow>>) -> Self {
        Self { index, siblings }
    }

    fn row(&self) -> &ReportRow {
        self.siblings.row(self.index)
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
        load_region(ctx, &self.siblings, self.row().region_id, |row| {
            row.region_id
        })
        .await
    }

    /// The lounges the report was compiled from, in order of id.
    async fn source_lounges(&self, ctx: &Context<'_>) -> Result<Vec<Lounge>> {
        let db = ctx.data::<Db>()?;
        let (lists, lounges) = &*self
            .siblings
            .load("sourceLounges".to_owned(), |rows| async move {
                let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
                Ok(Nested::from_lists(read::source_lounges(db, &ids).await?))
            })
            .await?;
        Ok(lists
            .get(&self.row().id)
            .into_iter()
            .flatten()
            .map(|index| Lounge::new(*index, Arc::clone(lounges)))
            .collect())
    }

    /// The member authors, in order of id.
    async fn authors(&self, ctx: &Context<'_>) -> Result<Vec<Member>> {
        let db = ctx.data::<Db>()?;
        let (lists, members) = &*self
            .siblings
            .load("authors".to_owned(), |rows| async move {
                let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
                Ok(Nested::from_lists(read::authors(db, &ids).await?))
            })
            .await?;
        Ok(lists
            .get(&self.row().id)
            .into_iter()
            .flatten()
            .map(|index| Member::new(*index, Arc::clone(members)))
            .collect())
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

crate::connection!(
    SentimentReportConnection,
    SentimentReportEdge,
    SentimentReport,
    "sentiment reports"
);
