//! Relationships of CPPCC members (`domain::read::members::Member`, table `members`), through
//! `lounge_memberships` and `consultation_participants`.

use std::collections::HashMap;

use async_graphql::Context;
use domain::{
    Db,
    page::PageRequest,
    read::{consultations::Consultation, lounges::Lounge, members::Member},
    regions::Region,
};
use entity::lounge_membership;

use crate::{
    error::Result,
    generation::{Batch, Nested, Related, Relation, Row},
    loaders::LoungeId,
    relations::{InRegion, by_id},
    types::consultation::{ConsultationFilter, ConsultationOrder},
};

/// The loads a generation of members keeps.
#[derive(Default)]
pub struct MemberBatches {
    region: Batch<(), Related<Region>>,
    lounges: Batch<(), Memberships>,
    consultations: Batch<ConsultationArgs, Nested<Consultation>>,
}

impl Row for Member {
    type Batches = MemberBatches;
}

impl InRegion for Member {
    fn region_id(&self) -> i64 {
        self.region_id
    }

    fn regions(batches: &MemberBatches) -> &Batch<(), Related<Region>> {
        &batches.region
    }
}

fn ids(members: &[Member]) -> Vec<i64> {
    members.iter().map(|row| row.id).collect()
}

/// Every member's lounge memberships, and the lounges as one generation.
pub struct Memberships {
    /// Each member's memberships, oldest first.
    pub memberships: HashMap<i64, Vec<lounge_membership::Model>>,
    /// The lounges of every membership.
    pub lounges: Related<Lounge>,
}

/// `Member.lounges`: memberships, current and former.
pub struct MemberLounges;

impl Relation for MemberLounges {
    type Parent = Member;
    type Args = ();
    type Output = Memberships;

    fn batch(batches: &MemberBatches) -> &Batch<(), Memberships> {
        &batches.lounges
    }

    async fn load(ctx: &Context<'_>, parents: &[Member], _: &()) -> Result<Memberships> {
        let db = ctx.data::<Db>()?;
        let memberships = domain::read::members::memberships(db, &ids(parents)).await?;
        let lounge_ids = memberships
            .values()
            .flatten()
            .map(|membership| membership.lounge_id);
        let lounges = by_id::<LoungeId, _>(ctx, lounge_ids.collect()).await?;
        Ok(Memberships {
            memberships,
            lounges,
        })
    }
}

/// The arguments of `Member.consultations`.
pub type ConsultationArgs = (
    Option<ConsultationFilter>,
    Option<ConsultationOrder>,
    PageRequest,
);

/// `Member.consultations`: the consultations the member took part in.
pub struct MemberConsultations;

impl Relation for MemberConsultations {
    type Parent = Member;
    type Args = ConsultationArgs;
    type Output = Nested<Consultation>;

    fn batch(batches: &MemberBatches) -> &Batch<ConsultationArgs, Nested<Consultation>> {
        &batches.consultations
    }

    async fn load(
        ctx: &Context<'_>,
        parents: &[Member],
        (filter, order_by, page): &ConsultationArgs,
    ) -> Result<Nested<Consultation>> {
        let db = ctx.data::<Db>()?;
        let actor = ctx.data::<domain::Actor>()?;
        let filter = ConsultationFilter::resolve(filter.clone(), db, actor).await?;
        let order = order_by.map(Into::into).unwrap_or_default();
        let pages =
            domain::read::consultations::pages_by_member(db, &ids(parents), &filter, order, *page)
                .await?;
        Ok(Nested::from_pages(pages))
    }
}
