//! Lounge memberships: on 2020-12-31 exactly 146 distinct lead members (牵头委员) and 587
//! distinct team members (团队成员), the article's figures.
//!
//! Every lounge has one lead, 36 have two; leads and team members are different people. Eight
//! team members serve two lounges (counted once). Twenty more members left a lounge during 2019
//! and are in no other lounge, so counting memberships without looking at `until` gives the
//! wrong answer, while counting memberships active at any time in 2020 (the statistics' rule)
//! and on 2020-12-31 give the same 146 and 587.

use chrono::NaiveDate;
use entity::{enums::LoungeRole, lounge_membership};
use sea_orm::ActiveValue::Set;

use super::{
    calendar::{add_days, days_between, hm, last_day, ymd},
    lounges::Lounge,
    members::{Person, Roster},
    rng::Rng,
    world::World,
};
use domain::DomainError;

/// Distinct lead members on 2020-12-31.
pub(crate) const LEADS: usize = 146;
/// Distinct team members on 2020-12-31.
pub(crate) const TEAM: usize = 587;
/// Team members who serve two lounges.
const DOUBLE_TEAM: usize = 8;
/// Members whose only membership ended before 2020-12-31.
const ENDED: usize = 20;

/// A membership, as later generators see it.
#[derive(Clone, Debug)]
pub(crate) struct Membership {
    pub(crate) lounge: usize,
    pub(crate) member_id: i64,
    pub(crate) role: LoungeRole,
    pub(crate) since: NaiveDate,
    pub(crate) until: Option<NaiveDate>,
}

impl Membership {
    /// True when the member belonged to the lounge on `day`.
    pub(crate) fn active_on(&self, day: NaiveDate) -> bool {
        self.since <= day && self.until.is_none_or(|until| until >= day)
    }
}

/// Draws members nobody has drawn before: from the lounge's committee mostly, sometimes from
/// the committee above it (lounges recruit across tiers).
struct Draw<'a> {
    roster: &'a Roster,
    taken: Vec<bool>,
}

impl Draw<'_> {
    fn fresh(
        &mut self,
        rng: &mut Rng,
        world: &World,
        committee: usize,
    ) -> Result<i64, DomainError> {
        for attempt in 0..400 {
            let source = match world.get(committee).parent {
                Some(parent) if attempt < 200 && rng.chance(15) => parent,
                _ => committee,
            };
            let pool: &[Person] = self.roster.ordinary(source);
            if pool.is_empty() {
                continue;
            }
            let person = &pool[rng.index(pool.len())];
            let slot = (person.id - 1) as usize;
            if person.active && !self.taken[slot] {
                self.taken[slot] = true;
                return Ok(person.id);
            }
        }
        Err(DomainError::Refused(format!(
            "demo data: committee {} has too few free members for its lounges",
            world.get(committee).code
        )))
    }
}

/// Membership rows and their descriptions.
pub(crate) fn build(
    world: &World,
    roster: &Roster,
    lounges: &[Lounge],
) -> Result<(Vec<lounge_membership::ActiveModel>, Vec<Membership>), DomainError> {
    let mut rng = Rng::new("memberships");
    let mut draw = Draw {
        roster,
        taken: vec![false; roster.people.len()],
    };
    let end = last_day()?;
    let last_joining = ymd(2020, 12, 20)?;
    let opened_early = ymd(2019, 6, 30)?;
    let mut list: Vec<Membership> = Vec::with_capacity(800);
    let joined = |rng: &mut Rng, lounge: &Lounge, late: bool| {
        if late {
            let room = days_between(lounge.established_on, last_joining);
            add_days(lounge.established_on, rng.range(0, room.max(0)))
        } else {
            lounge.established_on
        }
    };

    // Leads: one per lounge, a second one in 36 lounges.
    let mut order: Vec<usize> = (0..lounges.len()).collect();
    rng.shuffle(&mut order);
    let mut lead_count = vec![1usize; lounges.len()];
    for &lounge in order.iter().take(LEADS.saturating_sub(lounges.len())) {
        lead_count[lounge] += 1;
    }
    for (index, lounge) in lounges.iter().enumerate() {
        for number in 0..lead_count[index] {
            let member_id = draw.fresh(&mut rng, world, lounge.committee)?;
            let late = number > 0 && rng.chance(30);
            let since = joined(&mut rng, lounge, late);
            list.push(Membership {
                lounge: index,
                member_id,
                role: LoungeRole::Lead,
                since,
                until: None,
            });
        }
    }

    // Team members: five per lounge, plus the rest spread at random (at most eight each).
    let slots = TEAM + DOUBLE_TEAM;
    let mut team_count = vec![5usize; lounges.len()];
    let mut extra = slots.saturating_sub(5 * lounges.len());
    while extra > 0 {
        let lounge = rng.index(lounges.len());
        if team_count[lounge] < 8 {
            team_count[lounge] += 1;
            extra -= 1;
        }
    }
    let mut team_members: Vec<(usize, i64)> = Vec::new();
    for (index, lounge) in lounges.iter().enumerate() {
        for _ in 0..team_count[index] {
            let member_id = draw.fresh(&mut rng, world, lounge.committee)?;
            let late = rng.chance(25);
            let since = joined(&mut rng, lounge, late);
            list.push(Membership {
                lounge: index,
                member_id,
                role: LoungeRole::Team,
                since,
                until: None,
            });
            team_members.push((index, member_id));
        }
    }
    // Give eight team places to members already on another lounge's team: drop the last
    // fresh member of eight lounges and enrol someone from a lounge of the same city.
    let mut doubled = 0;
    let mut cursor = 0;
    while doubled < DOUBLE_TEAM && cursor < lounges.len() * 4 {
        cursor += 1;
        let lounge = rng.index(lounges.len());
        let city = world.city_of(lounges[lounge].committee);
        let candidate = team_members.iter().find(|(other, member)| {
            *other != lounge
                && world.city_of(lounges[*other].committee) == city
                && !list
                    .iter()
                    .any(|m| m.lounge == lounge && m.member_id == *member)
                && team_members.iter().filter(|(_, id)| id == member).count() == 1
        });
        let Some(&(_, member_id)) = candidate else {
            continue;
        };
        let Some(position) = list
            .iter()
            .rposition(|m| m.lounge == lounge && m.role == LoungeRole::Team)
        else {
            continue;
        };
        let replaced = list[position].member_id;
        if team_members
            .iter()
            .filter(|(_, id)| *id == replaced)
            .count()
            != 1
        {
            continue;
        }
        draw.taken[(replaced - 1) as usize] = false;
        list[position].member_id = member_id;
        if let Some(entry) = team_members
            .iter_mut()
            .find(|(l, id)| *l == lounge && *id == replaced)
        {
            entry.1 = member_id;
        }
        doubled += 1;
    }
    if doubled < DOUBLE_TEAM {
        return Err(DomainError::Refused(
            "demo data: could not place the team members who serve two lounges".to_owned(),
        ));
    }
    // Three memberships end on the last day itself: still counted on 2020-12-31.
    for membership in list
        .iter_mut()
        .filter(|m| m.role == LoungeRole::Team)
        .step_by(199)
        .take(3)
    {
        membership.until = Some(end);
    }

    // Members who left: their lounge opened early enough for them to serve a while.
    let early: Vec<usize> = (0..lounges.len())
        .filter(|&index| lounges[index].established_on <= opened_early)
        .collect();
    for number in 0..ENDED {
        let lounge = early[rng.index(early.len())];
        let since = lounges[lounge].established_on;
        let left = if number % 2 == 0 {
            add_days(ymd(2019, 9, 1)?, rng.range(0, 110))
        } else {
            add_days(ymd(2019, 4, 1)?, rng.range(0, 90))
        };
        let member_id = draw.fresh(&mut rng, world, lounges[lounge].committee)?;
        let role = if number % 4 == 0 {
            LoungeRole::Lead
        } else {
            LoungeRole::Team
        };
        list.push(Membership {
            lounge,
            member_id,
            role,
            since,
            until: Some(left.max(add_days(since, 60))),
        });
    }

    let rows = list
        .iter()
        .enumerate()
        .map(|(index, m)| lounge_membership::ActiveModel {
            id: Set(index as i64 + 1),
            lounge_id: Set(lounges[m.lounge].id),
            member_id: Set(m.member_id),
            role: Set(m.role),
            since: Set(m.since),
            until: Set(m.until),
            created_at: Set(hm(m.since, 10, 30)),
        })
        .collect();
    Ok((rows, list))
}
