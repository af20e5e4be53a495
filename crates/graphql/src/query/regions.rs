//! Root fields for the region tree.

use async_graphql::{Context, Object};
use domain::Db;

use crate::error::Result;
use crate::generation::Sibling;
use crate::types::region::{Province, Region, RegionNode};

/// Entry points into the three-tier region tree.
#[derive(Default)]
pub struct RegionQuery;

#[Object]
impl RegionQuery {
    /// Every province-level region, in code order.
    async fn provinces(&self, ctx: &Context<'_>) -> Result<Vec<Province>> {
        let db = ctx.data::<Db>()?;
        let rows = domain::regions::provinces(db).await?;
        Ok(RegionNode::from_rows(rows)
            .into_iter()
            .map(Province::new)
            .collect())
    }

    /// The province with this code, e.g. `330000`; null when there is none.
    async fn province(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Six-digit GB/T 2260 code of a province, e.g. `330000`.")] code: String,
    ) -> Result<Option<Province>> {
        let db = ctx.data::<Db>()?;
        let row = domain::regions::by_code(db, &code)
            .await?
            .filter(|row| row.level == entity::enums::RegionLevel::Province);
        Ok(RegionNode::from_rows(row.into_iter().collect())
            .into_iter()
            .next()
            .map(Province::new))
    }

    /// The region of any tier with this code; null when there is none.
    async fn region(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Six-digit GB/T 2260 code, e.g. `330212` for 鄞州区.")] code: String,
    ) -> Result<Option<Region>> {
        let db = ctx.data::<Db>()?;
        let row = domain::regions::by_code(db, &code).await?;
        Ok(RegionNode::from_rows(row.into_iter().collect())
            .into_iter()
            .next()
            .map(Region::from_node))
    }
}
