//! Relationships of lounge activities (`domain::read::activities::Activity`, table
//! `lounge_activities`), through `lounge_activity_hosts` and `lounge_activity_participants`.

use std::collections::HashMap;

use async_graphql::Context;
use domain::{
    Db,
    read::{activities::Activity, lounges::Lounge, members::Member},
};
use entity::enums::ActivityHostStatus;

use crate::{
    error::Result,
    generation::{Batch, Lists, Relation, Row},
};

/// The loads a generation of activities keeps.
#[derive(Default)]
pub struct ActivityBatches {
    lounges: Batch<(), Lists<Lounge>>,
    hosts: Batch<(), ActivityHosts>,
    participants: Batch<(), Lists<Member>>,
}

impl Row for Activity {
    type Batches = ActivityBatches;
}

fn ids(activities: &[Activity]) -> Vec<i64> {
    activities.iter().map(|row| row.id).collect()
}

/// `LoungeActivity.lounges`: the CONFIRMED hosts.
pub struct ActivityLounges;

impl Relation for ActivityLounges {
    type Parent = Activity;
    type Args = ();
    type Output = Lists<Lounge>;

    fn batch(batches: &ActivityBatches) -> &Batch<(), Lists<Lounge>> {
        &batches.lounges
    }

    async fn load(ctx: &Context<'_>, parents: &[Activity], _: &()) -> Result<Lists<Lounge>> {
        let db = ctx.data::<Db>()?;
        let hosts = domain::read::activities::hosts(db, &ids(parents)).await?;
        Ok(Lists::from_lists(hosts))
    }
}

/// Every host lounge of every activity with its answer, the lounges as one generation.
pub struct ActivityHosts {
    /// The lounges, listed per activity.
    pub lounges: Lists<Lounge>,
    /// Each activity's answers, in the order of its lounges.
    pub statuses: HashMap<i64, Vec<ActivityHostStatus>>,
}

/// `LoungeActivity.hosts`: every lounge named as a host, with its answer.
pub struct ActivityHostLinks;

impl Relation for ActivityHostLinks {
    type Parent = Activity;
    type Args = ();
    type Output = ActivityHosts;

    fn batch(batches: &ActivityBatches) -> &Batch<(), ActivityHosts> {
        &batches.hosts
    }

    async fn load(ctx: &Context<'_>, parents: &[Activity], _: &()) -> Result<ActivityHosts> {
        let db = ctx.data::<Db>()?;
        let mut lounges = HashMap::new();
        let mut statuses = HashMap::new();
        for (activity_id, links) in domain::read::activities::host_links(db, &ids(parents)).await? {
            let (rows, states): (Vec<_>, Vec<_>) = links.into_iter().unzip();
            lounges.insert(activity_id, rows);
            statuses.insert(activity_id, states);
        }
        Ok(ActivityHosts {
            lounges: Lists::from_lists(lounges),
            statuses,
        })
    }
}

/// `LoungeActivity.participants`.
pub struct ActivityParticipants;

impl Relation for ActivityParticipants {
    type Parent = Activity;
    type Args = ();
    type Output = Lists<Member>;

    fn batch(batches: &ActivityBatches) -> &Batch<(), Lists<Member>> {
        &batches.participants
    }

    async fn load(ctx: &Context<'_>, parents: &[Activity], _: &()) -> Result<Lists<Member>> {
        let db = ctx.data::<Db>()?;
        let participants = domain::read::activities::participants(db, &ids(parents)).await?;
        Ok(Lists::from_lists(participants))
    }
}
