//! Lounge activities ("4+X"): designed (PLANNED) activities and flexible ones, with host
//! lounges (several for cross-lounge activities) and participating members.
//!
//! 2020: every lounge holds at least four PLANNED activities and one to three FLEXIBLE ones
//! after it opened (the Ningbo IP lounge: six in its first three months). 2019: 243 in all,
//! shared by the lounges in proportion to the days they were open, so young lounges fall short
//! of four. The pilot lounges of 2018 held one or two each. The activities the article names
//! are in `named_activities.rs`.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    enums::{ActivityChannel, ActivityFormat, ActivityHostStatus, ActivityKind, OnlinePlatform},
    lounge_activity, lounge_activity_host, lounge_activity_participant,
};
use sea_orm::ActiveValue::Set;

use super::{
    calendar::{add_days, at, china_date, days_between, year_of, ymd},
    lounges::Lounge,
    memberships::Membership,
    names::town,
    rng::Rng,
    world::World,
};
use domain::DomainError;
use domain::write::record_numbers::{NumberedRecord, record_number};

/// Activities held in 2019, the article's "240+".
const ACTIVITIES_2019: usize = 243;

/// An activity before it gets its id.
#[derive(Clone, Debug)]
pub(crate) struct Activity {
    pub(crate) title: String,
    pub(crate) kind: ActivityKind,
    pub(crate) format: ActivityFormat,
    pub(crate) platform: Option<OnlinePlatform>,
    pub(crate) starts_at: DateTime<Utc>,
    pub(crate) ends_at: DateTime<Utc>,
    pub(crate) public_attendance: i32,
    pub(crate) summary: String,
    /// Positions of the host lounges.
    pub(crate) hosts: Vec<usize>,
    /// Members who take part besides those drawn from the host lounges.
    pub(crate) guests: Vec<i64>,
}

/// Rows of the three activity tables.
pub(crate) struct ActivityRows {
    pub(crate) activities: Vec<lounge_activity::ActiveModel>,
    pub(crate) hosts: Vec<lounge_activity_host::ActiveModel>,
    pub(crate) participants: Vec<lounge_activity_participant::ActiveModel>,
}

/// Generates every activity, the named ones included, ordered by start (ids follow time).
pub(crate) fn build(
    world: &World,
    lounges: &[Lounge],
    memberships: &[Membership],
    named: Vec<Activity>,
) -> Result<ActivityRows, DomainError> {
    let mut rng = Rng::new("activities");
    let mut all = named;
    // 2018: the pilots.
    for (index, lounge) in lounges.iter().enumerate() {
        if year_of(lounge.established_on) == 2018 {
            let count = if lounge.established_on < ymd(2018, 10, 1)? {
                2
            } else {
                1
            };
            let kinds = vec![ActivityKind::Planned; count];
            spread(&mut rng, &mut all, lounges, index, 2018, kinds)?;
        }
    }
    // 2019: 243 activities shared by open days.
    let quotas = shares_2019(lounges)?;
    for (index, quota) in quotas.into_iter().enumerate() {
        if quota == 0 {
            continue;
        }
        let planned = (quota * 2).div_ceil(3).min(4);
        let mut kinds = vec![ActivityKind::Planned; planned];
        kinds.extend(vec![ActivityKind::Flexible; quota - planned]);
        rng.shuffle(&mut kinds);
        spread(&mut rng, &mut all, lounges, index, 2019, kinds)?;
    }
    // 2020: "4+X" everywhere, counting the named activities each lounge hosts.
    let (start, end) = (at(ymd(2020, 1, 1)?, 0), at(ymd(2021, 1, 1)?, 0));
    for index in 0..lounges.len() {
        let hosted = |kind| {
            all.iter()
                .filter(|a| a.kind == kind && a.hosts.contains(&index))
                .filter(|a| a.starts_at >= start && a.starts_at < end)
                .count()
        };
        let (planned, flexible) = (
            hosted(ActivityKind::Planned),
            hosted(ActivityKind::Flexible),
        );
        // The Ningbo IP lounge held six in its first months: 4 + 2.
        let court = index == super::lounges::named::IP_COURT;
        let planned_goal: usize = if !court && rng.chance(15) { 5 } else { 4 };
        let flexible_goal = if court { 2 } else { rng.range(1, 3) as usize };
        let mut kinds = vec![ActivityKind::Planned; planned_goal.saturating_sub(planned)];
        kinds.extend(vec![
            ActivityKind::Flexible;
            flexible_goal.saturating_sub(flexible)
        ]);
        rng.shuffle(&mut kinds);
        spread(&mut rng, &mut all, lounges, index, 2020, kinds)?;
    }
    all.sort_by(|a, b| (a.starts_at, &a.hosts, &a.title).cmp(&(b.starts_at, &b.hosts, &b.title)));
    rows(&mut rng, world, all, lounges, memberships)
}

/// Places activities of the given kinds over the part of `year` a lounge was open: one in
/// each equal stretch of that time.
fn spread(
    rng: &mut Rng,
    all: &mut Vec<Activity>,
    lounges: &[Lounge],
    index: usize,
    year: i32,
    kinds: Vec<ActivityKind>,
) -> Result<(), DomainError> {
    if kinds.is_empty() {
        return Ok(());
    }
    let lounge = &lounges[index];
    let first = add_days(lounge.established_on, 7).max(ymd(year, 1, 6)?);
    let last = ymd(year, 12, 28)?.max(first);
    let span = days_between(first, last) + 1;
    let count = kinds.len() as i64;
    for (step, kind) in kinds.into_iter().enumerate() {
        let step = step as i64;
        let from = span * step / count;
        let to = (span * (step + 1) / count - 1).max(from);
        let day = add_days(first, rng.range(from, to));
        all.push(generic(rng, lounge, index, kind, day)?);
    }
    Ok(())
}

/// One generated activity of a lounge on `day`.
fn generic(
    rng: &mut Rng,
    lounge: &Lounge,
    index: usize,
    kind: ActivityKind,
    day: NaiveDate,
) -> Result<Activity, DomainError> {
    use ActivityFormat as F;
    // From late January to March 2020 the epidemic moved everything online.
    let lockdown = day >= ymd(2020, 1, 24)? && day <= ymd(2020, 3, 31)?;
    let format = if lockdown {
        *rng.pick(&[F::OnlineDeliberation, F::RemoteConsultation, F::Lecture])
    } else if kind == ActivityKind::Planned {
        *rng.pick(&[
            F::Lecture,
            F::Forum,
            F::Research,
            F::Propaganda,
            F::Forum,
            F::RemoteConsultation,
        ])
    } else {
        *rng.pick(&[
            F::Salon,
            F::OnlineDeliberation,
            F::Research,
            F::Other,
            F::Propaganda,
            F::Forum,
        ])
    };
    let theme = &lounge.theme;
    let place = town(rng);
    let (title, attendance) = match format {
        F::Lecture => (format!("委员讲堂：{theme}专题讲座"), rng.range(40, 160)),
        F::Propaganda => (
            format!("委员宣讲团走进{place}：{theme}政策宣讲"),
            rng.range(50, 180),
        ),
        F::Forum => (format!("{theme}民生议事论坛"), rng.range(20, 80)),
        F::OnlineDeliberation => (format!("网络议政：{theme}中的难点堵点"), rng.range(15, 80)),
        F::RemoteConsultation => (format!("远程协商：{theme}"), rng.range(5, 40)),
        F::Research => (format!("走访{place}开展{theme}专题调研"), rng.range(5, 30)),
        F::Salon => (format!("委员读书沙龙：{theme}"), rng.range(15, 45)),
        F::Other => (format!("{theme}委员接待日"), rng.range(20, 70)),
    };
    let online = matches!(format, F::OnlineDeliberation | F::RemoteConsultation) || lockdown;
    let platform = match format {
        _ if !online => None,
        F::RemoteConsultation => Some(OnlinePlatform::Video),
        _ => Some(*rng.pick(&[
            OnlinePlatform::Dingtalk,
            OnlinePlatform::Wechat,
            OnlinePlatform::Video,
        ])),
    };
    let start_minutes = *rng.pick(&[9 * 60, 9 * 60 + 30, 14 * 60, 14 * 60 + 30, 19 * 60]);
    let starts_at = at(day, start_minutes);
    let ends_at = at(day, start_minutes + rng.range(90, 180));
    let summary = format!(
        "{}围绕“{theme}”组织{}，约{attendance}名群众参加，委员们听取意见、解答问题，形成建议{}条。",
        lounge.name,
        if online { "线上活动" } else { "活动" },
        rng.range(2, 8)
    );
    Ok(Activity {
        title,
        kind,
        format,
        platform,
        starts_at,
        ends_at,
        public_attendance: attendance as i32,
        summary,
        hosts: vec![index],
        guests: Vec::new(),
    })
}

/// How many 2019 activities each lounge gets: [`ACTIVITIES_2019`] shared in proportion to the
/// days it was open in 2019 (largest remainders round up).
fn shares_2019(lounges: &[Lounge]) -> Result<Vec<usize>, DomainError> {
    let (first, last) = (ymd(2019, 1, 1)?, ymd(2019, 12, 31)?);
    let days: Vec<i64> = lounges
        .iter()
        .map(|l| (days_between(l.established_on.max(first), last) - 7).max(0))
        .collect();
    let total: i64 = days.iter().sum::<i64>().max(1);
    let target = ACTIVITIES_2019 as i64;
    let mut quotas: Vec<usize> = days.iter().map(|d| (d * target / total) as usize).collect();
    let mut remainders: Vec<(i64, usize)> = days
        .iter()
        .enumerate()
        .map(|(index, d)| (-(d * target % total), index))
        .collect();
    remainders.sort();
    let missing = ACTIVITIES_2019.saturating_sub(quotas.iter().sum());
    for &(_, index) in remainders.iter().take(missing) {
        quotas[index] += 1;
    }
    Ok(quotas)
}

/// Ids, host rows and participants (members of the host lounges on the day, plus guests).
fn rows(
    rng: &mut Rng,
    world: &World,
    all: Vec<Activity>,
    lounges: &[Lounge],
    memberships: &[Membership],
) -> Result<ActivityRows, DomainError> {
    let mut out = ActivityRows {
        activities: Vec::new(),
        hosts: Vec::new(),
        participants: Vec::new(),
    };
    // Each committee numbers the activities whose first host it owns, in id order.
    let mut numbered: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    for (position, activity) in all.into_iter().enumerate() {
        let id = position as i64 + 1;
        let first_host = activity
            .hosts
            .first()
            .ok_or_else(|| DomainError::Config(format!("demo activity {id} has no host")))?;
        let numbering = lounges[*first_host].committee;
        let count = numbered.entry(numbering).or_default();
        *count += 1;
        let committee = world.get(numbering);
        let record_number = record_number(NumberedRecord::Activity, &committee.code, *count);
        let day = china_date(activity.starts_at);
        let mut people: Vec<i64> = activity.guests.clone();
        for &host in &activity.hosts {
            out.hosts.push(lounge_activity_host::ActiveModel {
                activity_id: Set(id),
                lounge_id: Set(lounges[host].id),
                status: Set(ActivityHostStatus::Confirmed),
            });
            let present: Vec<i64> = memberships
                .iter()
                .filter(|m| m.lounge == host && m.active_on(day))
                .map(|m| m.member_id)
                .collect();
            let wanted = rng.range(2, 6) as usize;
            for _ in 0..wanted.min(present.len()) * 3 {
                let member = present[rng.index(present.len())];
                if people.iter().filter(|p| present.contains(p)).count() >= wanted {
                    break;
                }
                if !people.contains(&member) {
                    people.push(member);
                }
            }
        }
        people.sort_unstable();
        out.participants.extend(people.into_iter().map(|member| {
            lounge_activity_participant::ActiveModel {
                activity_id: Set(id),
                member_id: Set(member),
            }
        }));
        out.activities.push(lounge_activity::ActiveModel {
            id: Set(id),
            region_id: Set(committee.id),
            record_number: Set(record_number),
            title: Set(activity.title),
            kind: Set(activity.kind),
            format: Set(activity.format),
            channel: Set(if activity.platform.is_some() {
                ActivityChannel::Online
            } else {
                ActivityChannel::Offline
            }),
            platform: Set(activity.platform),
            starts_at: Set(activity.starts_at),
            ends_at: Set(activity.ends_at),
            public_attendance: Set(activity.public_attendance),
            summary: Set(activity.summary),
            created_at: Set(activity.ends_at),
        });
    }
    Ok(out)
}
