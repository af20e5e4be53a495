//! DataLoaders: every relationship of the schema is fetched in batches, one statement per batch,
//! so the statement count of a request does not grow with the number of rows it returns.

mod regions;

use std::sync::Arc;

use async_graphql::dataloader::DataLoader;

pub use regions::{ChildRegions, RegionId, RegionLoader};

/// The loaders of one request. Built fresh per request, so nothing cached outlives it and every
/// request sees committed data.
pub struct Loaders {
    /// Regions by id, and the children of regions.
    pub regions: DataLoader<RegionLoader>,
}

impl Loaders {
    /// Fresh loaders over `db`.
    pub fn new(db: domain::Db) -> Self {
        Self {
            regions: DataLoader::new(RegionLoader { db }, tokio_spawn),
        }
    }
}

/// The loaders hand batches to the tokio runtime the server runs on.
fn tokio_spawn(future: futures_util::future::BoxFuture<'static, ()>) {
    tokio::spawn(future);
}

/// Loader errors are shared between every field waiting on the batch.
pub type LoaderError = Arc<domain::DomainError>;
