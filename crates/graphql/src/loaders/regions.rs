//! Regions by id and by parent.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use domain::regions::{self, Region};
use entity::enums::RegionLevel;

use super::LoaderError;

/// A region's database id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RegionId(pub i64);

/// The direct children of a region that have a given level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChildRegions {
    /// The parent region's id.
    pub parent: i64,
    /// The level of the children wanted.
    pub level: RegionLevel,
}

/// Loads regions; one statement per batch (per level for [`ChildRegions`]).
pub struct RegionLoader {
    pub(super) db: domain::Db,
}

impl Loader<RegionId> for RegionLoader {
    type Value = Region;
    type Error = LoaderError;

    async fn load(&self, keys: &[RegionId]) -> Result<HashMap<RegionId, Region>, LoaderError> {
        let ids: Vec<i64> = keys.iter().map(|key| key.0).collect();
        let found = regions::by_ids(&self.db, &ids).await?;
        Ok(found
            .into_iter()
            .map(|(id, region)| (RegionId(id), region))
            .collect())
    }
}

impl Loader<ChildRegions> for RegionLoader {
    type Value = Vec<Region>;
    type Error = LoaderError;

    async fn load(
        &self,
        keys: &[ChildRegions],
    ) -> Result<HashMap<ChildRegions, Vec<Region>>, LoaderError> {
        let mut result = HashMap::new();
        for level in RegionLevel::ALL {
            let parents: Vec<i64> = keys
                .iter()
                .filter(|key| key.level == *level)
                .map(|key| key.parent)
                .collect();
            if parents.is_empty() {
                continue;
            }
            for (parent, children) in regions::children(&self.db, &parents, *level).await? {
                result.insert(
                    ChildRegions {
                        parent,
                        level: *level,
                    },
                    children,
                );
            }
        }
        Ok(result)
    }
}
