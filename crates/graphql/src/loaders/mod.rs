//! Many-to-one lookups by id (a lounge's region, a suggestion's proposer) through async-graphql
//! DataLoaders with a per-request cache, so an id is read at most once per request whichever
//! part of the query asks for it. Callers hand a whole generation's ids to
//! [`Loaders::load_many`] at once (see [`crate::relations::by_id`]), so each generation costs
//! one batch.

mod by_id;

use std::{collections::HashMap, hash::Hash, sync::Arc};

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};

pub use by_id::{ByIdLoader, ConsultationId, LoungeId, MemberId, RecordId, RegionId};

/// Loader errors are shared between every field waiting on the batch.
pub type LoaderError = Arc<domain::DomainError>;

/// The loaders of one request. Built fresh per request, so the cache never outlives it and
/// every request sees committed data.
pub struct Loaders {
    by_id: DataLoader<ByIdLoader, HashMapCache>,
}

impl Loaders {
    /// Fresh loaders over `db`.
    pub fn new(db: domain::Db) -> Self {
        Self {
            by_id: DataLoader::with_cache(ByIdLoader { db }, spawner(), HashMapCache::default())
                // One generation's keys must stay one batch.
                .max_batch_size(100_000),
        }
    }

    /// Loaders that batch but never cache, for a WebSocket connection: it lives for hours and
    /// each subscription message must show the records as they are when it is sent.
    pub fn uncached(db: domain::Db) -> Self {
        let loaders = Self::new(db);
        loaders.by_id.enable_all_cache(false);
        loaders
    }

    /// The records with these keys; unknown keys are absent.
    pub async fn load_many<K>(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<HashMap<K, <ByIdLoader as Loader<K>>::Value>, LoaderError>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        ByIdLoader: Loader<K, Error = LoaderError>,
    {
        self.by_id.load_many(keys).await
    }
}

/// The loaders hand batches to the tokio runtime the server runs on, inside the statement
/// counter and the span of the request that built them (if any), so that the batches'
/// statements count for that request (`domain::observe`) and trace under it.
fn spawner() -> impl Fn(futures_util::future::BoxFuture<'static, ()>) + Send + Sync + 'static {
    use tracing::Instrument;
    let counter = domain::observe::StatementCounter::current();
    let span = tracing::Span::current();
    move |future| {
        let future = future.instrument(span.clone());
        match &counter {
            Some(counter) => {
                tokio::spawn(counter.clone().scope(future));
            }
            None => {
                tokio::spawn(future);
            }
        }
    }
}
