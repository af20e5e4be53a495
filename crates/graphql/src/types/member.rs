//! CPPCC members (政协委员) as GraphQL.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use domain::{
    Actor, Db, DomainError,
    read::members::{self as read, Member as MemberRow},
};

use crate::{
    ids,
    siblings::Siblings,
    types::{
        common::{OrderDirection, load_region},
        consultation::{
            Consultation, ConsultationConnection, ConsultationFilter, ConsultationOrder,
        },
        lounge::{Lounge, LoungeMembership},
        region::Region,
    },
};

/// Gender.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::Gender")]
pub enum Gender {
    /// Male.
    Male,
    /// Female.
    Female,
}

/// Whether a member currently serves.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::MemberStatus")]
pub enum MemberStatus {
    /// Serving.
    Active,
    /// No longer serving (term ended, resigned …).
    Inactive,
}

/// Which members to list. Every condition given must hold.
#[derive(InputObject, Clone, Debug, Default)]
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
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MemberOrderField {
    /// Order of registration.
    #[default]
    Id,
    /// Term (届), then id.
    Term,
}

/// How to order members.
#[derive(InputObject, Clone, Copy, Debug)]
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
    siblings: Arc<Siblings<MemberRow>>,
}

impl Member {
    /// The member at `index` of a generation.
    pub fn new(index: usize, siblings: Arc<Siblings<MemberRow>>) -> Self {
        Self { index, siblings }
    }

    fn row(&self) -> &MemberRow {
        self.siblings.row(self.index)
    }

    fn contact_visible(&self, ctx: &Context<'_>) -> bool {
        ctx.data::<Actor>()
            .map(|actor| actor.may_see_contact_data(self.row().region_id))
            .unwrap_or(false)
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
        load_region(ctx, &self.siblings, self.row().region_id, |row| {
            row.region_id
        })
        .await
    }

    /// The term (届) of the committee the member serves in.
    async fn term(&self) -> i32 {
        self.row().term
    }

    /// Whether the member currently serves.
    async fn status(&self) -> MemberStatus {
        self.row().status.into()
    }

    /// Phone number; null unless the caller may see this member's contact details.
    async fn phone(&self, ctx: &Context<'_>) -> Option<&str> {
        self.contact_visible(ctx)
            .then(|| self.row().phone.as_deref())
            .flatten()
    }

    /// E-mail address; null unless the caller may see this member's contact details.
    async fn email(&self, ctx: &Context<'_>) -> Option<&str> {
        self.contact_visible(ctx)
            .then(|| self.row().email.as_deref())
            .flatten()
    }

    /// The member's lounge memberships, current and former, oldest first.
    async fn lounges(&self, ctx: &Context<'_>) -> Result<Vec<LoungeMembership>> {
        let db = ctx.data::<Db>()?;
        let loaded = self
            .siblings
            .load("lounges".to_owned(), |rows| async move {
                let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
                let memberships = read::memberships(db, &ids).await?;
                let lounge_ids: Vec<i64> = memberships
                    .values()
                    .flatten()
                    .map(|membership| membership.lounge_id)
                    .collect();
                let lounges = domain::read::lounges::by_ids(db, &lounge_ids).await?;
                let related = crate::siblings::Related::from_map(lounges);
                Ok((memberships, related))
            })
            .await?;
        let (memberships, lounges) = &*loaded;
        Ok(memberships
            .get(&self.row().id)
            .into_iter()
            .flatten()
            .filter_map(|membership| {
                let index = lounges.position(Some(membership.lounge_id))?;
                Some(LoungeMembership {
                    role: membership.role.into(),
                    since: membership.since,
                    until: membership.until,
                    lounge: Lounge::new(index, Arc::clone(&lounges.targets)),
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
        let db = ctx.data::<Db>()?;
        let actor = ctx.data::<domain::Actor>()?;
        let page = crate::connection::page_request(first, after, last, before)?;
        let key = format!("consultations:{filter:?}:{order_by:?}:{}", page.key());
        let nested = self
            .siblings
            .load(key, |rows| async move {
                let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
                let filter = ConsultationFilter::resolve(filter, db, actor).await?;
                let order = order_by.map(Into::into).unwrap_or_default();
                let pages =
                    domain::read::consultations::pages_by_member(db, &ids, &filter, order, page)
                        .await?;
                Ok(crate::siblings::Nested::from_pages(pages))
            })
            .await?;
        Ok(ConsultationConnection {
            page: nested
                .page(self.row().id)
                .map(|index| Consultation::new(index, Arc::clone(&nested.children))),
        })
    }
}

crate::connection!(MemberConnection, MemberEdge, Member, "CPPCC members");
