//! Relationships of role assignments (`domain::roles::Assignment`, table `role_assignments`).

use async_graphql::Context;
use domain::{read::members::Member, regions::Region, roles::Assignment};

use crate::{
    error::Result,
    generation::{Batch, Related, Relation, Row},
    loaders::MemberId,
    relations::{InRegion, by_id},
};

/// The loads a generation of assignments keeps.
#[derive(Default)]
pub struct AssignmentBatches {
    region: Batch<(), Related<Region>>,
    member: Batch<(), Related<Member>>,
}

impl Row for Assignment {
    type Batches = AssignmentBatches;
}

impl InRegion for Assignment {
    fn region_id(&self) -> i64 {
        self.region_id
    }

    fn regions(batches: &AssignmentBatches) -> &Batch<(), Related<Region>> {
        &batches.region
    }
}

/// `RoleAssignment.member`.
pub struct AssignmentMember;

impl Relation for AssignmentMember {
    type Parent = Assignment;
    type Args = ();
    type Output = Related<Member>;

    fn batch(batches: &AssignmentBatches) -> &Batch<(), Related<Member>> {
        &batches.member
    }

    async fn load(ctx: &Context<'_>, parents: &[Assignment], _: &()) -> Result<Related<Member>> {
        let ids = parents.iter().filter_map(|row| row.member_id).collect();
        by_id::<MemberId, _>(ctx, ids).await
    }
}
