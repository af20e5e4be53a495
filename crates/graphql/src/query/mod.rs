//! The root query, merged from one object per domain area.

mod lounges;
mod regions;

use async_graphql::MergedObject;

/// The root of every read.
#[derive(MergedObject, Default)]
pub struct Query(regions::RegionQuery, lounges::LoungeQuery);
