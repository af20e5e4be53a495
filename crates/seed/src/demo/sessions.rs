//! Planning "请你来协商" sessions: which committee holds how many, when, on what.
//!
//! Quotas per year (2019 and 2020): every county holds 6 or 7 MAIN sessions and 1–4 MICRO
//! ones; every city 3–5 MAIN and 0–2 MICRO; the province 3 MAIN and at most one MICRO. In 2019
//! the cities and counties hold exactly 639 MAIN sessions, the article's count. On top come a
//! few cancelled sessions per year and about thirty not yet held, planned for early 2021.

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use entity::enums::{
    ConsultationKind, ConsultationStatus, OrganizerKind, ParticipantRole, RegionLevel, TopicSource,
};

use super::{
    calendar::{add_days, days_between, hm, ymd},
    lounges::Lounge,
    names::{guest_name, town},
    rng::Rng,
    topics::{self, CANCEL_REASONS, EPIDEMIC_REASON, TOPICS},
    world::World,
};
use domain::DomainError;

/// MAIN sessions held by city and county committees in 2019 (the article's 639).
const MAIN_2019_CITIES_AND_COUNTIES: usize = 639;

/// How a session ends up by 2020-12-31.
#[derive(Clone, Debug)]
pub(crate) enum Fate {
    /// Held at this time; `status` is HELD, FOLLOW_UP or CLOSED, or None to let the
    /// lifecycle choose by age. `closed_at` fixes the closing time.
    Held {
        at: DateTime<Utc>,
        status: Option<ConsultationStatus>,
        closed_at: Option<DateTime<Utc>>,
    },
    /// Cancelled on `on` after reaching `reached` (PROPOSED…SCHEDULED).
    Cancelled {
        reached: ConsultationStatus,
        on: NaiveDate,
        reason: String,
    },
    /// Not held yet: proposed on `proposed_on`, now at `reached`; scheduled sessions have a
    /// date in early 2021.
    Pending {
        reached: ConsultationStatus,
        proposed_on: NaiveDate,
        scheduled_at: Option<DateTime<Utc>>,
    },
}

/// A suggestion whose whole story is fixed (the Jiashan bus line).
#[derive(Clone, Debug)]
pub(crate) struct FixedSuggestion {
    pub(crate) content: String,
    pub(crate) department: String,
    /// Status changes after SUBMITTED, with their times and notes.
    pub(crate) path: Vec<(entity::enums::SuggestionStatus, DateTime<Utc>, String)>,
    pub(crate) grade: Option<entity::enums::SuggestionGrade>,
    pub(crate) follow_ups: Vec<(NaiveDate, String, i32)>,
}

/// A planned session.
#[derive(Clone, Debug)]
pub(crate) struct Session {
    pub(crate) committee: usize,
    pub(crate) kind: ConsultationKind,
    pub(crate) title: String,
    pub(crate) topic: String,
    pub(crate) keyword: String,
    pub(crate) departments: Vec<String>,
    pub(crate) source: TopicSource,
    pub(crate) organizer_kind: OrganizerKind,
    pub(crate) organizer_name: String,
    pub(crate) lounge: Option<usize>,
    pub(crate) venue: String,
    pub(crate) submitter: Option<(String, String)>,
    pub(crate) fate: Fate,
    /// Guests the story requires (role, organisation), besides the generated ones.
    pub(crate) guests: Vec<(ParticipantRole, String)>,
    pub(crate) fixed_suggestions: Vec<FixedSuggestion>,
    /// True when a department's slot request (挂号) led to this session (see `slots.rs`).
    pub(crate) from_slot_request: bool,
}

/// A generated session of `committee` on topic `topic` with the given fate.
pub(crate) fn generic(
    rng: &mut Rng,
    world: &World,
    lounges: &[Lounge],
    committee: usize,
    kind: ConsultationKind,
    topic: &topics::Topic,
    fate: Fate,
) -> Session {
    let c = world.get(committee);
    let source = match rng.below(100) {
        0..60 => TopicSource::PartyGovernment,
        60..85 => TopicSource::Member,
        _ => TopicSource::Public,
    };
    let (organizer_kind, organizer_name) = match (kind, rng.below(100)) {
        (ConsultationKind::Main, 0..60) => (OrganizerKind::Committee, c.cppcc()),
        (ConsultationKind::Main, _) | (ConsultationKind::Micro, 0..25) => (
            OrganizerKind::SpecialCommittee,
            format!("{}{}", c.cppcc(), rng.pick(topics::SPECIAL_COMMITTEES)),
        ),
        (ConsultationKind::Micro, 25..65) => (
            OrganizerKind::Sector,
            format!(
                "{}{}界别",
                c.cppcc(),
                rng.pick(topics::SECTOR_GROUPS).trim_end_matches('界')
            ),
        ),
        (ConsultationKind::Micro, _) => (
            OrganizerKind::ParticipatingUnit,
            format!("{}{}委员会", rng.pick(topics::PARTIES), c.name),
        ),
    };
    let held_on = match &fate {
        Fate::Held { at, .. } => Some(super::calendar::china_date(*at)),
        _ => None,
    };
    // Micro-consultations often meet in a lounge of the same committee.
    let lounge = held_on.and_then(|day| {
        let odds = if kind == ConsultationKind::Micro {
            40
        } else {
            5
        };
        let own: Vec<usize> = (0..lounges.len())
            .filter(|&l| lounges[l].committee == committee && lounges[l].established_on < day)
            .collect();
        (!own.is_empty() && rng.chance(odds)).then(|| own[rng.index(own.len())])
    });
    let venue = match lounge {
        Some(l) => lounges[l].venue.clone(),
        None if kind == ConsultationKind::Micro => format!("{}{}文化礼堂", c.short, town(rng)),
        None => format!(
            "{}{}",
            c.cppcc(),
            rng.pick(&["协商议事厅", "常委会议室", "委员之家"])
        ),
    };
    let submitter = (source == TopicSource::Public).then(|| {
        let id = rng.range(1, 9_999);
        (
            guest_name(rng, 40),
            format!("100-9{:03}-{:04}", id % 1000, rng.range(0, 9_999)),
        )
    });
    Session {
        committee,
        kind,
        title: topic.title.to_owned(),
        topic: format!("{}：{}", c.name, topic.question),
        keyword: topic.keyword.to_owned(),
        departments: topic.departments.iter().map(|d| c.department(d)).collect(),
        source,
        organizer_kind,
        organizer_name,
        lounge,
        venue,
        submitter,
        fate,
        guests: Vec::new(),
        fixed_suggestions: Vec::new(),
        from_slot_request: false,
    }
}

/// A weekday near `day` (weekend sessions move to Friday or Monday).
fn weekday(day: NaiveDate) -> NaiveDate {
    match day.weekday() {
        Weekday::Sat => add_days(day, -1),
        Weekday::Sun => add_days(day, 1),
        _ => day,
    }
}

/// Session times in `year`: one per equal stretch of the season (March–December, or from
/// mid-April in 2020, after the epidemic's first wave).
fn days_in_season(rng: &mut Rng, year: i32, count: usize) -> Result<Vec<NaiveDate>, DomainError> {
    let first = if year == 2020 {
        ymd(2020, 4, 13)?
    } else {
        ymd(year, 3, 4)?
    };
    let span = days_between(first, ymd(year, 12, 24)?) + 1;
    let n = count.max(1) as i64;
    Ok((0..n)
        .map(|step| {
            let (from, to) = (
                span * step / n,
                (span * (step + 1) / n - 1).max(span * step / n),
            );
            weekday(add_days(first, rng.range(from, to)))
        })
        .collect())
}

/// Every session of 2019 and 2020 plus the cancelled and pending ones, named ones included.
pub(crate) fn plan(
    world: &World,
    lounges: &[Lounge],
    named: Vec<Session>,
) -> Result<Vec<Session>, DomainError> {
    let mut rng = Rng::new("sessions");
    let mut sessions = Vec::new();
    let counties = world.of_level(RegionLevel::County);
    let cities = world.of_level(RegionLevel::City);
    for year in [2019, 2020] {
        let mut main: Vec<(usize, usize)> = Vec::new();
        main.push((world.index("330000")?, 3));
        let mut city_total = 0;
        for &city in &cities {
            let count = rng.range(3, 5) as usize;
            city_total += count;
            main.push((city, count));
        }
        let sevens = if year == 2019 {
            MAIN_2019_CITIES_AND_COUNTIES.saturating_sub(city_total + 6 * counties.len())
        } else {
            counties.len() * 3 / 10
        };
        let mut order = counties.clone();
        rng.shuffle(&mut order);
        for &county in &counties {
            let extra = usize::from(
                order
                    .iter()
                    .position(|&c| c == county)
                    .is_some_and(|p| p < sevens),
            );
            main.push((county, 6 + extra));
        }
        for (committee, count) in main {
            let level = world.get(committee).level;
            let micro = match level {
                RegionLevel::Province => rng.range(0, 1),
                RegionLevel::City => rng.range(0, 2),
                RegionLevel::County => rng.range(1, 4),
            } as usize;
            let fixed = named
                .iter()
                .filter(|s| s.committee == committee && s.kind == ConsultationKind::Main)
                .filter(|s| matches!(s.fate, Fate::Held { at, .. } if super::calendar::china_date(at).year() == year))
                .count();
            let generic_main = count.saturating_sub(fixed);
            let mut picks: Vec<usize> = (0..TOPICS.len()).collect();
            rng.shuffle(&mut picks);
            let mut picks = picks.into_iter().cycle();
            for day in days_in_season(&mut rng, year, generic_main)?
                .into_iter()
                .take(generic_main)
            {
                let at = hm(
                    day,
                    *rng.pick(&[9, 14]),
                    if rng.chance(50) { 0 } else { 30 },
                );
                let topic = &TOPICS[picks.next().unwrap_or(0)];
                let fate = Fate::Held {
                    at,
                    status: None,
                    closed_at: None,
                };
                sessions.push(generic(
                    &mut rng,
                    world,
                    lounges,
                    committee,
                    ConsultationKind::Main,
                    topic,
                    fate,
                ));
            }
            for day in days_in_season(&mut rng, year, micro.max(1))?
                .into_iter()
                .take(micro)
            {
                let at = hm(day, *rng.pick(&[14, 19]), 30);
                let topic = &TOPICS[picks.next().unwrap_or(0)];
                let fate = Fate::Held {
                    at,
                    status: None,
                    closed_at: None,
                };
                sessions.push(generic(
                    &mut rng,
                    world,
                    lounges,
                    committee,
                    ConsultationKind::Micro,
                    topic,
                    fate,
                ));
            }
        }
        // A handful cancelled before they were held.
        for number in 0..6 {
            let committee = counties[rng.index(counties.len())];
            let epidemic = year == 2020 && number < 3;
            let on = if epidemic {
                add_days(ymd(2020, 1, 28)?, rng.range(0, 40))
            } else {
                add_days(ymd(year, 4, 1)?, rng.range(0, 220))
            };
            let reached = *rng.pick(&[
                ConsultationStatus::Approved,
                ConsultationStatus::Researching,
                ConsultationStatus::Scheduled,
                ConsultationStatus::Proposed,
            ]);
            let reason = if epidemic {
                EPIDEMIC_REASON.to_owned()
            } else {
                (*rng.pick(CANCEL_REASONS)).to_owned()
            };
            let kind = if rng.chance(70) {
                ConsultationKind::Main
            } else {
                ConsultationKind::Micro
            };
            let topic = &TOPICS[rng.index(TOPICS.len())];
            sessions.push(generic(
                &mut rng,
                world,
                lounges,
                committee,
                kind,
                topic,
                Fate::Cancelled {
                    reached,
                    on,
                    reason,
                },
            ));
        }
    }
    // Sessions prepared for early 2021.
    let mut planners: Vec<usize> = counties.clone();
    rng.shuffle(&mut planners);
    planners.truncate(26);
    planners.extend([world.index("330000")?, cities[0], cities[1], cities[2]]);
    let early_2021 = ymd(2021, 1, 11)?;
    for (number, committee) in planners.into_iter().enumerate() {
        use ConsultationStatus as S;
        let reached = [S::Proposed, S::Approved, S::Researching, S::Scheduled][number % 4];
        let proposed_on = add_days(ymd(2020, 10, 12)?, rng.range(0, 50));
        let scheduled_at = (reached == S::Scheduled)
            .then(|| add_days(early_2021, rng.range(0, 75)))
            .map(|day| hm(weekday(day), 9, 0));
        let topic = &TOPICS[rng.index(TOPICS.len())];
        let fate = Fate::Pending {
            reached,
            proposed_on,
            scheduled_at,
        };
        sessions.push(generic(
            &mut rng,
            world,
            lounges,
            committee,
            ConsultationKind::Main,
            topic,
            fate,
        ));
    }
    sessions.extend(named);
    // Ids follow time: order by the day each session was held, cancelled or proposed.
    sessions.sort_by_key(|session| {
        let day = match &session.fate {
            Fate::Held { at, .. } => super::calendar::china_date(*at),
            Fate::Cancelled { on, .. } => *on,
            Fate::Pending { proposed_on, .. } => *proposed_on,
        };
        (day, session.committee)
    });
    Ok(sessions)
}
