//! Relationships of members' lounges (`domain::read::lounges::Lounge`, table `lounges`),
//! through `lounge_memberships` and `lounge_activity_hosts`.

use std::{collections::HashMap, sync::Arc};

use async_graphql::Context;
use chrono::NaiveDate;
use domain::{
    Db,
    page::{Page, PageRequest},
    read::{
        activities::Activity,
        lounges::{Lounge, MemberOfLounge},
        members::Member,
    },
    regions::Region,
};
use entity::enums::LoungeRole;

use crate::{
    error::Result,
    generation::{Batch, Generation, Lists, Nested, Related, Relation, Row},
    relations::InRegion,
    types::activity::{LoungeActivityFilter, LoungeActivityOrder},
};

/// The loads a generation of lounges keeps.
#[derive(Default)]
pub struct LoungeBatches {
    region: Batch<(), Related<Region>>,
    leads: Batch<(), Lists<Member>>,
    members: Batch<(Option<LoungeRole>, PageRequest), LoungeMembers>,
    activities: Batch<ActivityArgs, Nested<Activity>>,
}

impl Row for Lounge {
    type Batches = LoungeBatches;
}

impl InRegion for Lounge {
    fn region_id(&self) -> i64 {
        self.region_id
    }

    fn regions(batches: &LoungeBatches) -> &Batch<(), Related<Region>> {
        &batches.region
    }
}

fn ids(lounges: &[Lounge]) -> Vec<i64> {
    lounges.iter().map(|row| row.id).collect()
}

/// `Lounge.leads`: the current lead members.
pub struct LoungeLeads;

impl Relation for LoungeLeads {
    type Parent = Lounge;
    type Args = ();
    type Output = Lists<Member>;

    fn batch(batches: &LoungeBatches) -> &Batch<(), Lists<Member>> {
        &batches.leads
    }

    async fn load(ctx: &Context<'_>, parents: &[Lounge], _: &()) -> Result<Lists<Member>> {
        let db = ctx.data::<Db>()?;
        let leads = domain::read::lounges::leads(db, &ids(parents), domain::read::today()).await?;
        Ok(Lists::from_lists(leads))
    }
}

/// The current members of a generation of lounges: per lounge a page of (member, role, since),
/// the members forming one generation.
pub struct LoungeMembers {
    /// Each lounge's page: the member's index in `members`, role and date of joining.
    pub pages: HashMap<i64, Page<(usize, LoungeRole, NaiveDate)>>,
    /// Every member on every page.
    pub members: Arc<Generation<Member>>,
}

impl LoungeMembers {
    fn from_pages(pages: HashMap<i64, Page<MemberOfLounge>>) -> Self {
        let mut rows = Vec::new();
        let pages = pages
            .into_iter()
            .map(|(lounge, page)| {
                let page = page.map(|item| {
                    rows.push(item.member);
                    (rows.len() - 1, item.membership.role, item.membership.since)
                });
                (lounge, page)
            })
            .collect();
        Self {
            pages,
            members: Generation::new(rows),
        }
    }
}

/// `Lounge.members`: the current members, optionally of one role.
pub struct LoungeMemberPages;

impl Relation for LoungeMemberPages {
    type Parent = Lounge;
    type Args = (Option<LoungeRole>, PageRequest);
    type Output = LoungeMembers;

    fn batch(batches: &LoungeBatches) -> &Batch<Self::Args, LoungeMembers> {
        &batches.members
    }

    async fn load(
        ctx: &Context<'_>,
        parents: &[Lounge],
        (role, page): &Self::Args,
    ) -> Result<LoungeMembers> {
        let db = ctx.data::<Db>()?;
        let pages = domain::read::lounges::member_pages(
            db,
            &ids(parents),
            *role,
            domain::read::today(),
            *page,
        )
        .await?;
        Ok(LoungeMembers::from_pages(pages))
    }
}

/// The arguments of `Lounge.activities`.
pub type ActivityArgs = (
    Option<LoungeActivityFilter>,
    Option<LoungeActivityOrder>,
    PageRequest,
);

/// `Lounge.activities`: the activities it hosted, alone or jointly.
pub struct LoungeActivities;

impl Relation for LoungeActivities {
    type Parent = Lounge;
    type Args = ActivityArgs;
    type Output = Nested<Activity>;

    fn batch(batches: &LoungeBatches) -> &Batch<ActivityArgs, Nested<Activity>> {
        &batches.activities
    }

    async fn load(
        ctx: &Context<'_>,
        parents: &[Lounge],
        (filter, order_by, page): &ActivityArgs,
    ) -> Result<Nested<Activity>> {
        let db = ctx.data::<Db>()?;
        let filter = LoungeActivityFilter::resolve(filter.clone(), db).await?;
        let order = order_by.map(Into::into).unwrap_or_default();
        let pages =
            domain::read::activities::pages_by_lounge(db, &ids(parents), &filter, order, *page)
                .await?;
        Ok(Nested::from_pages(pages))
    }
}
