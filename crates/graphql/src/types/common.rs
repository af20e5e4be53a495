//! Small pieces shared by several types.

use std::{collections::HashMap, sync::Arc};

use async_graphql::{Context, Enum, Result};
use domain::{Direction, regions::Region as RegionRow};

use crate::{
    ErrorCode, Loaders,
    loaders::RegionId,
    siblings::{Related, Siblings},
    types::region::{Region, RegionNode},
};

/// Sort direction.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
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
pub async fn load_region<R: Send + Sync>(
    ctx: &Context<'_>,
    siblings: &Siblings<R>,
    region_id: i64,
    region_of: impl Fn(&R) -> i64,
) -> Result<Region> {
    let loaders = ctx.data::<Loaders>()?;
    let related = siblings
        .load("region".to_owned(), |rows| async move {
            let keys: Vec<RegionId> = rows.iter().map(|row| RegionId(region_of(row))).collect();
            let found: HashMap<i64, RegionRow> = loaders
                .load_many(keys)
                .await
                .map_err(|error| domain::DomainError::Refused(error.to_string()))?
                .into_iter()
                .map(|(key, row)| (key.0, row))
                .collect();
            Ok(Related::from_map(found))
        })
        .await?;
    let index = related
        .position(Some(region_id))
        .ok_or_else(|| ErrorCode::Internal.error("internal error"))?;
    Ok(Region::from_node(RegionNode::at(
        index,
        Arc::clone(&related.targets),
    )))
}
