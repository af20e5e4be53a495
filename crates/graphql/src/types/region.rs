//! The region tree (行政区划) as GraphQL: interface `Region` with `Province`, `City`, `County`.

use std::{borrow::Cow, marker::PhantomData, sync::Arc};

use async_graphql::{Context, Description, Enum, ID, Interface, Object, ObjectType, TypeName};
use domain::regions::Region as RegionRow;
use entity::enums::RegionLevel as RegionLevelRow;

use crate::{
    error::{ApiError, Result},
    generation::{Generation, Sibling},
    ids,
    relations::region::{RegionChildren, RegionParent},
    types::{
        consultation::{ConsultationConnection, ConsultationFilter, ConsultationOrder},
        lounge::{LoungeConnection, LoungeFilter, LoungeOrder},
        member::{MemberConnection, MemberFilter, MemberOrder},
        region_lists,
        statistics::{self, RegionStatistics},
    },
};

/// The tier of a region in the administrative hierarchy.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::enums::RegionLevel")]
pub enum RegionLevel {
    /// A province-level division (省级), e.g. 浙江省.
    Province,
    /// A prefecture-level city (地级市) or its equivalent.
    City,
    /// A county-level division (县级): district, county-level city or county.
    County,
}

/// One region of a generation of regions.
#[derive(Clone)]
pub struct RegionNode {
    index: usize,
    generation: Arc<Generation<RegionRow>>,
}

impl Sibling for RegionNode {
    type Row = RegionRow;

    fn at(index: usize, generation: Arc<Generation<RegionRow>>) -> Self {
        Self { index, generation }
    }
}

impl RegionNode {
    /// The region at `index` of a generation.
    pub fn at(index: usize, generation: Arc<Generation<RegionRow>>) -> Self {
        Self { index, generation }
    }

    /// The stored row.
    pub fn row(&self) -> &RegionRow {
        self.generation.row(self.index)
    }

    /// The generation this node belongs to.
    pub fn generation(&self) -> &Arc<Generation<RegionRow>> {
        &self.generation
    }

    /// The direct children of the given level, loaded for the whole generation at once.
    async fn children(&self, ctx: &Context<'_>, level: RegionLevelRow) -> Result<Vec<RegionNode>> {
        let children = self.generation.load::<RegionChildren>(ctx, level).await?;
        Ok(children.list(self.row().id))
    }

    /// The region directly above, loaded for the whole generation at once.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<RegionNode>> {
        let parents = self.generation.load::<RegionParent>(ctx, ()).await?;
        Ok(parents.get(self.row().parent_id))
    }

    /// The province above a city or county (at most two hops). Every city and county has one,
    /// so a missing province is a data error, reported as internal.
    async fn province(&self, ctx: &Context<'_>) -> Result<Province> {
        let mut current = self.parent(ctx).await?;
        while let Some(node) = current {
            if node.row().level == RegionLevelRow::Province {
                return Ok(Province::new(node));
            }
            current = node.parent(ctx).await?;
        }
        tracing::error!(code = %self.row().code, "region without a province above it");
        Err(ApiError::internal())
    }
}

/// An administrative region (GB/T 2260) and the CPPCC committee (政协) that serves it. One
/// committee per region: lounges, members and consultations belong to a region's committee.
// The interface's fields repeat `ty = …` strings, which clippy's `duplicated_attributes` lint
// mistakes for duplicated attributes. One line per field keeps the list readable.
#[allow(clippy::duplicated_attributes)]
#[rustfmt::skip]
#[derive(Interface)]
#[graphql(
    field(name = "id", ty = "ID", desc = "Opaque global ID of the region."),
    field(name = "code", ty = "&str", desc = "Six-digit GB/T 2260 division code, e.g. `330000` for 浙江省."),
    field(name = "name", ty = "String", desc = "Official name in Simplified Chinese."),
    field(name = "level", ty = "RegionLevel", desc = "Tier of the region."),
    field(name = "parent", ty = "Option<Region>", desc = "The region directly above; null for a province."),
    field(
        name = "lounges", ty = "LoungeConnection",
        desc = "Members' lounges owned by this committee, or with `includeDescendants` by it and every committee below.",
        arg(name = "include_descendants", ty = "bool", default = false, desc = "Also count the regions below this one."),
        arg(name = "filter", ty = "Option<LoungeFilter>", desc = "Which lounges; its `regionCode` further narrows the set."),
        arg(name = "order_by", ty = "Option<LoungeOrder>", desc = "Order of the lounges (default: established first)."),
        arg(name = "first", ty = "Option<i32>", desc = "Return the first n items (at most 100; 20 when neither first nor last is given)."),
        arg(name = "after", ty = "Option<String>", desc = "Return items after this cursor."),
        arg(name = "last", ty = "Option<i32>", desc = "Return the last n items (at most 100)."),
        arg(name = "before", ty = "Option<String>", desc = "Return items before this cursor.")
    ),
    field(
        name = "consultations", ty = "ConsultationConnection",
        desc = "Consultations held by this committee, or with `includeDescendants` by it or any committee below.",
        arg(name = "include_descendants", ty = "bool", default = false, desc = "Also count the regions below this one."),
        arg(name = "filter", ty = "Option<ConsultationFilter>", desc = "Which consultations; its `regionCode` further narrows the set."),
        arg(name = "order_by", ty = "Option<ConsultationOrder>", desc = "Order of the consultations (default: held first, unheld last)."),
        arg(name = "first", ty = "Option<i32>", desc = "Return the first n items (at most 100; 20 when neither first nor last is given)."),
        arg(name = "after", ty = "Option<String>", desc = "Return items after this cursor."),
        arg(name = "last", ty = "Option<i32>", desc = "Return the last n items (at most 100)."),
        arg(name = "before", ty = "Option<String>", desc = "Return items before this cursor.")
    ),
    field(
        name = "members", ty = "MemberConnection",
        desc = "Members serving on this committee, or with `includeDescendants` on it or any committee below.",
        arg(name = "include_descendants", ty = "bool", default = false, desc = "Also count the regions below this one."),
        arg(name = "filter", ty = "Option<MemberFilter>", desc = "Which members; its `regionCode` further narrows the set."),
        arg(name = "order_by", ty = "Option<MemberOrder>", desc = "Order of the members (default: registration order)."),
        arg(name = "first", ty = "Option<i32>", desc = "Return the first n items (at most 100; 20 when neither first nor last is given)."),
        arg(name = "after", ty = "Option<String>", desc = "Return items after this cursor."),
        arg(name = "last", ty = "Option<i32>", desc = "Return the last n items (at most 100)."),
        arg(name = "before", ty = "Option<String>", desc = "Return items before this cursor.")
    ),
    field(
        name = "statistics", ty = "RegionStatistics",
        desc = "Statistics of this region for one calendar year (China Standard Time): totals over its subtree, its own committee (本级), each child region, quota compliance. Public: anonymous callers may read them; the figures contain no personal data. Loaded for every sibling region at once.",
        arg(name = "year", ty = "i32", desc = "Calendar year (China Standard Time), 1949..=9999.")
    )
)]
pub enum Region {
    /// A province.
    Province(Province),
    /// A prefecture-level city.
    City(City),
    /// A county-level unit.
    County(County),
}

impl Region {
    /// Wraps a region in the GraphQL type of its level.
    pub fn from_node(node: RegionNode) -> Self {
        match node.row().level {
            RegionLevelRow::Province => Region::Province(Province::new(node)),
            RegionLevelRow::City => Region::City(City::new(node)),
            RegionLevelRow::County => Region::County(County::new(node)),
        }
    }
}

/// One tier of the region tree as a GraphQL object type: its name, its description and the
/// fields only regions of that tier have. The fields every region has are written once, in
/// [`RegionObject`].
pub trait Tier: Send + Sync + 'static {
    /// The GraphQL type name, also the type inside global IDs.
    const NAME: &'static str;
    /// The GraphQL type description.
    const DESCRIPTION: &'static str;
    /// The fields only this tier has.
    type Fields: ObjectType + 'static;

    /// This tier's fields of `node`.
    fn fields(node: &RegionNode) -> Self::Fields;
}

/// A region of one tier (`Province`, `City`, `County`): the fields of the `Region` interface,
/// then the tier's own.
pub struct RegionObject<T> {
    node: RegionNode,
    tier: PhantomData<T>,
}

impl<T> Clone for RegionObject<T> {
    fn clone(&self) -> Self {
        Self::new(self.node.clone())
    }
}

impl<T> RegionObject<T> {
    /// The region of `node` as this tier.
    pub fn new(node: RegionNode) -> Self {
        Self {
            node,
            tier: PhantomData,
        }
    }
}

/// A province-level region (省级) and its provincial committee.
pub type Province = RegionObject<ProvinceTier>;

/// A prefecture-level city (地级市) and its city committee.
pub type City = RegionObject<CityTier>;

/// A county-level unit (区, 县级市, 县) and its county committee.
pub type County = RegionObject<CountyTier>;

impl<T: Tier> TypeName for RegionObject<T> {
    fn type_name() -> Cow<'static, str> {
        Cow::Borrowed(T::NAME)
    }
}

impl<T: Tier> Description for RegionObject<T> {
    fn description() -> &'static str {
        T::DESCRIPTION
    }
}

/// A region of one tier (named and described by [`Tier`]).
#[Object(name_type, use_type_description)]
impl<T: Tier> RegionObject<T> {
    /// Opaque global ID of the region.
    pub async fn id(&self) -> ID {
        ids::encode(T::NAME, self.node.row().id)
    }

    /// Six-digit GB/T 2260 division code, e.g. `330000` for 浙江省.
    async fn code(&self) -> &str {
        &self.node.row().code
    }

    /// Official name in Simplified Chinese.
    async fn name(&self) -> String {
        self.node.row().name.clone()
    }

    /// Tier of the region.
    async fn level(&self) -> RegionLevel {
        self.node.row().level.into()
    }

    /// The region directly above; null for a province.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        Ok(self.node.parent(ctx).await?.map(Region::from_node))
    }

    /// Members' lounges owned by this committee, or with `includeDescendants` by it and
    /// every committee below.
    #[allow(clippy::too_many_arguments)]
    async fn lounges(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = false, desc = "Also count the regions below this one.")]
        include_descendants: bool,
        #[graphql(desc = "Which lounges; its `regionCode` further narrows the set.")]
        filter: Option<LoungeFilter>,
        #[graphql(desc = "Order of the lounges (default: established first).")] order_by: Option<
            LoungeOrder,
        >,
        #[graphql(
            desc = "Return the first n items (at most 100; 20 when neither first nor last is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return items before this cursor.")] before: Option<String>,
    ) -> Result<LoungeConnection> {
        let page = crate::connection::page_request(first, after, last, before)?;
        region_lists::lounges(ctx, &self.node, include_descendants, filter, order_by, page).await
    }

    /// Members serving on this committee, or with `includeDescendants` on it or any
    /// committee below.
    #[allow(clippy::too_many_arguments)]
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = false, desc = "Also count the regions below this one.")]
        include_descendants: bool,
        #[graphql(desc = "Which members; its `regionCode` further narrows the set.")]
        filter: Option<MemberFilter>,
        #[graphql(desc = "Order of the members (default: registration order).")] order_by: Option<
            MemberOrder,
        >,
        #[graphql(
            desc = "Return the first n items (at most 100; 20 when neither first nor last is given)."
        )]
        first: Option<i32>,
        #[graphql(desc = "Return items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n items (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return items before this cursor.")] before: Option<String>,
    ) -> Result<MemberConnection> {
        let page = crate::connection::page_request(first, after, last, before)?;
        region_lists::members(ctx, &self.node, include_descendants, filter, order_by, page).await
    }

    /// Consultations held by this committee, or with `includeDescendants` by it or any
    /// committee below.
    #[allow(clippy::too_many_arguments)]
    async fn consultations(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = false, desc = "Also count the regions below this one.")]
        include_descendants: bool,
        #[graphql(desc = "Which consultations; its `regionCode` further narrows the set.")]
        filter: Option<ConsultationFilter>,
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
        region_lists::consultations(ctx, &self.node, include_descendants, filter, order_by, page)
            .await
    }

    /// Statistics of this region for one calendar year (China Standard Time): totals over
    /// its subtree, its own committee (本级), each child region, quota compliance. Public:
    /// anonymous callers may read them; the figures contain no personal data. Loaded for
    /// every sibling region at once.
    async fn statistics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Calendar year (China Standard Time), 1949..=9999.")] year: i32,
    ) -> Result<RegionStatistics> {
        statistics::one_year(ctx, &self.node, year).await
    }

    /// The fields only this tier has.
    #[graphql(flatten)]
    async fn tier_fields(&self) -> T::Fields {
        T::fields(&self.node)
    }
}

/// The province tier.
pub struct ProvinceTier;

impl Tier for ProvinceTier {
    const NAME: &'static str = "Province";
    const DESCRIPTION: &'static str =
        "A province-level region (省级) and its provincial committee.";
    type Fields = ProvinceFields;

    fn fields(node: &RegionNode) -> ProvinceFields {
        ProvinceFields(node.clone())
    }
}

/// The fields only a province has.
pub struct ProvinceFields(RegionNode);

#[Object]
impl ProvinceFields {
    /// Prefecture-level cities of the province, in code order.
    async fn cities(&self, ctx: &Context<'_>) -> Result<Vec<City>> {
        let cities = self.0.children(ctx, RegionLevelRow::City).await?;
        Ok(cities.into_iter().map(City::new).collect())
    }

    /// County-level units directly under the province (no city in between), in code order:
    /// the districts and counties of a municipality such as 北京市, or Hainan's directly
    /// administered counties. Empty for Zhejiang, whose counties all belong to cities.
    async fn counties(&self, ctx: &Context<'_>) -> Result<Vec<County>> {
        let counties = self.0.children(ctx, RegionLevelRow::County).await?;
        Ok(counties.into_iter().map(County::new).collect())
    }
}

/// The city tier.
pub struct CityTier;

impl Tier for CityTier {
    const NAME: &'static str = "City";
    const DESCRIPTION: &'static str = "A prefecture-level city (地级市) and its city committee.";
    type Fields = CityFields;

    fn fields(node: &RegionNode) -> CityFields {
        CityFields(node.clone())
    }
}

/// The fields only a city has.
pub struct CityFields(RegionNode);

#[Object]
impl CityFields {
    /// The province the city belongs to.
    async fn province(&self, ctx: &Context<'_>) -> Result<Province> {
        self.0.province(ctx).await
    }

    /// County-level units of the city (districts, county-level cities, counties), in code
    /// order.
    async fn counties(&self, ctx: &Context<'_>) -> Result<Vec<County>> {
        let counties = self.0.children(ctx, RegionLevelRow::County).await?;
        Ok(counties.into_iter().map(County::new).collect())
    }
}

/// The county tier.
pub struct CountyTier;

impl Tier for CountyTier {
    const NAME: &'static str = "County";
    const DESCRIPTION: &'static str =
        "A county-level unit (区, 县级市, 县) and its county committee.";
    type Fields = CountyFields;

    fn fields(node: &RegionNode) -> CountyFields {
        CountyFields(node.clone())
    }
}

/// The fields only a county has.
pub struct CountyFields(RegionNode);

#[Object]
impl CountyFields {
    /// The city the county belongs to; null for a county directly under a province.
    async fn city(&self, ctx: &Context<'_>) -> Result<Option<City>> {
        let parent = self.0.parent(ctx).await?;
        Ok(parent
            .filter(|node| node.row().level == RegionLevelRow::City)
            .map(City::new))
    }

    /// The province the county lies in, directly or through its city.
    async fn province(&self, ctx: &Context<'_>) -> Result<Province> {
        self.0.province(ctx).await
    }
}
