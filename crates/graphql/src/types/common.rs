//! Small pieces shared by several types.

use async_graphql::{Context, Enum};
use domain::Direction;

use crate::{
    error::{ApiError, Result},
    generation::Generation,
    relations::{InRegion, RegionOf},
    types::region::{Region, RegionNode},
};

/// Sort direction.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum OrderDirection {
    /// Smallest (earliest) first.
    #[default]
    Asc,
    /// Largest (latest) first.
    Desc,
}

impl From<OrderDirection> for Direction {
    fn from(direction: OrderDirection) -> Self {
        match direction {
            OrderDirection::Asc => Direction::Asc,
            OrderDirection::Desc => Direction::Desc,
        }
    }
}

/// The committee (region) a record of a generation belongs to; the regions of the whole
/// generation are loaded at once and form a generation of their own.
pub async fn region_of<R: InRegion>(
    ctx: &Context<'_>,
    generation: &Generation<R>,
    region_id: i64,
) -> Result<Region> {
    let regions = generation.load::<RegionOf<R>>(ctx, ()).await?;
    // Every record belongs to an existing region (a foreign key).
    let node: RegionNode = regions
        .get(Some(region_id))
        .ok_or_else(ApiError::internal)?;
    Ok(Region::from_node(node))
}
