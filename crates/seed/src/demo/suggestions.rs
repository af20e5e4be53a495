//! Suggestions (建议) made at held sessions, their status history and follow-up records (督查).
//!
//! About eleven per MAIN session and three or four per MICRO one (2019: about 7,900, the
//! article's "7,500+"); about 60 % adopted (ACCEPTED, IN_PROGRESS or IMPLEMENTED; the
//! article: 4,600 of 7,500), some REJECTED (grade C), IMPLEMENTED ones graded A or B. Every
//! adopted suggestion has one to three follow-up records after the session, with rising
//! progress that reaches 100 % when it is implemented. Nothing happens after 2020-12-31.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use entity::{
    enums::{ConsultationKind, ConsultationStatus, SuggestionGrade, SuggestionStatus as S},
    suggestion, suggestion_follow_up, suggestion_status_change,
};
use sea_orm::ActiveValue::Set;

use super::{
    calendar::{add_days, china_date, cutoff, days_between, hm, last_day},
    lifecycle::{ACTOR, Held},
    members::Roster,
    rng::Rng,
    sessions::{FixedSuggestion, Session},
    topics::SUGGESTIONS,
    world::World,
};
use domain::DomainError;

/// Notes of follow-up records before completion.
const PROGRESS_NOTES: &[&str] = &[
    "承办单位已制定工作方案，明确责任科室和完成时限",
    "已召开专题推进会，落实专项资金",
    "部分措施已经落地，群众反映良好",
    "完成阶段性目标，正在持续推进",
    "政协委员开展督查视察，承办单位通报办理进展",
];

/// Rows of the three suggestion tables.
#[derive(Default)]
pub(crate) struct SuggestionRows {
    pub(crate) suggestions: Vec<suggestion::ActiveModel>,
    pub(crate) changes: Vec<suggestion_status_change::ActiveModel>,
    pub(crate) follow_ups: Vec<suggestion_follow_up::ActiveModel>,
}

/// Suggestions of every held session.
pub(crate) fn build(
    world: &World,
    roster: &Roster,
    sessions: &[Session],
    held: &[Held],
) -> Result<SuggestionRows, DomainError> {
    let mut rng = Rng::new("suggestions");
    let end = cutoff()?;
    let last = last_day()?;
    let mut out = SuggestionRows::default();
    for consultation in held {
        let session = &sessions[consultation.session];
        let committee = world.get(session.committee);
        let count = match session.kind {
            ConsultationKind::Main => rng.range(8, 14),
            ConsultationKind::Micro => rng.range(2, 5),
        } as usize;
        let held_day = china_date(consultation.held_at);
        let submitted = {
            // Written up after the session ends (evening sessions: the next morning at the
            // earliest), never after the data set ends.
            let day = hm(add_days(held_day, rng.range(0, 3)), 17, 0)
                .max(consultation.held_at + TimeDelta::hours(12));
            if day < end {
                day
            } else {
                consultation.held_at + TimeDelta::hours(3)
            }
        };
        for number in 0..count {
            let proposer = (!consultation.members.is_empty() && rng.chance(75))
                .then(|| roster.by_id(consultation.members[rng.index(consultation.members.len())]));
            let (proposer_member_id, proposer_name) = match proposer {
                Some(person) => (Some(person.id), person.name.clone()),
                None => (None, session.organizer_name.clone()),
            };
            let story = match session.fixed_suggestions.get(number) {
                Some(fixed) => fixed.clone(),
                None => invent(
                    &mut rng,
                    session,
                    consultation,
                    submitted,
                    end,
                    last,
                    committee.name.as_str(),
                ),
            };
            let id = out.suggestions.len() as i64 + 1;
            let mut previous = None;
            let mut history = vec![(S::Submitted, submitted, "协商会上提出".to_owned())];
            history.extend(story.path.iter().cloned());
            for (status, at, note) in &history {
                out.changes.push(suggestion_status_change::ActiveModel {
                    id: Set(out.changes.len() as i64 + 1),
                    suggestion_id: Set(id),
                    from_status: Set(previous),
                    to_status: Set(*status),
                    actor: Set(ACTOR.to_owned()),
                    note: Set(Some(note.clone())),
                    changed_at: Set(*at),
                });
                previous = Some(*status);
            }
            for (day, note, progress) in &story.follow_ups {
                out.follow_ups.push(suggestion_follow_up::ActiveModel {
                    id: Set(out.follow_ups.len() as i64 + 1),
                    suggestion_id: Set(id),
                    followed_on: Set(*day),
                    note: Set(note.clone()),
                    progress: Set(*progress),
                    actor: Set(ACTOR.to_owned()),
                    created_at: Set(hm(*day, 17, 30)),
                });
            }
            let (status, updated_at) = history
                .last()
                .map(|(s, at, _)| (*s, *at))
                .unwrap_or((S::Submitted, submitted));
            out.suggestions.push(suggestion::ActiveModel {
                id: Set(id),
                consultation_id: Set(consultation.consultation_id),
                content: Set(story.content),
                proposer_member_id: Set(proposer_member_id),
                proposer_name: Set(proposer_name),
                responsible_department: Set(story.department),
                status: Set(status),
                grade: Set(story.grade),
                version: Set(history.len() as i32 - 1),
                created_at: Set(submitted),
                updated_at: Set(updated_at),
            });
        }
    }
    Ok(out)
}

/// The story of one generated suggestion: wording, department, path and follow-ups.
fn invent(
    rng: &mut Rng,
    session: &Session,
    consultation: &Held,
    submitted: DateTime<Utc>,
    end: DateTime<Utc>,
    last: NaiveDate,
    _region: &str,
) -> FixedSuggestion {
    let department = session.departments[rng.index(session.departments.len())].clone();
    let content = rng
        .pick(SUGGESTIONS)
        .replace("{k}", &session.keyword)
        .replace("{d}", &department);
    // Where the suggestion would go if time allowed.
    let goal = if consultation.status == ConsultationStatus::Held {
        if rng.chance(20) {
            S::Accepted
        } else {
            S::Submitted
        }
    } else {
        let old = consultation.held_at.year() == 2019;
        match rng.below(100) {
            0..62 => match (rng.below(100), old) {
                (0..55, true) | (0..25, false) => S::Implemented,
                (55..85, true) | (25..65, false) => S::InProgress,
                _ => S::Accepted,
            },
            62..77 => S::Rejected,
            _ => S::Submitted,
        }
    };
    let decided = hm(add_days(china_date(submitted), rng.range(7, 30)), 10, 0);
    let started = decided + TimeDelta::days(rng.range(10, 30));
    let done = started + TimeDelta::days(rng.range(30, 240));
    let mut path = Vec::new();
    let steps: &[S] = match goal {
        S::Submitted => &[],
        S::Rejected => &[S::Rejected],
        S::Accepted => &[S::Accepted],
        S::InProgress => &[S::Accepted, S::InProgress],
        S::Implemented => &[S::Accepted, S::InProgress, S::Implemented],
    };
    for (status, at) in steps.iter().zip([decided, started, done]) {
        if at >= end {
            break;
        }
        let note = match status {
            S::Accepted => format!("采纳，交{department}办理"),
            S::Rejected => "经研究暂不采纳：与现行政策衔接不够或条件尚不具备".to_owned(),
            S::InProgress => format!("{department}已制定落实方案"),
            _ => "已落实办结".to_owned(),
        };
        path.push((*status, at, note));
    }
    let reached = path.last().map(|(s, _, _)| *s).unwrap_or(S::Submitted);
    let grade = match reached {
        S::Implemented => Some(if rng.chance(40) {
            SuggestionGrade::A
        } else {
            SuggestionGrade::B
        }),
        S::Rejected => Some(SuggestionGrade::C),
        _ => None,
    };
    let follow_ups = match reached {
        S::Accepted | S::InProgress | S::Implemented => {
            follow_ups(rng, reached, decided, done, last)
        }
        _ => Vec::new(),
    };
    FixedSuggestion {
        content,
        department,
        path: Vec::from_iter(path),
        grade,
        follow_ups,
    }
}

/// One to three records between adoption and completion (or the end of the data set).
fn follow_ups(
    rng: &mut Rng,
    reached: S,
    decided: DateTime<Utc>,
    done: DateTime<Utc>,
    last: NaiveDate,
) -> Vec<(NaiveDate, String, i32)> {
    let first = add_days(china_date(decided), 1).min(last);
    let limit = if reached == S::Implemented {
        china_date(done)
    } else {
        last
    };
    let count = rng.range(1, 3) as usize;
    let span = days_between(first, limit).max(0);
    let mut days: Vec<NaiveDate> = (0..count)
        .map(|_| add_days(first, rng.range(0, span)))
        .collect();
    days.sort();
    days.dedup();
    if reached == S::Implemented {
        // The last record is the day it was done.
        days.retain(|day| *day < limit);
        days.truncate(count - 1);
        days.push(limit);
    }
    let (low, high) = match reached {
        S::Accepted => (0, 30),
        S::InProgress => (20, 90),
        _ => (10, 95),
    };
    let n = days.len() as i64;
    days.into_iter()
        .enumerate()
        .map(|(step, day)| {
            let step = step as i64;
            let progress = if reached == S::Implemented && step == n - 1 {
                100
            } else {
                low + (high - low) * (step + 1) / (n + 1) + rng.range(0, 5)
            };
            let note = if progress == 100 {
                "建议事项已全部落实，办结销号".to_owned()
            } else {
                (*rng.pick(PROGRESS_NOTES)).to_owned()
            };
            (day, note, progress.min(100) as i32)
        })
        .collect()
}
