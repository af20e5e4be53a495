//! Relationships of regions (`domain::regions::Region`, table `regions`).

use std::collections::HashMap;

use async_graphql::Context;
use domain::{
    Db,
    page::PageRequest,
    read::{consultations::Consultation, lounges::Lounge, members::Member},
    regions::Region,
    statistics::{self, Quotas},
};
use entity::enums::RegionLevel;

use crate::{
    error::Result,
    generation::{Batch, Generation, Lists, Nested, Related, Relation, Row},
    loaders::RegionId,
    relations::by_id,
    types::{
        consultation::{ConsultationFilter, ConsultationOrder},
        lounge::{LoungeFilter, LoungeOrder},
        member::{MemberFilter, MemberOrder},
        statistics::StatisticsGate,
    },
};

/// The loads a generation of regions keeps.
#[derive(Default)]
pub struct RegionBatches {
    children: Batch<RegionLevel, Lists<Region>>,
    parent: Batch<(), Related<Region>>,
    lounges: Batch<ListArgs<LoungeFilter, LoungeOrder>, Nested<Lounge>>,
    members: Batch<ListArgs<MemberFilter, MemberOrder>, Nested<Member>>,
    consultations: Batch<ListArgs<ConsultationFilter, ConsultationOrder>, Nested<Consultation>>,
    statistics: Batch<(i32, i32), StatisticsSeries>,
}

impl Row for Region {
    type Batches = RegionBatches;
}

fn ids(regions: &[Region]) -> Vec<i64> {
    regions.iter().map(|region| region.id).collect()
}

/// The arguments of a region's `lounges`, `members` and `consultations`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ListArgs<F, O> {
    /// Also the committees below.
    pub include_descendants: bool,
    /// Which rows.
    pub filter: Option<F>,
    /// In which order.
    pub order_by: Option<O>,
    /// Which page.
    pub page: PageRequest,
}

/// `Province.cities`, `Province.counties`, `City.counties`: the direct children of one level.
pub struct RegionChildren;

impl Relation for RegionChildren {
    type Parent = Region;
    type Args = RegionLevel;
    type Output = Lists<Region>;

    fn batch(batches: &RegionBatches) -> &Batch<RegionLevel, Lists<Region>> {
        &batches.children
    }

    async fn load(
        ctx: &Context<'_>,
        parents: &[Region],
        level: &RegionLevel,
    ) -> Result<Lists<Region>> {
        let db = ctx.data::<Db>()?;
        let children = domain::regions::children(db, &ids(parents), *level).await?;
        Ok(Lists::from_lists(children))
    }
}

/// `Region.parent` (and the hops of `province`, `city`).
pub struct RegionParent;

impl Relation for RegionParent {
    type Parent = Region;
    type Args = ();
    type Output = Related<Region>;

    fn batch(batches: &RegionBatches) -> &Batch<(), Related<Region>> {
        &batches.parent
    }

    async fn load(ctx: &Context<'_>, parents: &[Region], _: &()) -> Result<Related<Region>> {
        let ids = parents
            .iter()
            .filter_map(|region| region.parent_id)
            .collect();
        by_id::<RegionId, _>(ctx, ids).await
    }
}

/// `Region.lounges`.
pub struct RegionLounges;

impl Relation for RegionLounges {
    type Parent = Region;
    type Args = ListArgs<LoungeFilter, LoungeOrder>;
    type Output = Nested<Lounge>;

    fn batch(batches: &RegionBatches) -> &Batch<Self::Args, Nested<Lounge>> {
        &batches.lounges
    }

    async fn load(
        ctx: &Context<'_>,
        parents: &[Region],
        args: &Self::Args,
    ) -> Result<Nested<Lounge>> {
        let db = ctx.data::<Db>()?;
        let filter = LoungeFilter::resolve(args.filter.clone(), db).await?;
        let order = args.order_by.map(Into::into).unwrap_or_default();
        let pages = domain::read::lounges::pages_by_region(
            db,
            &ids(parents),
            args.include_descendants,
            &filter,
            order,
            args.page,
        )
        .await?;
        Ok(Nested::from_pages(pages))
    }
}

/// `Region.members`.
pub struct RegionMembers;

impl Relation for RegionMembers {
    type Parent = Region;
    type Args = ListArgs<MemberFilter, MemberOrder>;
    type Output = Nested<Member>;

    fn batch(batches: &RegionBatches) -> &Batch<Self::Args, Nested<Member>> {
        &batches.members
    }

    async fn load(
        ctx: &Context<'_>,
        parents: &[Region],
        args: &Self::Args,
    ) -> Result<Nested<Member>> {
        let db = ctx.data::<Db>()?;
        let filter = MemberFilter::resolve(args.filter.clone(), db).await?;
        let order = args.order_by.map(Into::into).unwrap_or_default();
        let pages = domain::read::members::pages_by_region(
            db,
            &ids(parents),
            args.include_descendants,
            &filter,
            order,
            args.page,
        )
        .await?;
        Ok(Nested::from_pages(pages))
    }
}

/// `Region.consultations`.
pub struct RegionConsultations;

impl Relation for RegionConsultations {
    type Parent = Region;
    type Args = ListArgs<ConsultationFilter, ConsultationOrder>;
    type Output = Nested<Consultation>;

    fn batch(batches: &RegionBatches) -> &Batch<Self::Args, Nested<Consultation>> {
        &batches.consultations
    }

    async fn load(
        ctx: &Context<'_>,
        parents: &[Region],
        args: &Self::Args,
    ) -> Result<Nested<Consultation>> {
        let db = ctx.data::<Db>()?;
        let actor = ctx.data::<domain::Actor>()?;
        let filter = ConsultationFilter::resolve(args.filter.clone(), db, actor).await?;
        let order = args.order_by.map(Into::into).unwrap_or_default();
        let pages = domain::read::consultations::pages_by_region(
            db,
            &ids(parents),
            args.include_descendants,
            &filter,
            order,
            args.page,
        )
        .await?;
        Ok(Nested::from_pages(pages))
    }
}

/// What `Region.statistics` loads for a generation of regions: each region's series, and
/// every child region of every one of them as one generation of their own (so that their
/// fields batch too).
pub struct StatisticsSeries {
    /// Each region's statistics, one per year.
    pub series: HashMap<i64, Vec<statistics::RegionStatistics>>,
    /// Position in `children` of each child region.
    pub child_positions: HashMap<i64, usize>,
    /// The child regions of every region, once each.
    pub children: std::sync::Arc<Generation<Region>>,
}

impl StatisticsSeries {
    fn new(series: HashMap<i64, Vec<statistics::RegionStatistics>>) -> Self {
        let mut child_positions = HashMap::new();
        let mut rows = Vec::new();
        for (child, _) in series
            .values()
            .filter_map(|years| years.first())
            .flat_map(|first| first.children.iter())
        {
            child_positions.entry(child.id).or_insert_with(|| {
                rows.push(child.clone());
                rows.len() - 1
            });
        }
        Self {
            series,
            child_positions,
            children: Generation::new(rows),
        }
    }
}

/// `Region.statistics` (and `statisticsSeries`): the years `from..=to`.
pub struct RegionStatisticsSeries;

impl Relation for RegionStatisticsSeries {
    type Parent = Region;
    type Args = (i32, i32);
    type Output = StatisticsSeries;

    fn batch(batches: &RegionBatches) -> &Batch<(i32, i32), StatisticsSeries> {
        &batches.statistics
    }

    async fn load(
        ctx: &Context<'_>,
        parents: &[Region],
        (from_year, to_year): &(i32, i32),
    ) -> Result<StatisticsSeries> {
        let db = ctx.data::<Db>()?;
        let quotas = ctx.data_opt::<Quotas>().copied().unwrap_or_default();
        // One computation at a time per request (see `StatisticsGate`).
        let _turn = match ctx.data_opt::<StatisticsGate>() {
            Some(gate) => gate.turn().await,
            None => None,
        };
        let series = statistics::compute(db, &ids(parents), *from_year, *to_year, quotas).await?;
        Ok(StatisticsSeries::new(series))
    }
}
