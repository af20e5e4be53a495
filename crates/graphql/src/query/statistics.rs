//! Root fields for three-tier statistics.

use async_graphql::{Context, Object};
use domain::Db;

use crate::error::Result;
use crate::generation::Sibling;
use crate::types::{
    region::RegionNode,
    statistics::{self, RegionStatistics},
};

/// Statistics of any region, public to every caller.
#[derive(Default)]
pub struct StatisticsQuery;

async fn region(ctx: &Context<'_>, code: &str) -> Result<RegionNode> {
    let db = ctx.data::<Db>()?;
    let row = domain::regions::by_code(db, code).await?.ok_or_else(|| {
        crate::error::ApiError::from(domain::DomainError::invalid(
            "regionCode",
            format!("no region has the code {code}"),
        ))
    })?;
    RegionNode::from_rows(vec![row])
        .into_iter()
        .next()
        .ok_or_else(crate::ApiError::internal)
}

#[Object]
impl StatisticsQuery {
    /// Statistics of the region with this code for one calendar year (China Standard Time):
    /// totals over its subtree, its own committee (本级), each child region, quota compliance.
    /// Public: anonymous callers may read them; the figures contain no personal data. An
    /// unknown region code or a year outside 1949..=9999 is BAD_USER_INPUT.
    async fn statistics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Six-digit GB/T 2260 code of any region, e.g. `330000`.")]
        region_code: String,
        #[graphql(desc = "Calendar year (China Standard Time), 1949..=9999.")] year: i32,
    ) -> Result<RegionStatistics> {
        let node = region(ctx, &region_code).await?;
        statistics::one_year(ctx, &node, year).await
    }

    /// Statistics of the region with this code for every year from `fromYear` to `toYear`
    /// (inclusive, at most 50 years), oldest first; same definitions as `statistics`, same
    /// number of database statements however many years. Public, like `statistics`.
    async fn statistics_series(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Six-digit GB/T 2260 code of any region, e.g. `330000`.")]
        region_code: String,
        #[graphql(desc = "First calendar year of the series (inclusive).")] from_year: i32,
        #[graphql(desc = "Last calendar year of the series (inclusive).")] to_year: i32,
    ) -> Result<Vec<RegionStatistics>> {
        let node = region(ctx, &region_code).await?;
        statistics::series(ctx, &node, from_year, to_year).await
    }
}
