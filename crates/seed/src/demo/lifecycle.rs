//! Turns planned sessions into `consultations` rows with a consistent lifecycle
//! (`PROPOSED → APPROVED → RESEARCHING → SCHEDULED → HELD → FOLLOW_UP → CLOSED`, or
//! `CANCELLED` before HELD), their `consultation_status_changes` and their participants.
//!
//! Every history starts with a PROPOSED row whose `from_status` is NULL, times strictly
//! increase, and the actor is "seed". `scheduled_at` is set once a session reached SCHEDULED,
//! `held_at` once it was held.

use chrono::{DateTime, TimeDelta, Utc};
use entity::{
    consultation, consultation_participant, consultation_status_change,
    enums::{ConsultationKind, ConsultationStatus as S, ParticipantRole as R, TopicSource},
};
use sea_orm::ActiveValue::Set;

use super::{
    calendar::{add_days, china_date, cutoff, hm},
    lounges::Lounge,
    members::Roster,
    names::{EXPERT_BODIES, guest_name, town},
    rng::Rng,
    sessions::{Fate, Session},
    world::World,
};
use domain::DomainError;
use domain::write::record_numbers::{NumberedRecord, record_number};

/// Who wrote the seeded history.
pub(crate) const ACTOR: &str = "seed";

/// A held session, as the suggestion generator needs it.
#[derive(Clone, Debug)]
pub(crate) struct Held {
    pub(crate) consultation_id: i64,
    pub(crate) session: usize,
    pub(crate) held_at: DateTime<Utc>,
    pub(crate) status: S,
    /// Members who took part (proposers of suggestions).
    pub(crate) members: Vec<i64>,
}

/// The consultation tables, plus what later generators need.
#[derive(Default)]
pub(crate) struct ConsultationRows {
    pub(crate) consultations: Vec<consultation::ActiveModel>,
    pub(crate) changes: Vec<consultation_status_change::ActiveModel>,
    pub(crate) participants: Vec<consultation_participant::ActiveModel>,
    pub(crate) held: Vec<Held>,
    /// Per session (same order), when it was proposed.
    pub(crate) proposed_at: Vec<DateTime<Utc>>,
}

/// Builds rows for `sessions`; consultation ids are positions + 1.
pub(crate) fn build(
    world: &World,
    roster: &Roster,
    lounges: &[Lounge],
    sessions: &[Session],
) -> Result<ConsultationRows, DomainError> {
    let mut rng = Rng::new("lifecycle");
    let end = cutoff()?;
    let mut out = ConsultationRows::default();
    // Each committee numbers its sessions in id order.
    let mut numbered: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    for (index, session) in sessions.iter().enumerate() {
        let id = index as i64 + 1;
        let count = numbered.entry(session.committee).or_default();
        *count += 1;
        let record_number = record_number(
            NumberedRecord::Consultation,
            &world.get(session.committee).code,
            *count,
        );
        let (path, scheduled_at, held_at, cancel_reason) = history(&mut rng, session, end);
        let status = path
            .last()
            .map(|(status, _)| *status)
            .unwrap_or(S::Proposed);
        for (step, (to, at)) in path.iter().enumerate() {
            let from = step.checked_sub(1).map(|previous| path[previous].0);
            let note = match to {
                S::Cancelled => cancel_reason.clone(),
                S::Scheduled => scheduled_at
                    .map(|at| format!("定于{}召开", china_date(at).format("%Y年%m月%d日"))),
                _ => None,
            };
            out.changes.push(consultation_status_change::ActiveModel {
                id: Set(out.changes.len() as i64 + 1),
                consultation_id: Set(id),
                from_status: Set(from),
                to_status: Set(*to),
                actor: Set(ACTOR.to_owned()),
                note: Set(note),
                changed_at: Set(*at),
                actor_region_id: Set(None),
            });
        }
        let proposed_at = path.first().map(|(_, at)| *at).unwrap_or(end);
        let updated_at = path.last().map(|(_, at)| *at).unwrap_or(end);
        out.proposed_at.push(proposed_at);
        let (submitter_name, submitter_contact) = match &session.submitter {
            Some((name, contact)) => (Some(name.clone()), Some(contact.clone())),
            None => (None, None),
        };
        out.consultations.push(consultation::ActiveModel {
            id: Set(id),
            region_id: Set(world.get(session.committee).id),
            record_number: Set(record_number),
            title: Set(session.title.clone()),
            topic: Set(session.topic.clone()),
            topic_source: Set(session.source),
            kind: Set(session.kind),
            status: Set(status),
            organizer_kind: Set(session.organizer_kind),
            organizer_name: Set(session.organizer_name.clone()),
            lounge_id: Set(session.lounge.map(|l| lounges[l].id)),
            venue: Set(Some(session.venue.clone())),
            scheduled_at: Set(scheduled_at),
            held_at: Set(held_at),
            cancel_reason: Set(cancel_reason),
            submitter_name: Set(submitter_name),
            submitter_contact: Set(submitter_contact),
            // Demo topics predate moderation: they count as accepted, without a receipt.
            receipt_hash: Set(None),
            decided_at: Set(None),
            rejection_reason: Set(None),
            version: Set(path.len().saturating_sub(1) as i32),
            created_at: Set(proposed_at),
            updated_at: Set(updated_at),
        });
        if let Some(held_at) = held_at {
            let members = participants(&mut rng, world, roster, session, id, &mut out.participants);
            out.held.push(Held {
                consultation_id: id,
                session: index,
                held_at,
                status,
                members,
            });
        }
    }
    Ok(out)
}

type History = (
    Vec<(S, DateTime<Utc>)>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<String>,
);

/// The status path with times, `scheduled_at`, `held_at` and the cancellation reason.
fn history(rng: &mut Rng, session: &Session, end: DateTime<Utc>) -> History {
    let day_at = |day, hour| hm(day, hour, 0);
    match &session.fate {
        Fate::Held {
            at,
            status,
            closed_at,
        } => {
            let held_day = china_date(*at);
            let proposed = add_days(held_day, -rng.range(70, 120));
            let approved = add_days(proposed, rng.range(5, 15));
            let researching = add_days(approved, rng.range(2, 7));
            let scheduled = add_days(held_day, -rng.range(10, 25));
            let held_change = *at + TimeDelta::minutes(150);
            let follow_up = day_at(add_days(held_day, rng.range(5, 20)), 10);
            let closed =
                closed_at.unwrap_or_else(|| follow_up + TimeDelta::days(rng.range(60, 200)));
            let target = status.unwrap_or_else(|| {
                let age = (end - *at).num_days();
                if closed < end && rng.chance(75) {
                    S::Closed
                } else if follow_up < end && (age > 20 || rng.chance(50)) {
                    S::FollowUp
                } else {
                    S::Held
                }
            });
            let mut path = vec![
                (S::Proposed, day_at(proposed, 10)),
                (S::Approved, day_at(approved, 15)),
                (S::Researching, day_at(researching, 9)),
                (S::Scheduled, day_at(scheduled, 16)),
                (S::Held, held_change),
            ];
            if matches!(target, S::FollowUp | S::Closed) {
                path.push((S::FollowUp, follow_up));
            }
            if target == S::Closed {
                path.push((S::Closed, closed));
            }
            (path, Some(*at), Some(*at), None)
        }
        Fate::Cancelled {
            reached,
            on,
            reason,
        } => {
            let steps = stages_to(*reached);
            let mut day = add_days(*on, -(steps.len() as i64 * 12 + rng.range(5, 20)));
            let mut path = Vec::new();
            for (number, status) in steps.iter().enumerate() {
                path.push((*status, day_at(day, 10 + number as i64)));
                day = add_days(day, rng.range(5, 10));
            }
            path.push((S::Cancelled, day_at(*on, 16)));
            let scheduled_at =
                (*reached == S::Scheduled).then(|| day_at(add_days(*on, rng.range(5, 20)), 9));
            (path, scheduled_at, None, Some(reason.clone()))
        }
        Fate::Pending {
            reached,
            proposed_on,
            scheduled_at,
        } => {
            let mut day = *proposed_on;
            let mut path = Vec::new();
            for (number, status) in stages_to(*reached).iter().enumerate() {
                path.push((*status, day_at(day, 10 + number as i64)));
                day = add_days(day, rng.range(4, 8));
            }
            (path, *scheduled_at, None, None)
        }
    }
}

/// PROPOSED up to and including `reached` (one of PROPOSED…SCHEDULED).
fn stages_to(reached: S) -> Vec<S> {
    let order = [S::Proposed, S::Approved, S::Researching, S::Scheduled];
    let last = order.iter().position(|s| *s == reached).unwrap_or(0);
    order[..=last].to_vec()
}

/// Participants of a held session; returns the ids of the members among them.
fn participants(
    rng: &mut Rng,
    world: &World,
    roster: &Roster,
    session: &Session,
    consultation_id: i64,
    out: &mut Vec<consultation_participant::ActiveModel>,
) -> Vec<i64> {
    let committee = world.get(session.committee);
    let main = session.kind == ConsultationKind::Main;
    let push = |out: &mut Vec<consultation_participant::ActiveModel>,
                role,
                member_id: Option<i64>,
                name: String,
                organization: String| {
        out.push(consultation_participant::ActiveModel {
            id: Set(out.len() as i64 + 1),
            consultation_id: Set(consultation_id),
            role: Set(role),
            member_id: Set(member_id),
            name: Set(name),
            organization: Set(Some(organization)),
        });
    };
    let presiders = roster.presiders(session.committee);
    let chair = if rng.chance(70) {
        roster.chair(session.committee)
    } else {
        &presiders[rng.index(presiders.len())]
    };
    push(
        out,
        R::PresidingChair,
        Some(chair.id),
        chair.name.clone(),
        committee.cppcc(),
    );
    let has = |role| session.guests.iter().any(|(r, _)| *r == role);
    if !has(R::PartyGovernmentLeader) {
        let bodies = [
            format!("中共{}委员会", committee.name),
            format!("{}人民政府", committee.name),
        ];
        for body in bodies.iter().take(if main { 2 } else { 1 }) {
            push(
                out,
                R::PartyGovernmentLeader,
                None,
                guest_name(rng, 20),
                body.clone(),
            );
        }
    }
    let departments = if main { 3 } else { 2 };
    for department in session.departments.iter().take(departments) {
        push(
            out,
            R::Department,
            None,
            guest_name(rng, 30),
            department.clone(),
        );
    }
    let wanted = if main {
        rng.range(5, 8)
    } else {
        rng.range(3, 5)
    } as usize;
    let drawn = roster.draw_active(rng, session.committee, wanted);
    let members: Vec<i64> = drawn.iter().map(|p| p.id).collect();
    for person in drawn {
        push(
            out,
            R::Member,
            Some(person.id),
            person.name.clone(),
            committee.cppcc(),
        );
    }
    for _ in 0..if main {
        rng.range(1, 2)
    } else {
        rng.range(0, 1)
    } {
        let name = guest_name(rng, 35);
        push(
            out,
            R::Expert,
            None,
            name,
            (*rng.pick(EXPERT_BODIES)).to_owned(),
        );
    }
    if !has(R::PublicRepresentative) {
        let count = if session.source == TopicSource::Public {
            rng.range(2, 4)
        } else {
            rng.range(1, 3)
        };
        for _ in 0..count {
            let organization = format!(
                "{}{}",
                town(rng),
                rng.pick(&["居民代表", "村民代表", "企业代表", "商户代表"])
            );
            push(
                out,
                R::PublicRepresentative,
                None,
                guest_name(rng, 45),
                organization,
            );
        }
    }
    for (role, organization) in &session.guests {
        push(out, *role, None, guest_name(rng, 30), organization.clone());
    }
    members
}
