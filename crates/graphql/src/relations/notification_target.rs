//! Relationships of notification targets (`domain::read::notification_targets::NotificationTarget`,
//! table `notification_targets`).

use async_graphql::Context;
use domain::{
    Db,
    page::PageRequest,
    read::{deliveries::Delivery, notification_targets::NotificationTarget},
    regions::Region,
};

use crate::{
    error::Result,
    generation::{Batch, Nested, Related, Relation, Row},
    relations::InRegion,
    types::notification::DeliveryFilter,
};

/// The loads a generation of targets keeps.
#[derive(Default)]
pub struct TargetBatches {
    region: Batch<(), Related<Region>>,
    deliveries: Batch<(Option<DeliveryFilter>, PageRequest), Nested<Delivery>>,
}

impl Row for NotificationTarget {
    type Batches = TargetBatches;
}

impl InRegion for NotificationTarget {
    fn region_id(&self) -> i64 {
        self.region_id
    }

    fn regions(batches: &TargetBatches) -> &Batch<(), Related<Region>> {
        &batches.region
    }
}

/// `NotificationTarget.deliveries`.
pub struct TargetDeliveries;

impl Relation for TargetDeliveries {
    type Parent = NotificationTarget;
    type Args = (Option<DeliveryFilter>, PageRequest);
    type Output = Nested<Delivery>;

    fn batch(batches: &TargetBatches) -> &Batch<Self::Args, Nested<Delivery>> {
        &batches.deliveries
    }

    async fn load(
        ctx: &Context<'_>,
        parents: &[NotificationTarget],
        (filter, page): &Self::Args,
    ) -> Result<Nested<Delivery>> {
        let db = ctx.data::<Db>()?;
        let filter = DeliveryFilter::resolve(filter.clone())?;
        let ids: Vec<i64> = parents.iter().map(|row| row.id).collect();
        let pages = domain::read::deliveries::pages_by_target(db, &ids, &filter, *page).await?;
        Ok(Nested::from_pages(pages))
    }
}
