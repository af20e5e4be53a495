//! CPPCC members (政协委员) as GraphQL.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object};
use domain::{
    Actor, Db, DomainError,
    read::members::{self as read, Member as MemberRow},
};

use crate::{
    connection::{Connection, ConnectionNode},
    error::Result,
    generation::{Generation, Sibling},
    ids,
    relations::member::{MemberConsultations, MemberLounges},
    types::{
        common::{OrderDirection, region_of},
        consultation::{ConsultationConnection, ConsultationFilter, ConsultationOrder},
        lounge::LoungeMembership,
        region::Region,
    },
};

/// Gender.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::Gender")]
pub enum Gender {
    /// Male.
    Male,
    /// Female.
    Female,
}

/// Whether a member currently serves.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::MemberStatus")]
pub enum MemberStatus {
    /// Serving.
    Active,
    /// No longer serving (term ended, resigned …).
    Inactive,
}

/// Which members to list. Every condition given must hold.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct MemberFilter {
    /// Only members of the committee of this region (GB/T 2260 code).
    pub region_code: Option<String>,
    /// With `regionCode`: also members of every committee below that region.
    #[graphql(default = false)]
    pub include_descendants: bool,
    /// Only members with one of these statuses.
    pub status: Option<Vec<MemberStatus>>,
    /// Only members of this gender.
    pub gender: Option<Gender>,
    /// Only members of this sector (界别), e.g. 经济界.
    pub sector: Option<String>,
    /// Only members of this term (届).
    pub term: Option<i32>,
    /// Only members whose name or occupation contains this text.
    pub search: Option<String>,
}

impl MemberFilter {
    /// The domain filter, with the region code looked up.
    pub async fn resolve(filter: Option<Self>, db: &Db) -> Result<read::MemberFilter, DomainError> {
        let filter = filter.unwrap_or_default();
        let region = domain::regions::scope(
            db,
            filter.region_code.as_deref(),
            filter.include_descendants,
        )
        .await?;
        Ok(read::MemberFilter {
            region,
            statuses: filter
                .status
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            gender: filter.gender.map(Into::into),
            sector: filter.sector,
            term: filter.term,
            search: filter.search,
        })
    }
}

/// What members can be ordered by.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum MemberOrderField {
    /// Order of registration.
    #[default]
    Id,
    /// Term (届), then id.
    Term,
}

/// How to order members.
#[derive(InputObject, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemberOrder {
    /// The field to order by.
    pub field: MemberOrderField,
    /// The direction.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl From<MemberOrder> for read::MemberOrder {
    fn from(order: MemberOrder) -> Self {
        Self {
            field: match order.field {
                MemberOrderField::Id => read::MemberOrderField::Id,
                MemberOrderField::Term => read::MemberOrderField::Term,
            },
            direction: order.direction.into(),
        }
    }
}

/// One member of a generation of members.
#[derive(Clone)]
pub struct Member {
    index: usize,
    generation: Arc<Generation<MemberRow>>,
}

impl Sibling for Member {
    type Row = MemberRow;

    fn at(index: usize, generation: Arc<Generation<MemberRow>>) -> Self {
        Self { index, generation }
    }
}

impl Member {
    fn row(&self) -> &MemberRow {
        self.generation.row(self.index)
    }

    fn contact_visible(&self, ctx: &Context<'_>) -> bool {
        ctx.data::<Actor>()
            .map(|actor| actor.may_see_contact_data(self.row().region_id))
            .unwrap_or(false)
    }

    /// `value` when the caller may see it, noting the read for the audit log.
    fn shown_contact<'a>(&self, ctx: &Context<'_>, value: Option<&'a str>) -> Option<&'a str> {
        let shown = self.contact_visible(ctx).then_some(value).flatten()?;
        crate::contact_reads::note(ctx, || ids::encode("Member", self.row().id).0);
        Some(shown)
    }
}

/// A member of a CPPCC committee (政协委员). Contact details are personal data: `phone` and
/// `email` are null unless the caller is staff whose scope covers the member's committee.
#[Object]
impl Member {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode("Member", self.row().id)
    }

    /// 委员编号: the member's number, unique within the committee and the key of roster
    /// imports and exports. Null unless the caller is staff whose scope covers the member's
    /// committee.
    async fn member_number(&self, ctx: &Context<'_>) -> Option<&str> {
        let staff = ctx
            .data::<Actor>()
            .is_ok_and(|actor| actor.is_staff_covering(self.row().region_id));
        staff.then_some(self.row().member_number.as_str())
    }

    /// Full name (synthetic in the demo data).
    async fn name(&self) -> &str {
        &self.row().name
    }

    /// Gender.
    async fn gender(&self) -> Gender {
        self.row().gender.into()
    }

    /// Sector (界别) the member represents, e.g. 经济界 or 九三学社.
    async fn sector(&self) -> &str {
        &self.row().sector
    }

    /// Occupation or title.
    async fn occupation(&self) -> &str {
        &self.row().occupation
    }

    /// The committee (region) the member serves on.
    async fn region(&self, ctx: &Context<'_>) -> Result<Region> {
        region_of(ctx, &self.generation, self.row().region_id).await
    }

    /// The term (届) of the committee the member serves in.
    async fn term(&self) -> i32 {
        self.row().term
    }

    /// Whether the member currently serves.
    async fn status(&self) -> MemberStatus {
        self.row().status.into()
    }

    /// Phone number; null unless the caller may see this member's contact details (a read is
    /// recorded in the audit log).
    async fn phone(&self, ctx: &Context<'_>) -> Option<&str> {
        self.shown_contact(ctx, self.row().phone.as_deref())
    }

    /// E-mail address; null unless the caller may see this member's contact details (a read
    /// is recorded in the audit log).
    async fn email(&self, ctx: &Context<'_>) -> Option<&str> {
        self.shown_contact(ctx, self.row().email.as_deref())
    }

    /// The member's lounge memberships, current and former, oldest first.
    async fn lounges(&self, ctx: &Context<'_>) -> Result<Vec<LoungeMembership>> {
        let loaded = self.generation.load::<MemberLounges>(ctx, ()).await?;
        Ok(loaded
            .memberships
            .get(&self.row().id)
            .into_iter()
            .flatten()
            .filter_map(|membership| {
                Some(LoungeMembership {
                    role: membership.role.into(),
                    since: membership.since,
                    until: membership.until,
                    lounge: loaded.lounges.get(Some(membership.lounge_id))?,
                })
            })
            .collect())
    }

    /// Consultations the member took part in (as a participant).
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
        let page = crate::connection::page_request(first, after, last, before)?;
        let consultations = self
            .generation
            .load::<MemberConsultations>(ctx, (filter, order_by, page))
            .await?;
        Ok(Connection::new(consultations.page(self.row().id)))
    }
}

impl ConnectionNode for Member {
    const CONNECTION_NAME: &'static str = "MemberConnection";
    const CONNECTION_DESCRIPTION: &'static str = "A page of CPPCC members.";
    const EDGE_NAME: &'static str = "MemberEdge";
    const EDGE_DESCRIPTION: &'static str = "One of CPPCC members in a page, with its cursor.";
}

/// A page of CPPCC members.
pub type MemberConnection = Connection<Member>;
