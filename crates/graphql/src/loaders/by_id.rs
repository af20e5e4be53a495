//! Records by primary key, one statement per batch.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use domain::read::{consultations::Consultation, lounges::Lounge, members::Member};
use domain::regions::Region;

use super::LoaderError;

/// A record's primary key as a DataLoader key: one type per table, so a lounge id can never
/// be looked up as a member.
pub trait RecordId: Copy + Eq + std::hash::Hash + Send + Sync + 'static {
    /// The key for this id.
    fn from_id(id: i64) -> Self;

    /// The id in this key.
    fn id(self) -> i64;
}

/// A region's database id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RegionId(pub i64);

/// A lounge's database id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LoungeId(pub i64);

/// A member's database id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemberId(pub i64);

/// A consultation's database id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConsultationId(pub i64);

impl RecordId for RegionId {
    fn from_id(id: i64) -> Self {
        Self(id)
    }

    fn id(self) -> i64 {
        self.0
    }
}

impl RecordId for LoungeId {
    fn from_id(id: i64) -> Self {
        Self(id)
    }

    fn id(self) -> i64 {
        self.0
    }
}

impl RecordId for MemberId {
    fn from_id(id: i64) -> Self {
        Self(id)
    }

    fn id(self) -> i64 {
        self.0
    }
}

impl RecordId for ConsultationId {
    fn from_id(id: i64) -> Self {
        Self(id)
    }

    fn id(self) -> i64 {
        self.0
    }
}

/// Loads records by id.
pub struct ByIdLoader {
    pub(super) db: domain::Db,
}

/// Rekeys `found` (by raw id) with the typed key.
fn keyed<K: RecordId, V>(found: HashMap<i64, V>) -> HashMap<K, V> {
    found
        .into_iter()
        .map(|(id, row)| (K::from_id(id), row))
        .collect()
}

impl Loader<RegionId> for ByIdLoader {
    type Value = Region;
    type Error = LoaderError;

    async fn load(&self, keys: &[RegionId]) -> Result<HashMap<RegionId, Region>, LoaderError> {
        let ids: Vec<i64> = keys.iter().map(|key| key.0).collect();
        Ok(keyed(domain::regions::by_ids(&self.db, &ids).await?))
    }
}

impl Loader<LoungeId> for ByIdLoader {
    type Value = Lounge;
    type Error = LoaderError;

    async fn load(&self, keys: &[LoungeId]) -> Result<HashMap<LoungeId, Lounge>, LoaderError> {
        let ids: Vec<i64> = keys.iter().map(|key| key.0).collect();
        Ok(keyed(domain::read::lounges::by_ids(&self.db, &ids).await?))
    }
}

impl Loader<MemberId> for ByIdLoader {
    type Value = Member;
    type Error = LoaderError;

    async fn load(&self, keys: &[MemberId]) -> Result<HashMap<MemberId, Member>, LoaderError> {
        let ids: Vec<i64> = keys.iter().map(|key| key.0).collect();
        Ok(keyed(domain::read::members::by_ids(&self.db, &ids).await?))
    }
}

impl Loader<ConsultationId> for ByIdLoader {
    type Value = Consultation;
    type Error = LoaderError;

    async fn load(
        &self,
        keys: &[ConsultationId],
    ) -> Result<HashMap<ConsultationId, Consultation>, LoaderError> {
        let ids: Vec<i64> = keys.iter().map(|key| key.0).collect();
        Ok(keyed(
            domain::read::consultations::by_ids(&self.db, &ids).await?,
        ))
    }
}
