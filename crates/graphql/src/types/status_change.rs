//! `StatusChange`: one entry of a consultation's `statusHistory`, with who made it as far as
//! the caller may know (see `domain::read::status_actors`).

use async_graphql::{ComplexObject, Context, SimpleObject};
use chrono::{DateTime, Utc};
use domain::{Actor, read::status_actors};
use entity::consultation_status_change;

use crate::{
    Loaders,
    error::Result,
    generation::Sibling,
    loaders::RegionId,
    types::{
        consultation::ConsultationStatus,
        region::{Region, RegionNode},
        viewer::Role,
    },
};

/// A change of a consultation's status.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct StatusChange {
    /// The status before; null for the first entry.
    pub from: Option<ConsultationStatus>,
    /// The status after.
    pub to: ConsultationStatus,
    /// When the change happened.
    pub at: DateTime<Utc>,
    /// Who made the change. Staff whose scope covers the consultation's committee see the
    /// token's role and subject (`PROVINCE_STAFF:alice`); every other caller, the anonymous
    /// public included, sees the role alone (`PROVINCE_STAFF`), never the person.
    /// `anonymous` marks a public submission, `seed` the demo data.
    pub actor: String,
    /// The role of the token that made the change, for every caller; null for a public
    /// submission and for seeded history.
    pub actor_role: Option<Role>,
    /// Why, or what happened.
    pub note: Option<String>,
    /// The committee of the token that made the change, kept for `actorCommittee`.
    #[graphql(skip)]
    pub actor_region_id: Option<i64>,
}

impl StatusChange {
    /// The stored change of a consultation of committee `region_id`, as `viewer` may see it.
    pub fn shown_to(
        change: &consultation_status_change::Model,
        region_id: i64,
        viewer: &Actor,
    ) -> Self {
        let actor = status_actors::shown(&change.actor, change.actor_region_id, region_id, viewer);
        Self {
            from: change.from_status.map(Into::into),
            to: change.to_status.into(),
            at: change.changed_at,
            actor: actor.name,
            actor_role: actor.role.map(Into::into),
            note: change.note.clone(),
            actor_region_id: actor.region_id,
        }
    }
}

#[ComplexObject]
impl StatusChange {
    /// The committee (region) of the token that made the change, for every caller; null for
    /// a public submission, for seeded history and for changes recorded before the committee
    /// was stored.
    async fn actor_committee(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        let Some(region_id) = self.actor_region_id else {
            return Ok(None);
        };
        // The loader batches the committees of every change of the response into one read.
        let found = ctx
            .data::<Loaders>()?
            .load_many([RegionId(region_id)])
            .await?;
        Ok(found
            .into_values()
            .next()
            .map(|row| Region::from_node(RegionNode::single(row))))
    }
}
