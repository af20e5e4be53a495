//! "请你来协商" sessions of the county-level committees: every year 2011–2020, 6 main sessions
//! (one every two months, always held) and 2–6 micro ones (about 4% cancelled), plus two
//! sessions being prepared for 2021. City and provincial committees get none in this data set.

use chrono::{DateTime, TimeDelta, Utc};
use domain::write::record_numbers::{NumberedRecord, record_number};
use entity::{
    consultation,
    enums::{ConsultationKind, ConsultationStatus, OrganizerKind, RegionLevel, TopicSource},
};
use sea_orm::ActiveValue::Set;

use super::lounges::Lounge;
use super::plan::Committee;
use super::sink::Sink;
use super::text::{ORGANIZERS, TOPICS};
use crate::Progress;
use crate::demo::{
    calendar::{add_days, cutoff, hm, ymd},
    names::guest_name,
};
use domain::{Db, DomainError};

/// First and last year with sessions.
pub(super) const FIRST_YEAR: i32 = 2011;
pub(super) const LAST_YEAR: i32 = 2020;

/// What the suggestions need to know about a session (kept for all ~300,000 sessions).
#[derive(Clone, Copy, Debug)]
pub(super) struct Planned {
    pub(super) id: i64,
    /// Index of the committee in the committee list.
    pub(super) committee: u32,
    pub(super) status: ConsultationStatus,
    pub(super) held_at: Option<DateTime<Utc>>,
    /// Index into [`TOPICS`].
    pub(super) topic: u8,
    /// Suggestions made at the session (0 unless held).
    pub(super) suggestions: u8,
}

/// The latest time a seeded change may carry: one hour before the end of the data set.
pub(super) fn latest() -> Result<DateTime<Utc>, DomainError> {
    Ok(cutoff()? - TimeDelta::hours(1))
}

/// Optimistic-concurrency version after the usual path to `status`.
fn version(status: ConsultationStatus) -> i32 {
    match status {
        ConsultationStatus::Proposed => 0,
        ConsultationStatus::Approved => 1,
        ConsultationStatus::Researching | ConsultationStatus::Cancelled => 2,
        ConsultationStatus::Scheduled => 3,
        ConsultationStatus::Held => 4,
        ConsultationStatus::FollowUp => 5,
        ConsultationStatus::Closed => 6,
        // The national seed has no public topics in moderation.
        ConsultationStatus::Submitted => 0,
        ConsultationStatus::Rejected => 1,
    }
}

/// The sessions of one committee with ids from `first_id` (none unless it is a county).
/// `lounges` are the committee's own lounges.
fn for_committee(
    index: usize,
    committee: &Committee,
    lounges: &[Lounge],
    first_id: i64,
) -> Result<Vec<(Planned, consultation::ActiveModel)>, DomainError> {
    let mut out = Vec::new();
    if committee.level != RegionLevel::County {
        return Ok(out);
    }
    let mut rng = committee.rng("consultations");
    let latest = latest()?;
    let cppcc = committee.cppcc();
    for year in FIRST_YEAR..=LAST_YEAR + 1 {
        let sessions = if year > LAST_YEAR {
            2
        } else {
            6 + rng.range(2, 6)
        };
        for i in 0..sessions {
            let main = i < 6;
            let topic = rng.index(TOPICS.len());
            let (status, date) = if year > LAST_YEAR {
                let status = [
                    ConsultationStatus::Proposed,
                    ConsultationStatus::Approved,
                    ConsultationStatus::Researching,
                    ConsultationStatus::Scheduled,
                ][rng.index(4)];
                (
                    status,
                    ymd(year, 1 + i as u32 * 2, rng.range(5, 25) as u32)?,
                )
            } else {
                let month = if main {
                    1 + 2 * i as u32 + rng.below(2) as u32
                } else {
                    1 + rng.below(12) as u32
                };
                let date = ymd(year, month, rng.range(1, 28) as u32)?;
                let status = if !main && rng.chance(4) {
                    ConsultationStatus::Cancelled
                } else if year <= 2018 || (year == 2019 && rng.chance(80)) {
                    ConsultationStatus::Closed
                } else if year == 2019 {
                    ConsultationStatus::FollowUp
                } else if month >= 11 {
                    ConsultationStatus::Held
                } else if rng.chance(40) {
                    ConsultationStatus::Closed
                } else {
                    ConsultationStatus::FollowUp
                };
                (status, date)
            };
            let at = hm(date, 14, 30);
            let held = matches!(
                status,
                ConsultationStatus::Held
                    | ConsultationStatus::FollowUp
                    | ConsultationStatus::Closed
            );
            let draw = rng.below(100);
            let source = match (main, draw) {
                (true, 0..60) | (false, 0..30) => TopicSource::PartyGovernment,
                (true, 60..90) | (false, 30..80) => TopicSource::Member,
                _ => TopicSource::Public,
            };
            let (organizer_kind, organizer_name) = if main {
                (OrganizerKind::Committee, cppcc.clone())
            } else {
                let kind = *rng.pick(&[
                    OrganizerKind::SpecialCommittee,
                    OrganizerKind::Sector,
                    OrganizerKind::ParticipatingUnit,
                ]);
                (kind, format!("{cppcc}{}", rng.pick(ORGANIZERS)))
            };
            let open: Vec<&Lounge> = lounges
                .iter()
                .filter(|l| l.established <= date && l.last_day().is_ok_and(|last| last >= date))
                .collect();
            let lounge = (!open.is_empty() && rng.chance(if main { 30 } else { 60 }))
                .then(|| open[rng.index(open.len())]);
            let created = at - TimeDelta::days(rng.range(30, 90));
            let updated = match status {
                ConsultationStatus::Held => at + TimeDelta::hours(20),
                ConsultationStatus::FollowUp => at + TimeDelta::days(rng.range(20, 60)),
                ConsultationStatus::Closed => at + TimeDelta::days(rng.range(60, 200)),
                ConsultationStatus::Cancelled => at - TimeDelta::days(rng.range(1, 10)),
                _ => created + TimeDelta::days(rng.range(0, 10)),
            }
            .min(latest)
            .max(created);
            let public = source == TopicSource::Public;
            let suggestions = match (held, main) {
                (false, _) => 0,
                (true, true) => rng.range(12, 18),
                (true, false) => rng.range(6, 10),
            };
            let id = first_id + out.len() as i64;
            let planned = Planned {
                id,
                committee: index as u32,
                status,
                held_at: held.then_some(at),
                topic: topic as u8,
                suggestions: suggestions as u8,
            };
            let row = consultation::ActiveModel {
                id: Set(id),
                region_id: Set(committee.id),
                record_number: Set(record_number(
                    NumberedRecord::Consultation,
                    &committee.code,
                    out.len() + 1,
                )),
                title: Set(if main {
                    format!("{year}年{}“{}”专题协商", committee.name, TOPICS[topic])
                } else {
                    format!("“{}”微协商", TOPICS[topic])
                }),
                topic: Set(format!("关于{}的协商", TOPICS[topic])),
                topic_source: Set(source),
                kind: Set(if main {
                    ConsultationKind::Main
                } else {
                    ConsultationKind::Micro
                }),
                status: Set(status),
                organizer_kind: Set(organizer_kind),
                organizer_name: Set(organizer_name),
                lounge_id: Set(lounge.map(|l| l.id)),
                venue: Set(Some(match lounge {
                    Some(l) => l.name.clone(),
                    None => format!("{cppcc}协商议事厅"),
                })),
                scheduled_at: Set((held
                    || matches!(
                        status,
                        ConsultationStatus::Scheduled | ConsultationStatus::Cancelled
                    ))
                .then_some(at)),
                held_at: Set(held.then_some(at)),
                cancel_reason: Set((status == ConsultationStatus::Cancelled)
                    .then(|| "议题已由责任部门先行办理".to_owned())),
                submitter_name: Set(public.then(|| guest_name(&mut rng, 40))),
                submitter_contact: Set(public.then(|| format!("138{:08}", rng.below(100_000_000)))),
                receipt_hash: Set(None),
                decided_at: Set(None),
                rejection_reason: Set(None),
                version: Set(version(status)),
                created_at: Set(created),
                updated_at: Set(updated),
            };
            out.push((planned, row));
        }
    }
    // Sessions for 2021 are being prepared in the last quarter of 2020.
    let autumn = ymd(2020, 10, 1)?;
    for (planned, row) in out.iter_mut().filter(|(p, _)| p.held_at.is_none()) {
        if planned.status != ConsultationStatus::Cancelled {
            let created = hm(add_days(autumn, i64::from(planned.topic) * 3), 9, 0);
            row.created_at = Set(created);
            row.updated_at = Set(created + TimeDelta::days(i64::from(version(planned.status))));
        }
    }
    Ok(out)
}

/// Sessions of every committee in order, with ids 1..n; `lounges_of[i]` are committee i's.
pub(super) fn walk(
    committees: &[Committee],
    lounges_of: &[&[Lounge]],
    mut each: impl FnMut(Vec<(Planned, consultation::ActiveModel)>),
) -> Result<(), DomainError> {
    let mut next = 1_i64;
    for (index, committee) in committees.iter().enumerate() {
        let rows = for_committee(index, committee, lounges_of[index], next)?;
        next += rows.len() as i64;
        each(rows);
    }
    Ok(())
}

/// Writes the sessions and returns their plans, in id order.
pub(super) async fn write(
    db: &Db,
    committees: &[Committee],
    lounges_of: &[&[Lounge]],
    progress: &mut dyn Progress,
) -> Result<Vec<Planned>, DomainError> {
    let mut total = 0_u64;
    walk(committees, lounges_of, |rows| total += rows.len() as u64)?;
    let mut sink = Sink::new(db, total, progress);
    let mut plans = Vec::with_capacity(total as usize);
    let mut next = 1_i64;
    for (index, committee) in committees.iter().enumerate() {
        let rows = for_committee(index, committee, lounges_of[index], next)?;
        next += rows.len() as i64;
        let mut models = Vec::with_capacity(rows.len());
        for (planned, row) in rows {
            plans.push(planned);
            models.push(row);
        }
        sink.extend(models, progress).await?;
    }
    sink.finish(progress).await?;
    Ok(plans)
}
