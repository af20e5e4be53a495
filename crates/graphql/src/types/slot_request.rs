//! Slot requests (挂号) as GraphQL.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use domain::{
    Db, DomainError,
    read::slot_requests::{self as read, SlotRequest as SlotRequestRow},
};

use crate::{
    connection::{Connection, ConnectionNode},
    error::Result,
    generation::{Generation, Sibling},
    ids,
    relations::slot_request::SlotRequestConsultation,
    types::{
        common::{OrderDirection, region_of},
        consultation::Consultation,
        region::Region,
    },
};

/// Where a slot request stands.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::SlotRequestStatus")]
pub enum SlotRequestStatus {
    /// Waiting in the committee's queue (see `queuePosition`).
    Queued,
    /// Accepted; it became a consultation.
    Accepted,
    /// Declined (see `declineReason`).
    Declined,
}

/// A span of days, both ends included.
#[derive(SimpleObject, Clone, Copy, Debug, PartialEq, Eq)]
pub struct DatePeriod {
    /// The first day.
    pub start: NaiveDate,
    /// The last day.
    pub end: NaiveDate,
}

/// Which slot requests to list. Every condition given must hold.
#[derive(InputObject, Clone, Debug, Default)]
pub struct SlotRequestFilter {
    /// Only requests queued at the committee of this region (GB/T 2260 code).
    pub region_code: Option<String>,
    /// With `regionCode`: also requests at every committee below that region.
    #[graphql(default = false)]
    pub include_descendants: bool,
    /// Only requests with one of these statuses.
    pub status: Option<Vec<SlotRequestStatus>>,
    /// Only requests made in this calendar year (China Standard Time).
    pub year: Option<i32>,
    /// Only requests whose topic or department contains this text.
    pub search: Option<String>,
}

impl SlotRequestFilter {
    /// The domain filter, with the region code looked up.
    pub async fn resolve(
        filter: Option<Self>,
        db: &Db,
    ) -> Result<read::SlotRequestFilter, DomainError> {
        let filter = filter.unwrap_or_default();
        let region = domain::regions::scope(
            db,
            filter.region_code.as_deref(),
            filter.include_descendants,
        )
        .await?;
        Ok(read::SlotRequestFilter {
            region,
            statuses: filter
                .status
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            year: filter.year,
            search: filter.search,
        })
    }
}

/// What slot requests can be ordered by.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum SlotRequestOrderField {
    /// Time of the request (the queue order), then id.
    #[default]
    RequestedAt,
    /// Order of creation.
    Id,
}

/// How to order slot requests.
#[derive(InputObject, Clone, Copy, Debug)]
pub struct SlotRequestOrder {
    /// The field to order by.
    pub field: SlotRequestOrderField,
    /// The direction.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl From<SlotRequestOrder> for read::SlotRequestOrder {
    fn from(order: SlotRequestOrder) -> Self {
        Self {
            field: match order.field {
                SlotRequestOrderField::RequestedAt => read::SlotRequestOrderField::RequestedAt,
                SlotRequestOrderField::Id => read::SlotRequestOrderField::Id,
            },
            direction: order.direction.into(),
        }
    }
}

/// One slot request of a generation of slot requests.
#[derive(Clone)]
pub struct SlotRequest {
    index: usize,
    generation: Arc<Generation<SlotRequestRow>>,
}

impl Sibling for SlotRequest {
    type Row = SlotRequestRow;

    fn at(index: usize, generation: Arc<Generation<SlotRequestRow>>) -> Self {
        Self { index, generation }
    }
}

impl SlotRequest {
    fn row(&self) -> &SlotRequestRow {
        self.generation.row(self.index)
    }
}

/// A slot request (挂号): a government department asks a committee for a consultation slot on
/// a topic within a period, and waits in the committee's queue until it is accepted or
/// declined.
#[Object]
impl SlotRequest {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode("SlotRequest", self.row().row.id)
    }

    /// The requesting department.
    async fn department(&self) -> &str {
        &self.row().row.department
    }

    /// The proposed topic.
    async fn topic(&self) -> &str {
        &self.row().row.topic
    }

    /// The committee (region) whose queue this is.
    async fn region(&self, ctx: &Context<'_>) -> Result<Region> {
        region_of(ctx, &self.generation, self.row().row.region_id).await
    }

    /// The period in which the department would like the consultation held.
    async fn period(&self) -> DatePeriod {
        DatePeriod {
            start: self.row().row.period_start,
            end: self.row().row.period_end,
        }
    }

    /// Where the request stands.
    async fn status(&self) -> SlotRequestStatus {
        self.row().row.status.into()
    }

    /// 1-based position in the committee's queue (QUEUED requests by time of request, then
    /// id), derived when read; null unless QUEUED.
    async fn queue_position(&self) -> Option<i64> {
        self.row().queue_position
    }

    /// When the request was made.
    async fn requested_at(&self) -> DateTime<Utc> {
        self.row().row.requested_at
    }

    /// When it was accepted or declined; null while queued.
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.row().row.decided_at
    }

    /// Why it was declined; null unless declined.
    async fn decline_reason(&self) -> Option<&str> {
        self.row().row.decline_reason.as_deref()
    }

    /// Optimistic-concurrency version, increased by every change; pass it as
    /// `expectedVersion` to `acceptSlotRequest` or `declineSlotRequest` so that a concurrent
    /// decision is refused with `CONFLICT`.
    async fn version(&self) -> i32 {
        self.row().row.version
    }

    /// The consultation it became, once accepted; null otherwise.
    async fn consultation(&self, ctx: &Context<'_>) -> Result<Option<Consultation>> {
        let consultations = self
            .generation
            .load::<SlotRequestConsultation>(ctx, ())
            .await?;
        Ok(consultations.get(self.row().row.consultation_id))
    }
}

impl ConnectionNode for SlotRequest {
    const CONNECTION_NAME: &'static str = "SlotRequestConnection";
    const CONNECTION_DESCRIPTION: &'static str = "A page of slot requests.";
    const EDGE_NAME: &'static str = "SlotRequestEdge";
    const EDGE_DESCRIPTION: &'static str = "One of slot requests in a page, with its cursor.";
}

/// A page of slot requests.
pub type SlotRequestConnection = Connection<SlotRequest>;
