//! Every relationship a GraphQL field follows, one named [`Relation`] per field, grouped by the
//! row type it starts from: `Consultation.suggestions` is [`consultation::ConsultationSuggestions`],
//! which reads `domain::read::suggestions::pages_by_consultation`, which reads the `suggestions`
//! table. One file per parent type; each relation names its arguments key, its output and the
//! domain read it calls. The mechanism (generations, batches) is in [`crate::generation`].
//!
//! Many-to-one lookups by id (a consultation's lounge, a suggestion's proposer) go through the
//! request's DataLoader ([`crate::loaders`]), fed every key of the generation at once by
//! [`by_id`], so a record is read at most once per request whichever field asks for it.

pub mod activity;
pub mod consultation;
pub mod delivery;
pub mod lounge;
pub mod member;
pub mod notification_target;
pub mod region;
pub mod role_assignment;
pub mod sentiment_report;
pub mod slot_request;
pub mod suggestion;

use std::{collections::HashMap, marker::PhantomData};

use async_graphql::{Context, dataloader::Loader};
use domain::regions::Region as RegionRow;

use crate::{
    Loaders,
    error::Result,
    generation::{Batch, Related, Relation, Row},
    loaders::{ByIdLoader, LoaderError, RecordId, RegionId},
};

/// The records with these ids, through the request's DataLoader, as one generation.
pub async fn by_id<K, V>(ctx: &Context<'_>, ids: Vec<i64>) -> Result<Related<V>>
where
    K: RecordId,
    V: Row,
    ByIdLoader: Loader<K, Value = V, Error = LoaderError>,
{
    let loaders = ctx.data::<Loaders>()?;
    let found: HashMap<K, V> = loaders.load_many(ids.into_iter().map(K::from_id)).await?;
    Ok(Related::from_map(
        found
            .into_iter()
            .map(|(key, row)| (key.id(), row))
            .collect(),
    ))
}

/// Rows that belong to a committee (region), and so have a `region` field.
pub trait InRegion: Row {
    /// The id of the row's region.
    fn region_id(&self) -> i64;

    /// Where a generation keeps its regions.
    fn regions(batches: &Self::Batches) -> &Batch<(), Related<RegionRow>>;
}

/// `region` of any row type that belongs to a committee.
pub struct RegionOf<R>(PhantomData<R>);

impl<R: InRegion> Relation for RegionOf<R> {
    type Parent = R;
    type Args = ();
    type Output = Related<RegionRow>;

    fn batch(batches: &R::Batches) -> &Batch<(), Related<RegionRow>> {
        R::regions(batches)
    }

    async fn load(ctx: &Context<'_>, parents: &[R], _: &()) -> Result<Related<RegionRow>> {
        let ids = parents.iter().map(InRegion::region_id).collect();
        by_id::<RegionId, _>(ctx, ids).await
    }
}
