//! Relationships of slot requests (`domain::read::slot_requests::SlotRequest`, table
//! `slot_requests`).

use async_graphql::Context;
use domain::{
    read::{consultations::Consultation, slot_requests::SlotRequest},
    regions::Region,
};

use crate::{
    error::Result,
    generation::{Batch, Related, Relation, Row},
    loaders::ConsultationId,
    relations::{InRegion, by_id},
};

/// The loads a generation of slot requests keeps.
#[derive(Default)]
pub struct SlotRequestBatches {
    region: Batch<(), Related<Region>>,
    consultation: Batch<(), Related<Consultation>>,
}

impl Row for SlotRequest {
    type Batches = SlotRequestBatches;
}

impl InRegion for SlotRequest {
    fn region_id(&self) -> i64 {
        self.row.region_id
    }

    fn regions(batches: &SlotRequestBatches) -> &Batch<(), Related<Region>> {
        &batches.region
    }
}

/// `SlotRequest.consultation`.
pub struct SlotRequestConsultation;

impl Relation for SlotRequestConsultation {
    type Parent = SlotRequest;
    type Args = ();
    type Output = Related<Consultation>;

    fn batch(batches: &SlotRequestBatches) -> &Batch<(), Related<Consultation>> {
        &batches.consultation
    }

    async fn load(ctx: &Context<'_>, parents: &[SlotRequest], _: &()) -> Result<Self::Output> {
        let ids = parents
            .iter()
            .filter_map(|request| request.row.consultation_id)
            .collect();
        by_id::<ConsultationId, _>(ctx, ids).await
    }
}
