//! Relationships of deliveries (`domain::read::deliveries::Delivery`, table `deliveries`).

use std::{collections::HashMap, sync::Arc};

use async_graphql::Context;
use domain::{
    Actor, Db,
    read::{deliveries::Delivery, notification_targets::NotificationTarget},
};

use crate::{
    error::Result,
    generation::{Batch, Related, Relation, Row},
    types::event::{Event, EventGeneration},
};

/// The loads a generation of deliveries keeps.
#[derive(Default)]
pub struct DeliveryBatches {
    target: Batch<(), Related<NotificationTarget>>,
    event: Batch<(), HashMap<i64, Event>>,
}

impl Row for Delivery {
    type Batches = DeliveryBatches;
}

/// `Delivery.target`. Not through the by-id DataLoader: which targets a caller may read depends
/// on the caller, so the read takes the actor.
pub struct DeliveryTarget;

impl Relation for DeliveryTarget {
    type Parent = Delivery;
    type Args = ();
    type Output = Related<NotificationTarget>;

    fn batch(batches: &DeliveryBatches) -> &Batch<(), Related<NotificationTarget>> {
        &batches.target
    }

    async fn load(ctx: &Context<'_>, parents: &[Delivery], _: &()) -> Result<Self::Output> {
        let db = ctx.data::<Db>()?;
        let actor = ctx.data::<Actor>()?;
        let ids: Vec<i64> = parents.iter().map(|row| row.target_id).collect();
        Ok(Related::from_map(
            domain::read::notification_targets::by_ids(db, actor, &ids).await?,
        ))
    }
}

/// `Delivery.event`: the outbox event, by sequence number.
pub struct DeliveryEvent;

impl Relation for DeliveryEvent {
    type Parent = Delivery;
    type Args = ();
    type Output = HashMap<i64, Event>;

    fn batch(batches: &DeliveryBatches) -> &Batch<(), HashMap<i64, Event>> {
        &batches.event
    }

    async fn load(ctx: &Context<'_>, parents: &[Delivery], _: &()) -> Result<Self::Output> {
        let db = ctx.data::<Db>()?;
        let sequences: Vec<i64> = parents.iter().map(|row| row.event_sequence).collect();
        let records = domain::events::by_sequences(db, &sequences).await?;
        let sequences: Vec<i64> = records.iter().map(|record| record.sequence).collect();
        let events = EventGeneration::events(records.into_iter().map(Arc::new).collect());
        Ok(sequences.into_iter().zip(events).collect())
    }
}
