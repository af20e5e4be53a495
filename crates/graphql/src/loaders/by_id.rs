//! Records by primary key, one statement per batch.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use domain::read::{lounges::Lounge, members::Member};
use domain::regions::Region;

use super::LoaderError;

/// A region's database id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RegionId(pub i64);

/// A lounge's database id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LoungeId(pub i64);

/// A member's database id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemberId(pub i64);

/// Loads records by id.
pub struct ByIdLoader {
    pub(super) db: domain::Db,
}

fn ids<K: Copy>(keys: &[K], id: impl Fn(K) -> i64) -> Vec<i64> {
    keys.iter().map(|key| id(*key)).collect()
}

impl Loader<RegionId> for ByIdLoader {
    type Value = Region;
    type Error = LoaderError;

    async fn load(&self, keys: &[RegionId]) -> Result<HashMap<RegionId, Region>, LoaderError> {
        let found = domain::regions::by_ids(&self.db, &ids(keys, |key| key.0)).await?;
        Ok(found
            .into_iter()
            .map(|(id, row)| (RegionId(id), row))
            .collect())
    }
}

impl Loader<LoungeId> for ByIdLoader {
    type Value = Lounge;
    type Error = LoaderError;

    async fn load(&self, keys: &[LoungeId]) -> Result<HashMap<LoungeId, Lounge>, LoaderError> {
        let found = domain::read::lounges::by_ids(&self.db, &ids(keys, |key| key.0)).await?;
        Ok(found
            .into_iter()
            .map(|(id, row)| (LoungeId(id), row))
            .collect())
    }
}

impl Loader<MemberId> for ByIdLoader {
    type Value = Member;
    type Error = LoaderError;

    async fn load(&self, keys: &[MemberId]) -> Result<HashMap<MemberId, Member>, LoaderError> {
        let found = domain::read::members::by_ids(&self.db, &ids(keys, |key| key.0)).await?;
        Ok(found
            .into_iter()
            .map(|(id, row)| (MemberId(id), row))
            .collect())
    }
}
