//! Members' lounges (委员会客厅) as GraphQL.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;
use domain::{
    Db, DomainError,
    read::lounges::{self as read, Lounge as LoungeRow},
};

use crate::{
    connection::{self, Connection, ConnectionNode},
    error::Result,
    generation::{Generation, Sibling},
    ids,
    relations::lounge::{LoungeActivities, LoungeLeads, LoungeMemberPages},
    types::{
        activity::{LoungeActivityConnection, LoungeActivityFilter, LoungeActivityOrder},
        common::{OrderDirection, region_of},
        member::Member,
        region::Region,
    },
};

/// Whether a lounge is running.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::LoungeStatus")]
pub enum LoungeStatus {
    /// Open and holding activities.
    Active,
    /// Paused for now; may become active again.
    Suspended,
    /// Closed for good (see `closedOn`).
    Closed,
}

/// A member's role in a lounge.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::LoungeRole")]
pub enum LoungeRole {
    /// Lead member (牵头委员) who runs the lounge.
    Lead,
    /// Team member (团队成员).
    Team,
}

/// Which lounges to list. Every condition given must hold.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct LoungeFilter {
    /// Only lounges owned by the committee of this region (GB/T 2260 code).
    pub region_code: Option<String>,
    /// With `regionCode`: also lounges of every committee below that region.
    #[graphql(default = false)]
    pub include_descendants: bool,
    /// Only lounges with one of these statuses.
    pub status: Option<Vec<LoungeStatus>>,
    /// Only lounges whose name or theme contains this text.
    pub search: Option<String>,
    /// Only lounges established on or after this day.
    pub established_from: Option<NaiveDate>,
    /// Only lounges established on or before this day.
    pub established_to: Option<NaiveDate>,
    /// Only lounges active at some time in this calendar year (established on or before
    /// Dec 31, not closed before Jan 1).
    pub year: Option<i32>,
}

impl LoungeFilter {
    /// The domain filter, with the region code looked up.
    pub async fn resolve(filter: Option<Self>, db: &Db) -> Result<read::LoungeFilter, DomainError> {
        let filter = filter.unwrap_or_default();
        let region = domain::regions::scope(
            db,
            filter.region_code.as_deref(),
            filter.include_descendants,
        )
        .await?;
        Ok(read::LoungeFilter {
            region,
            statuses: filter
                .status
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            search: filter.search,
            established_from: filter.established_from,
            established_to: filter.established_to,
            active_in_year: filter.year,
        })
    }
}

/// What lounges can be ordered by.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum LoungeOrderField {
    /// Date of establishment, then id.
    #[default]
    EstablishedOn,
    /// Order of creation.
    Id,
}

/// How to order lounges.
#[derive(InputObject, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LoungeOrder {
    /// The field to order by.
    pub field: LoungeOrderField,
    /// The direction.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl From<LoungeOrder> for read::LoungeOrder {
    fn from(order: LoungeOrder) -> Self {
        Self {
            field: match order.field {
                LoungeOrderField::EstablishedOn => read::LoungeOrderField::EstablishedOn,
                LoungeOrderField::Id => read::LoungeOrderField::Id,
            },
            direction: order.direction.into(),
        }
    }
}

/// One lounge of a generation of lounges.
#[derive(Clone)]
pub struct Lounge {
    index: usize,
    generation: Arc<Generation<LoungeRow>>,
}

impl Sibling for Lounge {
    type Row = LoungeRow;

    fn at(index: usize, generation: Arc<Generation<LoungeRow>>) -> Self {
        Self { index, generation }
    }
}

impl Lounge {
    fn row(&self) -> &LoungeRow {
        self.generation.row(self.index)
    }
}

/// A members' lounge (委员会客厅): a venue where CPPCC members meet the public, run "4+X"
/// activities a year, and compile social-sentiment reports.
#[Object]
impl Lounge {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode("Lounge", self.row().id)
    }

    /// Name, e.g. 知识产权司法保护政协委员会客厅.
    async fn name(&self) -> &str {
        &self.row().name
    }

    /// What the lounge is about.
    async fn theme(&self) -> &str {
        &self.row().theme
    }

    /// The host venue (a court, a laboratory, a university …).
    async fn venue(&self) -> &str {
        &self.row().venue
    }

    /// Postal address of the venue.
    async fn address(&self) -> &str {
        &self.row().address
    }

    /// The committee (region) that owns the lounge.
    async fn region(&self, ctx: &Context<'_>) -> Result<Region> {
        region_of(ctx, &self.generation, self.row().region_id).await
    }

    /// Whether the lounge is running.
    async fn status(&self) -> LoungeStatus {
        self.row().status.into()
    }

    /// The day the lounge was established.
    async fn established_on(&self) -> NaiveDate {
        self.row().established_on
    }

    /// The day the lounge closed; null while it is open.
    async fn closed_on(&self) -> Option<NaiveDate> {
        self.row().closed_on
    }

    /// Optimistic-concurrency version, increased by every change of the lounge's own fields or
    /// status; pass it as `expectedVersion` to `updateLounge` or `setLoungeStatus` so that a
    /// concurrent change is refused with `CONFLICT` instead of being overwritten.
    async fn version(&self) -> i32 {
        self.row().version
    }

    /// Current lead members (牵头委员), in order of joining.
    async fn leads(&self, ctx: &Context<'_>) -> Result<Vec<Member>> {
        let leads = self.generation.load::<LoungeLeads>(ctx, ()).await?;
        Ok(leads.list(self.row().id))
    }

    /// Current members of the lounge, lead members first, then by date of joining.
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only members with this role.")] role: Option<LoungeRole>,
        #[graphql(
            desc = "Return the first n items (at most 100; 20 when neither first nor last is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return items before this cursor.")] before: Option<String>,
    ) -> Result<LoungeMemberConnection> {
        let page = connection::page_request(first, after, last, before)?;
        let loaded = self
            .generation
            .load::<LoungeMemberPages>(ctx, (role.map(Into::into), page))
            .await?;
        let page = loaded
            .pages
            .get(&self.row().id)
            .cloned()
            .unwrap_or_else(domain::page::Page::empty);
        let edges = page
            .items
            .iter()
            .map(|(position, (index, role, since))| LoungeMemberEdge {
                position: *position,
                role: (*role).into(),
                since: *since,
                member: Member::at(*index, Arc::clone(&loaded.members)),
            })
            .collect();
        Ok(LoungeMemberConnection {
            edges,
            page: page.map(|_| ()),
        })
    }

    /// Activities the lounge hosted, alone or jointly (a cross-lounge activity appears under each
    /// of its CONFIRMED hosts; `filter.hostStatus: INVITED` lists open invitations); latest
    /// last unless ordered otherwise.
    #[allow(clippy::too_many_arguments)]
    async fn activities(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which activities.")] filter: Option<LoungeActivityFilter>,
        #[graphql(desc = "Order of the activities (default: by start, earliest first).")]
        order_by: Option<LoungeActivityOrder>,
        #[graphql(
            desc = "Return the first n items (at most 100; 20 when neither first nor last is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return items before this cursor.")] before: Option<String>,
    ) -> Result<LoungeActivityConnection> {
        let page = connection::page_request(first, after, last, before)?;
        let activities = self
            .generation
            .load::<LoungeActivities>(ctx, (filter, order_by, page))
            .await?;
        Ok(Connection::new(activities.page(self.row().id)))
    }
}

/// A page of a lounge's members, with each member's role.
pub struct LoungeMemberConnection {
    edges: Vec<LoungeMemberEdge>,
    page: domain::page::Page<()>,
}

/// A page of a lounge's members, with each member's role.
#[Object]
impl LoungeMemberConnection {
    /// The members of the page with their roles and cursors.
    async fn edges(&self) -> &[LoungeMemberEdge] {
        &self.edges
    }

    /// The members of the page, without roles or cursors.
    async fn nodes(&self) -> Vec<Member> {
        self.edges.iter().map(|edge| edge.member.clone()).collect()
    }

    /// Information to fetch the next or previous page.
    async fn page_info(&self) -> connection::PageInfo {
        connection::PageInfo::of(&self.page)
    }

    /// How many members the lounge has (with the role asked for), across all pages.
    async fn total_count(&self) -> u64 {
        self.page.total
    }
}

/// A member of a lounge, with the membership's role and start.
#[derive(Clone)]
pub struct LoungeMemberEdge {
    position: u64,
    role: LoungeRole,
    since: NaiveDate,
    member: Member,
}

/// A member of a lounge, with the membership's role and start.
#[Object]
impl LoungeMemberEdge {
    /// Opaque cursor of this item, for `after`/`before`.
    async fn cursor(&self) -> String {
        connection::encode_cursor(self.position)
    }

    /// The member.
    async fn node(&self) -> &Member {
        &self.member
    }

    /// The member's role in the lounge.
    async fn role(&self) -> LoungeRole {
        self.role
    }

    /// The day the membership began.
    async fn since(&self) -> NaiveDate {
        self.since
    }
}

/// A member's membership of a lounge, current or former.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct LoungeMembership {
    /// The role held.
    pub role: LoungeRole,
    /// The first day of the membership.
    pub since: NaiveDate,
    /// The last day of the membership; null while it lasts.
    pub until: Option<NaiveDate>,
    #[graphql(skip)]
    pub lounge: Lounge,
}

#[async_graphql::ComplexObject]
impl LoungeMembership {
    /// The lounge.
    async fn lounge(&self) -> &Lounge {
        &self.lounge
    }
}

impl ConnectionNode for Lounge {
    const CONNECTION_NAME: &'static str = "LoungeConnection";
    const CONNECTION_DESCRIPTION: &'static str = "A page of members' lounges.";
    const EDGE_NAME: &'static str = "LoungeEdge";
    const EDGE_DESCRIPTION: &'static str = "One of members' lounges in a page, with its cursor.";
}

/// A page of members' lounges.
pub type LoungeConnection = Connection<Lounge>;
