//! Relationships of consultations (`domain::read::consultations::Consultation`, table
//! `consultations`) and of their participants (table `consultation_participants`).

use std::collections::HashMap;

use async_graphql::Context;
use domain::{
    Db,
    page::PageRequest,
    read::{
        consultations::{self as read, Consultation},
        lounges::Lounge,
        members::Member,
        suggestions::Suggestion,
    },
    regions::Region,
};
use entity::{consultation_participant, consultation_status_change};

use crate::{
    error::Result,
    generation::{Batch, Lists, Nested, Related, Relation, Row},
    loaders::{LoungeId, MemberId},
    relations::{InRegion, by_id},
    types::suggestion::SuggestionFilter,
};

/// The loads a generation of consultations keeps.
#[derive(Default)]
pub struct ConsultationBatches {
    region: Batch<(), Related<Region>>,
    lounge: Batch<(), Related<Lounge>>,
    participants: Batch<(), Lists<consultation_participant::Model>>,
    suggestions: Batch<(Option<SuggestionFilter>, PageRequest), Nested<Suggestion>>,
    status_history: Batch<(), HashMap<i64, Vec<consultation_status_change::Model>>>,
}

impl Row for Consultation {
    type Batches = ConsultationBatches;
}

impl InRegion for Consultation {
    fn region_id(&self) -> i64 {
        self.region_id
    }

    fn regions(batches: &ConsultationBatches) -> &Batch<(), Related<Region>> {
        &batches.region
    }
}

fn ids(consultations: &[Consultation]) -> Vec<i64> {
    consultations.iter().map(|row| row.id).collect()
}

/// `Consultation.lounge`.
pub struct ConsultationLounge;

impl Relation for ConsultationLounge {
    type Parent = Consultation;
    type Args = ();
    type Output = Related<Lounge>;

    fn batch(batches: &ConsultationBatches) -> &Batch<(), Related<Lounge>> {
        &batches.lounge
    }

    async fn load(ctx: &Context<'_>, parents: &[Consultation], _: &()) -> Result<Related<Lounge>> {
        let ids = parents.iter().filter_map(|row| row.lounge_id).collect();
        by_id::<LoungeId, _>(ctx, ids).await
    }
}

/// `Consultation.participants`.
pub struct ConsultationParticipants;

impl Relation for ConsultationParticipants {
    type Parent = Consultation;
    type Args = ();
    type Output = Lists<consultation_participant::Model>;

    fn batch(batches: &ConsultationBatches) -> &Batch<(), Self::Output> {
        &batches.participants
    }

    async fn load(ctx: &Context<'_>, parents: &[Consultation], _: &()) -> Result<Self::Output> {
        let db = ctx.data::<Db>()?;
        Ok(Lists::from_lists(
            read::participants(db, &ids(parents)).await?,
        ))
    }
}

/// `Consultation.suggestions`.
pub struct ConsultationSuggestions;

impl Relation for ConsultationSuggestions {
    type Parent = Consultation;
    type Args = (Option<SuggestionFilter>, PageRequest);
    type Output = Nested<Suggestion>;

    fn batch(batches: &ConsultationBatches) -> &Batch<Self::Args, Nested<Suggestion>> {
        &batches.suggestions
    }

    async fn load(
        ctx: &Context<'_>,
        parents: &[Consultation],
        (filter, page): &Self::Args,
    ) -> Result<Nested<Suggestion>> {
        let db = ctx.data::<Db>()?;
        let filter = SuggestionFilter::resolve(filter.clone());
        let pages =
            domain::read::suggestions::pages_by_consultation(db, &ids(parents), &filter, *page)
                .await?;
        Ok(Nested::from_pages(pages))
    }
}

/// `Consultation.statusHistory`.
pub struct ConsultationStatusHistory;

impl Relation for ConsultationStatusHistory {
    type Parent = Consultation;
    type Args = ();
    type Output = HashMap<i64, Vec<consultation_status_change::Model>>;

    fn batch(batches: &ConsultationBatches) -> &Batch<(), Self::Output> {
        &batches.status_history
    }

    async fn load(ctx: &Context<'_>, parents: &[Consultation], _: &()) -> Result<Self::Output> {
        let db = ctx.data::<Db>()?;
        Ok(read::status_history(db, &ids(parents)).await?)
    }
}

/// The loads a generation of consultation participants keeps.
#[derive(Default)]
pub struct ParticipantBatches {
    member: Batch<(), Related<Member>>,
}

impl Row for consultation_participant::Model {
    type Batches = ParticipantBatches;
}

/// `ConsultationParticipant.member`.
pub struct ParticipantMember;

impl Relation for ParticipantMember {
    type Parent = consultation_participant::Model;
    type Args = ();
    type Output = Related<Member>;

    fn batch(batches: &ParticipantBatches) -> &Batch<(), Related<Member>> {
        &batches.member
    }

    async fn load(
        ctx: &Context<'_>,
        parents: &[consultation_participant::Model],
        _: &(),
    ) -> Result<Related<Member>> {
        let ids = parents.iter().filter_map(|row| row.member_id).collect();
        by_id::<MemberId, _>(ctx, ids).await
    }
}
