//! Suggestions made at held sessions: 12–18 at a main session, 6–10 at a micro one (about 3.5
//! million at full scale), generated per committee and streamed to the database.

use chrono::TimeDelta;
use entity::{
    enums::{ConsultationStatus, SuggestionGrade, SuggestionStatus},
    suggestion,
};
use sea_orm::ActiveValue::Set;

use super::consultations::{Planned, latest};
use super::plan::Committee;
use super::sink::Sink;
use super::text::{ACTIONS, DEPARTMENTS, TOPICS};
use crate::Progress;
use crate::demo::{names::guest_name, rng::Rng};
use domain::{Db, DomainError};

/// Optimistic-concurrency version after the usual path to `status`.
fn version(status: SuggestionStatus) -> i32 {
    match status {
        SuggestionStatus::Submitted => 0,
        SuggestionStatus::Accepted | SuggestionStatus::Rejected => 1,
        SuggestionStatus::InProgress => 2,
        SuggestionStatus::Implemented => 3,
    }
}

/// A status consistent with the session's: all submitted while it is merely held, decided
/// during follow-up, mostly implemented once closed.
fn status(rng: &mut Rng, session: ConsultationStatus) -> SuggestionStatus {
    let draw = rng.below(100);
    match session {
        ConsultationStatus::FollowUp => match draw {
            0..10 => SuggestionStatus::Rejected,
            10..35 => SuggestionStatus::Accepted,
            35..85 => SuggestionStatus::InProgress,
            _ => SuggestionStatus::Implemented,
        },
        ConsultationStatus::Closed => match draw {
            0..10 => SuggestionStatus::Rejected,
            10..20 => SuggestionStatus::Accepted,
            _ => SuggestionStatus::Implemented,
        },
        _ => SuggestionStatus::Submitted,
    }
}

/// The suggestions of one session, with ids from `first_id`.
fn for_session(
    rng: &mut Rng,
    session: &Planned,
    committee: &Committee,
    names: &[String],
    first_id: i64,
) -> Result<Vec<suggestion::ActiveModel>, DomainError> {
    let Some(held) = session.held_at else {
        return Ok(Vec::new());
    };
    let latest = latest()?;
    let size = (committee.members.end - committee.members.start) as u64;
    let topic = TOPICS[usize::from(session.topic)];
    let mut rows = Vec::with_capacity(usize::from(session.suggestions));
    for k in 0..i64::from(session.suggestions) {
        let status = status(rng, session.status);
        let grade = match status {
            SuggestionStatus::Submitted | SuggestionStatus::Rejected => None,
            _ => Some(match rng.below(10) {
                0..2 => SuggestionGrade::A,
                2..7 => SuggestionGrade::B,
                _ => SuggestionGrade::C,
            }),
        };
        let (member, name) = if rng.chance(85) {
            let id = committee.members.start + rng.below(size) as i64;
            let name = names.get((id - 1) as usize).cloned().unwrap_or_default();
            (Some(id), name)
        } else {
            (None, guest_name(rng, 35))
        };
        let department = format!("{}{}", committee.name, rng.pick(DEPARTMENTS));
        let created = held + TimeDelta::minutes(30 + k);
        let updated = if status == SuggestionStatus::Submitted {
            created
        } else {
            (held + TimeDelta::days(rng.range(10, 150)))
                .min(latest)
                .max(created)
        };
        rows.push(suggestion::ActiveModel {
            id: Set(first_id + k),
            consultation_id: Set(session.id),
            content: Set(format!(
                "关于{topic}，建议{department}{}。",
                rng.pick(ACTIONS)
            )),
            proposer_member_id: Set(member),
            proposer_name: Set(name),
            responsible_department: Set(department),
            status: Set(status),
            grade: Set(grade),
            version: Set(version(status)),
            created_at: Set(created),
            updated_at: Set(updated),
        });
    }
    Ok(rows)
}

/// Writes the suggestions of every planned session; `names[id - 1]` is member `id`'s name.
pub(super) async fn write(
    db: &Db,
    committees: &[Committee],
    sessions: &[Planned],
    names: &[String],
    progress: &mut dyn Progress,
) -> Result<u64, DomainError> {
    let total: u64 = sessions.iter().map(|s| u64::from(s.suggestions)).sum();
    let mut sink = Sink::new(db, total, progress);
    let mut next = 1_i64;
    let mut start = 0;
    // Sessions come grouped by committee; each committee has its own stream.
    while start < sessions.len() {
        let index = sessions[start].committee;
        let end = start
            + sessions[start..]
                .iter()
                .take_while(|s| s.committee == index)
                .count();
        let committee = &committees[index as usize];
        let mut rng = committee.rng("suggestions");
        let mut rows = Vec::new();
        for session in &sessions[start..end] {
            let made = for_session(&mut rng, session, committee, names, next)?;
            next += made.len() as i64;
            rows.extend(made);
        }
        sink.extend(rows, progress).await?;
        start = end;
    }
    sink.finish(progress).await
}
