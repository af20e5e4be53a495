//! Slot requests (挂号): government departments queue for a consultation slot.
//!
//! Tongxiang (桐乡市 330483), the article's example, has seven departments in 2020: three
//! ACCEPTED (each became one of its 2020 MAIN sessions), three still QUEUED for the first half
//! of 2021 and one DECLINED with a reason. Four other counties have two requests each.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use entity::{
    enums::{ConsultationKind, RegionLevel, SlotRequestStatus, TopicSource},
    slot_request,
};
use sea_orm::ActiveValue::Set;

use super::{
    calendar::{add_days, china_date, hm, ymd},
    lifecycle::Held,
    rng::Rng,
    sessions::{Fate, Session},
    world::World,
};
use domain::DomainError;

/// Tongxiang departments still queued for the first half of 2021: department, topic,
/// request day in 2020.
const TONGXIANG_QUEUED: [(&str, &str, (u32, u32)); 3] = [
    ("住房和城乡建设局", "老旧小区改造与加装电梯", (9, 15)),
    ("教育局", "义务教育优质均衡发展", (10, 20)),
    ("经济和信息化局", "传统产业数字化改造", (11, 25)),
];

/// Departments of Tongxiang's queued and declined requests (the accepted ones differ).
const TONGXIANG_OTHERS: [&str; 4] = [
    "住房和城乡建设局",
    "教育局",
    "经济和信息化局",
    "市场监督管理局",
];

/// A request before it gets its id.
struct Request {
    committee: usize,
    department: String,
    topic: String,
    period: (NaiveDate, NaiveDate),
    status: SlotRequestStatus,
    requested_at: DateTime<Utc>,
    decided_at: Option<DateTime<Utc>>,
    decline_reason: Option<String>,
    consultation_id: Option<i64>,
}

/// Picks the sessions that departments asked for: Tongxiang's last three MAIN sessions of
/// 2020 and the last one of four other counties. They become party-government topics.
pub(crate) fn mark(world: &World, sessions: &mut [Session]) -> Result<(), DomainError> {
    let mut rng = Rng::new("slots");
    let tongxiang = world.index("330483")?;
    let mut others: Vec<usize> = world
        .of_level(RegionLevel::County)
        .into_iter()
        .filter(|&c| c != tongxiang)
        .collect();
    rng.shuffle(&mut others);
    for (committee, count) in
        std::iter::once((tongxiang, 3)).chain(others.into_iter().take(4).map(|c| (c, 1)))
    {
        let mut candidates: Vec<(DateTime<Utc>, usize)> = sessions
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                s.committee == committee
                    && s.kind == ConsultationKind::Main
                    && s.fixed_suggestions.is_empty()
            })
            .filter_map(|(index, s)| match s.fate {
                Fate::Held { at, .. } if china_date(at).year() == 2020 => Some((at, index)),
                _ => None,
            })
            .collect();
        candidates.sort();
        for (_, index) in candidates.into_iter().rev().take(count) {
            let session = &mut sessions[index];
            session.from_slot_request = true;
            session.source = TopicSource::PartyGovernment;
            session.submitter = None;
        }
    }
    Ok(())
}

/// Slot request rows: the accepted requests behind the marked sessions, and queued and
/// declined ones.
pub(crate) fn build(
    world: &World,
    sessions: &[Session],
    held: &[Held],
    proposed_at: &[DateTime<Utc>],
) -> Result<Vec<slot_request::ActiveModel>, DomainError> {
    let mut rng = Rng::new("slot requests");
    let tongxiang = world.index("330483")?;
    let mut requests = Vec::new();
    let mut others: Vec<usize> = Vec::new();
    for h in held
        .iter()
        .filter(|h| sessions[h.session].from_slot_request)
    {
        let session = &sessions[h.session];
        if session.committee != tongxiang && !others.contains(&session.committee) {
            others.push(session.committee);
        }
        let decided = proposed_at[h.session];
        let held_day = china_date(h.held_at);
        // Each request of a committee comes from a different department where possible.
        let taken = |d: &&String| {
            requests
                .iter()
                .any(|r: &Request| r.committee == session.committee && &r.department == *d)
                || TONGXIANG_OTHERS.iter().any(|other| d.ends_with(other))
        };
        let department = session
            .departments
            .iter()
            .find(|d| !taken(d))
            .or(session.departments.first())
            .cloned()
            .unwrap_or_default();
        requests.push(Request {
            committee: session.committee,
            department,
            topic: session.title.clone(),
            period: (add_days(held_day, -30), add_days(held_day, 30)),
            status: SlotRequestStatus::Accepted,
            requested_at: decided - TimeDelta::days(rng.range(10, 40)),
            decided_at: Some(decided),
            decline_reason: None,
            consultation_id: Some(h.consultation_id),
        });
    }
    let first_half_2021 = (ymd(2021, 1, 1)?, ymd(2021, 6, 30)?);
    let name = world.get(tongxiang).name.clone();
    for (department, topic, (month, day)) in TONGXIANG_QUEUED {
        requests.push(Request {
            committee: tongxiang,
            department: format!("{name}{department}"),
            topic: topic.to_owned(),
            period: first_half_2021,
            status: SlotRequestStatus::Queued,
            requested_at: hm(ymd(2020, month, day)?, 9, 30),
            decided_at: None,
            decline_reason: None,
            consultation_id: None,
        });
    }
    requests.push(Request {
        committee: tongxiang,
        department: format!("{name}{}", TONGXIANG_OTHERS[3]),
        topic: "食品安全“放心消费”建设".to_owned(),
        period: (ymd(2020, 10, 1)?, ymd(2020, 12, 31)?),
        status: SlotRequestStatus::Declined,
        requested_at: hm(ymd(2020, 6, 12)?, 10, 0),
        decided_at: Some(hm(ymd(2020, 7, 10)?, 15, 0)),
        decline_reason: Some(
            "该议题已列入市人大常委会年度监督计划，为避免重复，建议改以界别协商形式开展".to_owned(),
        ),
        consultation_id: None,
    });
    // The other counties also have one request still waiting.
    for committee in others {
        let county = world.get(committee);
        let department = ["发展和改革局", "财政局", "商务局"]
            .into_iter()
            .map(|base| county.department(base))
            .find(|d| {
                !requests
                    .iter()
                    .any(|r| r.committee == committee && &r.department == d)
            })
            .unwrap_or_else(|| county.department("统计局"));
        requests.push(Request {
            committee,
            department,
            topic: "“十四五”重大项目谋划".to_owned(),
            period: first_half_2021,
            status: SlotRequestStatus::Queued,
            requested_at: hm(add_days(ymd(2020, 11, 2)?, rng.range(0, 40)), 9, 0),
            decided_at: None,
            decline_reason: None,
            consultation_id: None,
        });
    }
    requests.sort_by_key(|r| (r.requested_at, r.committee));
    Ok(requests
        .into_iter()
        .enumerate()
        .map(|(index, r)| slot_request::ActiveModel {
            id: Set(index as i64 + 1),
            region_id: Set(world.get(r.committee).id),
            department: Set(r.department),
            topic: Set(r.topic),
            period_start: Set(r.period.0),
            period_end: Set(r.period.1),
            status: Set(r.status),
            requested_at: Set(r.requested_at),
            decided_at: Set(r.decided_at),
            decline_reason: Set(r.decline_reason),
            consultation_id: Set(r.consultation_id),
            version: Set(i32::from(r.decided_at.is_some())),
            created_at: Set(r.requested_at),
            updated_at: Set(r.decided_at.unwrap_or(r.requested_at)),
        })
        .collect())
}
