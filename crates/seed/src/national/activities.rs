//! Lounge activities, "4+X" per lounge and year it was active: 4 planned ones and 0–4 flexible
//! ones (prorated in the year a lounge opened or closed), each hosted by its lounge and
//! attended by 2–5 of its members.

use chrono::Datelike;
use entity::{
    enums::{ActivityChannel, ActivityFormat, ActivityHostStatus, ActivityKind, OnlinePlatform},
    lounge_activity, lounge_activity_host, lounge_activity_participant,
};
use sea_orm::ActiveValue::Set;

use super::lounges::Lounge;
use super::sink::Sink;
use super::text::ACTIVITY_WORDS;
use crate::Progress;
use crate::demo::calendar::{add_days, days_between, hm, ymd};
use domain::write::record_numbers::{NumberedRecord, record_number};
use domain::{Db, DomainError};

/// Formats in the order of [`ACTIVITY_WORDS`].
const FORMATS: [ActivityFormat; 8] = [
    ActivityFormat::Lecture,
    ActivityFormat::Propaganda,
    ActivityFormat::Forum,
    ActivityFormat::OnlineDeliberation,
    ActivityFormat::RemoteConsultation,
    ActivityFormat::Research,
    ActivityFormat::Salon,
    ActivityFormat::Other,
];

/// One activity with its participants.
pub(super) struct Activity {
    pub(super) id: i64,
    pub(super) row: lounge_activity::ActiveModel,
    pub(super) participants: Vec<i64>,
}

/// The activities of one lounge, with ids from `first_id`. Pure: the same lounge always gives
/// the same activities (its stream is keyed on the committee code and lounge name).
fn for_lounge(lounge: &Lounge, code: &str, first_id: i64) -> Result<Vec<Activity>, DomainError> {
    let mut rng = super::rng_for(code, "activities", &lounge.name);
    let last = lounge.last_day()?;
    let mut activities = Vec::new();
    for year in lounge.established.year()..=last.year() {
        let start = lounge.established.max(ymd(year, 1, 1)?);
        let end = last.min(ymd(year, 12, 31)?);
        let days = days_between(start, end);
        if days < 0 {
            continue;
        }
        let full = 4 + rng.below(5) as i64;
        let count = ((full * (days + 1) + 364) / 365).max(1);
        for index in 0..count {
            let id = first_id + activities.len() as i64;
            let word = rng.index(ACTIVITY_WORDS.len());
            let online = rng.chance(15);
            let day = add_days(start, rng.range(0, days));
            let hour = rng.range(9, 16);
            let starts = hm(day, hour, 0);
            let mut members = lounge.members.clone();
            rng.shuffle(&mut members);
            members.truncate(rng.range(2, 5) as usize);
            members.sort_unstable();
            activities.push(Activity {
                row: lounge_activity::ActiveModel {
                    id: Set(id),
                    region_id: Set(lounge.region_id),
                    // Unique per committee: ids are unique everywhere.
                    record_number: Set(record_number(
                        NumberedRecord::Activity,
                        code,
                        usize::try_from(id).unwrap_or_default(),
                    )),
                    title: Set(format!("{}{}", lounge.theme, ACTIVITY_WORDS[word])),
                    kind: Set(if index < 4 {
                        ActivityKind::Planned
                    } else {
                        ActivityKind::Flexible
                    }),
                    format: Set(FORMATS[word]),
                    channel: Set(if online {
                        ActivityChannel::Online
                    } else {
                        ActivityChannel::Offline
                    }),
                    platform: Set(online.then(|| {
                        *rng.pick(&[
                            OnlinePlatform::Dingtalk,
                            OnlinePlatform::Wechat,
                            OnlinePlatform::Video,
                        ])
                    })),
                    starts_at: Set(starts),
                    ends_at: Set(hm(day, hour + 2, 0)),
                    public_attendance: Set(rng.range(0, 60) as i32),
                    summary: Set(String::new()),
                    created_at: Set(hm(day, 20, 0)),
                },
                id,
                participants: members,
            });
        }
    }
    Ok(activities)
}

/// Calls `each` with every lounge's activities, ids 1..n in lounge order.
fn walk(
    lounges: &[Lounge],
    codes: &[&str],
    mut each: impl FnMut(Vec<Activity>),
) -> Result<(), DomainError> {
    let mut next = 1_i64;
    for lounge in lounges {
        let activities = for_lounge(lounge, codes[lounge.committee], next)?;
        next += activities.len() as i64;
        each(activities);
    }
    Ok(())
}

/// Writes activities, hosts and participants (three phases, regenerating the activities each
/// time rather than holding them); returns (activities, participants).
pub(super) async fn write(
    db: &Db,
    lounges: &[Lounge],
    codes: &[&str],
    progress: &mut dyn Progress,
) -> Result<(u64, u64), DomainError> {
    let (mut total, mut people) = (0_u64, 0_u64);
    walk(lounges, codes, |activities| {
        total += activities.len() as u64;
        people += activities
            .iter()
            .map(|a| a.participants.len() as u64)
            .sum::<u64>();
    })?;

    let mut sink = Sink::new(db, total, progress);
    let mut next = 1_i64;
    for lounge in lounges {
        let activities = for_lounge(lounge, codes[lounge.committee], next)?;
        next += activities.len() as i64;
        sink.extend(activities.into_iter().map(|a| a.row), progress)
            .await?;
    }
    let written = sink.finish(progress).await?;

    let mut sink = Sink::new(db, total, progress);
    let mut next = 1_i64;
    for lounge in lounges {
        let count = for_lounge(lounge, codes[lounge.committee], next)?.len() as i64;
        let rows = (next..next + count).map(|activity_id| lounge_activity_host::ActiveModel {
            activity_id: Set(activity_id),
            lounge_id: Set(lounge.id),
            status: Set(ActivityHostStatus::Confirmed),
        });
        next += count;
        sink.extend(rows, progress).await?;
    }
    sink.finish(progress).await?;

    let mut sink = Sink::new(db, people, progress);
    let mut next = 1_i64;
    for lounge in lounges {
        let activities = for_lounge(lounge, codes[lounge.committee], next)?;
        next += activities.len() as i64;
        let rows: Vec<_> = activities
            .iter()
            .flat_map(|activity| {
                let activity_id = activity.id;
                activity.participants.iter().map(move |member| {
                    lounge_activity_participant::ActiveModel {
                        activity_id: Set(activity_id),
                        member_id: Set(*member),
                    }
                })
            })
            .collect();
        sink.extend(rows, progress).await?;
    }
    let participants = sink.finish(progress).await?;
    Ok((written, participants))
}
