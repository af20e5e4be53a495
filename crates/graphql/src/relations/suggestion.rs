//! Relationships of suggestions (`domain::read::suggestions::Suggestion`, table `suggestions`).

use std::collections::HashMap;

use async_graphql::Context;
use domain::{
    Db,
    read::{consultations::Consultation, members::Member, suggestions::Suggestion},
};
use entity::suggestion_follow_up;

use crate::{
    error::Result,
    generation::{Batch, Related, Relation, Row},
    loaders::{ConsultationId, MemberId},
    relations::by_id,
};

/// The loads a generation of suggestions keeps.
#[derive(Default)]
pub struct SuggestionBatches {
    follow_ups: Batch<(), HashMap<i64, Vec<suggestion_follow_up::Model>>>,
    consultation: Batch<(), Related<Consultation>>,
    proposer: Batch<(), Related<Member>>,
}

impl Row for Suggestion {
    type Batches = SuggestionBatches;
}

/// `Suggestion.followUps`.
pub struct SuggestionFollowUps;

impl Relation for SuggestionFollowUps {
    type Parent = Suggestion;
    type Args = ();
    type Output = HashMap<i64, Vec<suggestion_follow_up::Model>>;

    fn batch(batches: &SuggestionBatches) -> &Batch<(), Self::Output> {
        &batches.follow_ups
    }

    async fn load(ctx: &Context<'_>, parents: &[Suggestion], _: &()) -> Result<Self::Output> {
        let db = ctx.data::<Db>()?;
        let ids: Vec<i64> = parents.iter().map(|row| row.id).collect();
        Ok(domain::read::suggestions::follow_ups(db, &ids).await?)
    }
}

/// `Suggestion.consultation`.
pub struct SuggestionConsultation;

impl Relation for SuggestionConsultation {
    type Parent = Suggestion;
    type Args = ();
    type Output = Related<Consultation>;

    fn batch(batches: &SuggestionBatches) -> &Batch<(), Related<Consultation>> {
        &batches.consultation
    }

    async fn load(ctx: &Context<'_>, parents: &[Suggestion], _: &()) -> Result<Self::Output> {
        let ids = parents.iter().map(|row| row.consultation_id).collect();
        by_id::<ConsultationId, _>(ctx, ids).await
    }
}

/// `SuggestionProposer.member`.
pub struct SuggestionProposerMember;

impl Relation for SuggestionProposerMember {
    type Parent = Suggestion;
    type Args = ();
    type Output = Related<Member>;

    fn batch(batches: &SuggestionBatches) -> &Batch<(), Related<Member>> {
        &batches.proposer
    }

    async fn load(ctx: &Context<'_>, parents: &[Suggestion], _: &()) -> Result<Self::Output> {
        let ids = parents
            .iter()
            .filter_map(|row| row.proposer_member_id)
            .collect();
        by_id::<MemberId, _>(ctx, ids).await
    }
}
