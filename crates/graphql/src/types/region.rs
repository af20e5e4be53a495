//! The region tree (行政区划) as GraphQL: interface `Region` with `Province`, `City`, `County`.

use async_graphql::{Context, Enum, ID, Interface, Object, Result};
use domain::regions::Region as RegionRow;
use entity::enums::RegionLevel as RegionLevelRow;

use crate::{
    Loaders, domain_error, ids,
    loaders::{ChildRegions, RegionId},
};

/// The tier of a region in the administrative hierarchy.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegionLevel {
    /// A province-level division (省级), e.g. 浙江省.
    Province,
    /// A prefecture-level city (地级市) or its equivalent.
    City,
    /// A county-level division (县级): district, county-level city or county.
    County,
}

impl From<RegionLevelRow> for RegionLevel {
    fn from(level: RegionLevelRow) -> Self {
        match level {
            RegionLevelRow::Province => RegionLevel::Province,
            RegionLevelRow::City => RegionLevel::City,
            RegionLevelRow::County => RegionLevel::County,
        }
    }
}

/// An administrative region (GB/T 2260) and the CPPCC committee (政协) that serves it. One
/// committee per region: lounges, members and consultations belong to a region's committee.
// `name` is `String` and `code` is `&str` on purpose: async-graphql 7.2's derive misreports two
// fields with the same `ty` string as a "duplicated attribute" under clippy.
#[rustfmt::skip]
#[derive(Interface)]
#[graphql(
    field(name = "id", ty = "ID", desc = "Opaque global ID of the region."),
    field(name = "code", ty = "&str", desc = "Six-digit GB/T 2260 division code, e.g. `330000` for 浙江省."),
    field(name = "name", ty = "String", desc = "Official name in Simplified Chinese."),
    field(name = "level", ty = "RegionLevel", desc = "Tier of the region."),
    field(name = "parent", ty = "Option<Region>", desc = "The region directly above; null for a province.")
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
    /// Wraps a stored region in the GraphQL type of its level.
    pub fn from_row(row: RegionRow) -> Self {
        match row.level {
            RegionLevelRow::Province => Region::Province(Province(row)),
            RegionLevelRow::City => Region::City(City(row)),
            RegionLevelRow::County => Region::County(County(row)),
        }
    }
}

/// A province-level region (省级) and its provincial committee.
pub struct Province(pub RegionRow);

/// A prefecture-level city (地级市) and its city committee.
pub struct City(pub RegionRow);

/// A county-level unit (区, 县级市, 县) and its county committee.
pub struct County(pub RegionRow);

async fn load_region(ctx: &Context<'_>, id: Option<i64>) -> Result<Option<RegionRow>> {
    let Some(id) = id else { return Ok(None) };
    let loaders = ctx.data::<Loaders>()?;
    loaders
        .regions
        .load_one(RegionId(id))
        .await
        .map_err(|error| domain_error(&error))
}

async fn load_children(
    ctx: &Context<'_>,
    parent: i64,
    level: RegionLevelRow,
) -> Result<Vec<RegionRow>> {
    let loaders = ctx.data::<Loaders>()?;
    Ok(loaders
        .regions
        .load_one(ChildRegions { parent, level })
        .await
        .map_err(|error| domain_error(&error))?
        .unwrap_or_default())
}

/// The province above a city or county: at most two hops up the tree. Every city and county
/// has one, so a missing province is a data error, reported as internal.
async fn province_of(ctx: &Context<'_>, row: &RegionRow) -> Result<Province> {
    let mut current = load_region(ctx, row.parent_id).await?;
    while let Some(ancestor) = current {
        if ancestor.level == RegionLevelRow::Province {
            return Ok(Province(ancestor));
        }
        current = load_region(ctx, ancestor.parent_id).await?;
    }
    tracing::error!(code = %row.code, "region without a province above it");
    Err(crate::ErrorCode::Internal.error("internal error"))
}

async fn parent_region(ctx: &Context<'_>, row: &RegionRow) -> Result<Option<Region>> {
    Ok(load_region(ctx, row.parent_id).await?.map(Region::from_row))
}

/// A province-level region (省级) and its provincial committee.
#[Object]
impl Province {
    /// Opaque global ID of the region.
    async fn id(&self) -> ID {
        ids::encode("Province", self.0.id)
    }

    /// Six-digit GB/T 2260 division code, e.g. `330000` for 浙江省.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Official name in Simplified Chinese.
    async fn name(&self) -> String {
        self.0.name.clone()
    }

    /// Tier of the region.
    async fn level(&self) -> RegionLevel {
        self.0.level.into()
    }

    /// The region directly above; null for a province.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        parent_region(ctx, &self.0).await
    }

    /// Prefecture-level cities of the province, in code order.
    async fn cities(&self, ctx: &Context<'_>) -> Result<Vec<City>> {
        let rows = load_children(ctx, self.0.id, RegionLevelRow::City).await?;
        Ok(rows.into_iter().map(City).collect())
    }

    /// County-level units directly under the province (no city in between), in code order:
    /// the districts and counties of a municipality such as 北京市, or Hainan's directly
    /// administered counties. Empty for Zhejiang, whose counties all belong to cities.
    async fn counties(&self, ctx: &Context<'_>) -> Result<Vec<County>> {
        let rows = load_children(ctx, self.0.id, RegionLevelRow::County).await?;
        Ok(rows.into_iter().map(County).collect())
    }
}

/// A prefecture-level city (地级市) and its city committee.
#[Object]
impl City {
    /// Opaque global ID of the region.
    async fn id(&self) -> ID {
        ids::encode("City", self.0.id)
    }

    /// Six-digit GB/T 2260 division code, e.g. `330000` for 浙江省.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Official name in Simplified Chinese.
    async fn name(&self) -> String {
        self.0.name.clone()
    }

    /// Tier of the region.
    async fn level(&self) -> RegionLevel {
        self.0.level.into()
    }

    /// The region directly above; null for a province.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        parent_region(ctx, &self.0).await
    }

    /// The province the city belongs to.
    async fn province(&self, ctx: &Context<'_>) -> Result<Province> {
        province_of(ctx, &self.0).await
    }

    /// County-level units of the city (districts, county-level cities, counties), in code
    /// order.
    async fn counties(&self, ctx: &Context<'_>) -> Result<Vec<County>> {
        let rows = load_children(ctx, self.0.id, RegionLevelRow::County).await?;
        Ok(rows.into_iter().map(County).collect())
    }
}

/// A county-level unit (区, 县级市, 县) and its county committee.
#[Object]
impl County {
    /// Opaque global ID of the region.
    async fn id(&self) -> ID {
        ids::encode("County", self.0.id)
    }

    /// Six-digit GB/T 2260 division code, e.g. `330000` for 浙江省.
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Official name in Simplified Chinese.
    async fn name(&self) -> String {
        self.0.name.clone()
    }

    /// Tier of the region.
    async fn level(&self) -> RegionLevel {
        self.0.level.into()
    }

    /// The region directly above; null for a province.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        parent_region(ctx, &self.0).await
    }

    /// The city the county belongs to; null for a county directly under a province.
    async fn city(&self, ctx: &Context<'_>) -> Result<Option<City>> {
        let parent = load_region(ctx, self.0.parent_id).await?;
        Ok(parent
            .filter(|row| row.level == RegionLevelRow::City)
            .map(City))
    }

    /// The province the county lies in, directly or through its city.
    async fn province(&self, ctx: &Context<'_>) -> Result<Province> {
        province_of(ctx, &self.0).await
    }
}
