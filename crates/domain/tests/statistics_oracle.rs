//! An independent oracle for the statistics: random small data sets over a few Zhejiang regions,
//! every figure recomputed by brute force in plain Rust from the rows inserted, compared with
//! `domain::statistics::compute` on the engine of the run (`XIESHANG_TEST_ENGINE`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use domain::{
    Db,
    statistics::{self, Figures, QuotaCompliance, Quotas},
};
use entity::{
    consultation, consultation_participant,
    enums::{
        ActivityChannel, ActivityFormat, ActivityHostStatus, ActivityKind, ConsultationKind,
        ConsultationStatus, Gender, LoungeRole, LoungeStatus, MemberStatus, OrganizerKind,
        ParticipantRole, RegionLevel, SentimentReportStatus, SuggestionStatus, TopicSource,
    },
    lounge, lounge_activity, lounge_activity_host, lounge_activity_participant, lounge_membership,
    member, region, sentiment_report, sentiment_report_author, suggestion,
};
use proptest::{
    prelude::*,
    test_runner::{Config, TestCaseError, TestRunner},
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use seed::{DivisionSet, NoProgress, load_divisions};
use testing::{Template, TestDb};

/// Where the random facts are placed: the province, two cities, two counties of each.
const PLACES: [&str; 7] = [
    "330000", "330100", "330102", "330106", "330200", "330203", "330212",
];
/// Whose statistics are compared (each with its children).
const ASKED: [&str; 4] = ["330000", "330100", "330200", "330212"];
const YEARS: [i32; 2] = [2019, 2020];
const QUOTAS: Quotas = Quotas {
    county_main_consultations: 2,
    lounge_planned_activities: 2,
};
const MEMBERS: usize = 8;

// ---------------------------------------------------------------- the random data set

#[derive(Clone, Debug)]
struct LoungeSpec {
    place: usize,
    established: NaiveDate,
    closed: Option<NaiveDate>,
}

#[derive(Clone, Debug)]
struct MembershipSpec {
    lounge: usize,
    member: usize,
    lead: bool,
    since: NaiveDate,
    until: Option<NaiveDate>,
}

#[derive(Clone, Debug)]
struct ActivitySpec {
    planned: bool,
    starts: DateTime<Utc>,
    /// Host lounges with their consent; only CONFIRMED hosts count.
    hosts: BTreeMap<usize, ActivityHostStatus>,
    participants: BTreeSet<usize>,
}

#[derive(Clone, Debug)]
struct ConsultationSpec {
    place: usize,
    main: bool,
    source: TopicSource,
    status: ConsultationStatus,
    held: Option<DateTime<Utc>>,
    participants: Vec<Option<usize>>,
}

#[derive(Clone, Debug)]
struct SuggestionSpec {
    consultation: usize,
    status: SuggestionStatus,
    created: DateTime<Utc>,
}

#[derive(Clone, Debug)]
struct ReportSpec {
    place: usize,
    submitted: Option<DateTime<Utc>>,
    acknowledged: Option<DateTime<Utc>>,
    authors: BTreeSet<usize>,
}

#[derive(Clone, Debug)]
struct Scenario {
    lounges: Vec<LoungeSpec>,
    memberships: Vec<MembershipSpec>,
    activities: Vec<ActivitySpec>,
    consultations: Vec<ConsultationSpec>,
    suggestions: Vec<SuggestionSpec>,
    reports: Vec<ReportSpec>,
}

/// Jan 1 00:00 in China of `year`, in UTC.
fn china_new_year(year: i32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year - 1, 12, 31, 16, 0, 0)
        .single()
        .expect("a valid instant")
}

/// An instant from late 2018 to early 2021, often within seconds (or hours) of a year boundary
/// in China, where UTC and China disagree about the year.
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (0..4usize, -3i64..=3, 0..(3 * 366 * 24i64)).prop_map(|(kind, delta, hours)| {
        if kind < 3 {
            china_new_year(2019 + kind as i32) + Duration::seconds(delta * delta * delta)
        } else {
            china_new_year(2019) - Duration::days(30) + Duration::hours(hours)
        }
    })
}

/// A day from late 2018 to early 2021, often next to Jan 1 or Dec 31.
fn day() -> impl Strategy<Value = NaiveDate> {
    (0..4usize, -1i64..=1, 0..(3 * 366i64)).prop_map(|(kind, delta, days)| {
        let base = if kind < 3 {
            NaiveDate::from_ymd_opt(2019 + kind as i32, 1, 1).expect("a date")
                + Duration::days(delta)
        } else {
            NaiveDate::from_ymd_opt(2018, 12, 1).expect("a date") + Duration::days(days)
        };
        if kind < 3 && delta == 0 {
            // Dec 31 as often as Jan 1.
            base - Duration::days(i64::from(days % 2 == 0))
        } else {
            base
        }
    })
}

fn scenario() -> impl Strategy<Value = Scenario> {
    let lounges = prop::collection::vec(
        (0..PLACES.len(), day(), prop::option::of(day())).prop_map(|(place, a, b)| LoungeSpec {
            place,
            established: a,
            closed: b.map(|b| b.max(a)),
        }),
        1..6,
    );
    let memberships = prop::collection::vec(
        (
            0..6usize,
            0..MEMBERS,
            any::<bool>(),
            day(),
            prop::option::of(day()),
        )
            .prop_map(|(lounge, member, lead, since, until)| MembershipSpec {
                lounge,
                member,
                lead,
                since,
                until: until.map(|until| until.max(since)),
            }),
        0..10,
    );
    let activities = prop::collection::vec(
        (
            any::<bool>(),
            instant(),
            prop::collection::btree_map(
                0..6usize,
                prop::sample::select(ActivityHostStatus::ALL.to_vec()),
                1..3,
            ),
            prop::collection::btree_set(0..MEMBERS, 0..3),
        )
            .prop_map(|(planned, starts, hosts, participants)| ActivitySpec {
                planned,
                starts,
                hosts,
                participants,
            }),
        0..12,
    );
    let statuses = prop::sample::select(vec![
        ConsultationStatus::Proposed,
        ConsultationStatus::Scheduled,
        ConsultationStatus::Held,
        ConsultationStatus::FollowUp,
        ConsultationStatus::Closed,
        ConsultationStatus::Cancelled,
    ]);
    let sources = prop::sample::select(vec![
        TopicSource::PartyGovernment,
        TopicSource::Member,
        TopicSource::Public,
    ]);
    let consultations = prop::collection::vec(
        (
            0..PLACES.len(),
            prop::bool::weighted(0.7),
            sources,
            statuses,
            prop::option::weighted(0.8, instant()),
            prop::collection::vec(prop::option::of(0..MEMBERS), 0..3),
        )
            .prop_map(|(place, main, source, status, held, participants)| {
                ConsultationSpec {
                    place,
                    main,
                    source,
                    status,
                    held,
                    participants,
                }
            }),
        0..14,
    );
    let suggestions = prop::collection::vec(
        (
            0..14usize,
            prop::sample::select(SuggestionStatus::ALL.to_vec()),
            instant(),
        )
            .prop_map(|(consultation, status, created)| SuggestionSpec {
                consultation,
                status,
                created,
            }),
        0..10,
    );
    let reports = prop::collection::vec(
        (
            0..PLACES.len(),
            prop::option::of(instant()),
            prop::option::of(instant()),
            prop::collection::btree_set(0..MEMBERS, 0..3),
        )
            .prop_map(|(place, submitted, acknowledged, authors)| ReportSpec {
                place,
                submitted,
                acknowledged,
                authors,
            }),
        0..6,
    );
    (
        lounges,
        memberships,
        activities,
        consultations,
        suggestions,
        reports,
    )
        .prop_map(
            |(lounges, memberships, activities, consultations, suggestions, reports)| Scenario {
                lounges,
                memberships,
                activities,
                consultations,
                suggestions,
                reports,
            },
        )
}

// ---------------------------------------------------------------- the rows as inserted

/// The scenario as stored: indexes resolved, ids assigned.
#[derive(Default)]
struct Rows {
    lounges: Vec<lounge::Model>,
    memberships: Vec<lounge_membership::Model>,
    activities: Vec<lounge_activity::Model>,
    /// (activity, lounge) of the CONFIRMED host links only: INVITED and DECLINED links are
    /// stored but never count.
    hosts: Vec<(i64, i64)>,
    activity_participants: Vec<(i64, i64)>,
    consultations: Vec<consultation::Model>,
    consultation_participants: Vec<consultation_participant::Model>,
    suggestions: Vec<suggestion::Model>,
    reports: Vec<sentiment_report::Model>,
    authors: Vec<(i64, i64)>,
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 6, 1, 0, 0, 0)
        .single()
        .expect("a valid instant")
}

async fn insert(db: &Db, places: &[i64], scenario: &Scenario) -> Rows {
    let writer = db.writer();
    let mut rows = Rows::default();
    let mut members = Vec::new();
    for index in 0..MEMBERS {
        let row = member::ActiveModel {
            region_id: Set(places[index % places.len()]),
            member_number: Set(format!("T-{index:05}")),
            name: Set(format!("委员{index}")),
            gender: Set(Gender::Female),
            sector: Set("界别".to_owned()),
            occupation: Set("职业".to_owned()),
            term: Set(12),
            phone: Set(None),
            email: Set(None),
            status: Set(MemberStatus::Active),
            created_at: Set(now()),
            updated_at: Set(now()),
            ..Default::default()
        }
        .insert(writer)
        .await
        .expect("a member");
        members.push(row.id);
    }
    for (index, spec) in scenario.lounges.iter().enumerate() {
        let row = lounge::ActiveModel {
            region_id: Set(places[spec.place]),
            name: Set(format!("客厅{index}")),
            theme: Set("主题".to_owned()),
            venue: Set("场所".to_owned()),
            address: Set("地址".to_owned()),
            status: Set(if spec.closed.is_some() {
                LoungeStatus::Closed
            } else {
                LoungeStatus::Active
            }),
            established_on: Set(spec.established),
            closed_on: Set(spec.closed),
            version: Set(0),
            created_at: Set(now()),
            updated_at: Set(now()),
            ..Default::default()
        }
        .insert(writer)
        .await
        .expect("a lounge");
        rows.lounges.push(row);
    }
    let lounge_id = |index: usize| rows.lounges[index % rows.lounges.len()].id;
    for spec in &scenario.memberships {
        let row = lounge_membership::ActiveModel {
            lounge_id: Set(lounge_id(spec.lounge)),
            member_id: Set(members[spec.member]),
            role: Set(if spec.lead {
                LoungeRole::Lead
            } else {
                LoungeRole::Team
            }),
            since: Set(spec.since),
            until: Set(spec.until),
            created_at: Set(now()),
            ..Default::default()
        }
        .insert(writer)
        .await
        .expect("a membership");
        rows.memberships.push(row);
    }
    for (index, spec) in scenario.activities.iter().enumerate() {
        // Hosts are never empty here; a host-less activity would be numbered by region 0.
        let numbering = spec
            .hosts
            .first_key_value()
            .map(|(host, _)| rows.lounges[*host % rows.lounges.len()].region_id)
            .unwrap_or_default();
        let row = lounge_activity::ActiveModel {
            region_id: Set(numbering),
            record_number: Set(format!("HD-{index}")),
            title: Set(format!("活动{index}")),
            kind: Set(if spec.planned {
                ActivityKind::Planned
            } else {
                ActivityKind::Flexible
            }),
            format: Set(ActivityFormat::Forum),
            channel: Set(ActivityChannel::Offline),
            platform: Set(None),
            starts_at: Set(spec.starts),
            ends_at: Set(spec.starts + Duration::hours(2)),
            public_attendance: Set(0),
            summary: Set(String::new()),
            created_at: Set(now()),
            ..Default::default()
        }
        .insert(writer)
        .await
        .expect("an activity");
        let hosts: BTreeMap<i64, ActivityHostStatus> = spec
            .hosts
            .iter()
            .map(|(host, status)| (lounge_id(*host), *status))
            .collect();
        for (host, status) in hosts {
            lounge_activity_host::ActiveModel {
                activity_id: Set(row.id),
                lounge_id: Set(host),
                status: Set(status),
            }
            .insert(writer)
            .await
            .expect("a host");
            if status == ActivityHostStatus::Confirmed {
                rows.hosts.push((row.id, host));
            }
        }
        for participant in &spec.participants {
            lounge_activity_participant::ActiveModel {
                activity_id: Set(row.id),
                member_id: Set(members[*participant]),
            }
            .insert(writer)
            .await
            .expect("an activity participant");
            rows.activity_participants
                .push((row.id, members[*participant]));
        }
        rows.activities.push(row);
    }
    for (index, spec) in scenario.consultations.iter().enumerate() {
        let row = consultation::ActiveModel {
            region_id: Set(places[spec.place]),
            record_number: Set(format!("XS-{index}")),
            title: Set(format!("协商{index}")),
            topic: Set("议题".to_owned()),
            topic_source: Set(spec.source),
            kind: Set(if spec.main {
                ConsultationKind::Main
            } else {
                ConsultationKind::Micro
            }),
            status: Set(spec.status),
            organizer_kind: Set(OrganizerKind::Committee),
            organizer_name: Set("政协".to_owned()),
            lounge_id: Set(None),
            venue: Set(None),
            scheduled_at: Set(spec.held),
            held_at: Set(spec.held),
            cancel_reason: Set(None),
            submitter_name: Set(None),
            submitter_contact: Set(None),
            version: Set(0),
            created_at: Set(now()),
            updated_at: Set(now()),
            ..Default::default()
        }
        .insert(writer)
        .await
        .expect("a consultation");
        for participant in &spec.participants {
            let participant = consultation_participant::ActiveModel {
                consultation_id: Set(row.id),
                role: Set(if participant.is_some() {
                    ParticipantRole::Member
                } else {
                    ParticipantRole::Expert
                }),
                member_id: Set(participant.map(|index| members[index])),
                name: Set("参加者".to_owned()),
                organization: Set(None),
                ..Default::default()
            }
            .insert(writer)
            .await
            .expect("a consultation participant");
            rows.consultation_participants.push(participant);
        }
        rows.consultations.push(row);
    }
    if !rows.consultations.is_empty() {
        for (index, spec) in scenario.suggestions.iter().enumerate() {
            let consultation = &rows.consultations[spec.consultation % rows.consultations.len()];
            let row = suggestion::ActiveModel {
                consultation_id: Set(consultation.id),
                content: Set(format!("建议{index}")),
                proposer_member_id: Set(None),
                proposer_name: Set("提出者".to_owned()),
                responsible_department: Set("部门".to_owned()),
                status: Set(spec.status),
                grade: Set(None),
                version: Set(0),
                created_at: Set(spec.created),
                updated_at: Set(spec.created),
                ..Default::default()
            }
            .insert(writer)
            .await
            .expect("a suggestion");
            rows.suggestions.push(row);
        }
    }
    for (index, spec) in scenario.reports.iter().enumerate() {
        let status = match (spec.submitted, spec.acknowledged) {
            (_, Some(_)) => SentimentReportStatus::Acknowledged,
            (Some(_), None) => SentimentReportStatus::Submitted,
            (None, None) => SentimentReportStatus::Draft,
        };
        let row = sentiment_report::ActiveModel {
            region_id: Set(places[spec.place]),
            title: Set(format!("社情民意{index}")),
            content: Set("内容".to_owned()),
            recipient: Set("党委".to_owned()),
            status: Set(status),
            submitted_at: Set(spec.submitted),
            acknowledged_at: Set(spec.acknowledged),
            acknowledgement: Set(None),
            version: Set(0),
            created_at: Set(now()),
            updated_at: Set(now()),
            ..Default::default()
        }
        .insert(writer)
        .await
        .expect("a report");
        for author in &spec.authors {
            sentiment_report_author::ActiveModel {
                report_id: Set(row.id),
                member_id: Set(members[*author]),
            }
            .insert(writer)
            .await
            .expect("an author");
            rows.authors.push((row.id, members[*author]));
        }
        rows.reports.push(row);
    }
    rows
}

// ---------------------------------------------------------------- the oracle

struct Year {
    year: i32,
    starts: DateTime<Utc>,
    ends: DateTime<Utc>,
    first: NaiveDate,
    last: NaiveDate,
}

impl Year {
    fn new(year: i32) -> Self {
        Self {
            year,
            starts: china_new_year(year),
            ends: china_new_year(year + 1),
            first: NaiveDate::from_ymd_opt(year, 1, 1).expect("a date"),
            last: NaiveDate::from_ymd_opt(year, 12, 31).expect("a date"),
        }
    }

    fn holds(&self, instant: Option<DateTime<Utc>>) -> bool {
        instant.is_some_and(|instant| self.starts <= instant && instant < self.ends)
    }

    fn spans(&self, from: NaiveDate, to: Option<NaiveDate>) -> bool {
        from <= self.last && to.is_none_or(|to| to >= self.first)
    }
}

fn held(row: &consultation::Model, year: &Year) -> bool {
    matches!(
        row.status,
        ConsultationStatus::Held | ConsultationStatus::FollowUp | ConsultationStatus::Closed
    ) && year.holds(row.held_at)
}

fn count(items: impl Iterator<Item = bool>) -> i64 {
    items.filter(|item| *item).count() as i64
}

/// Every figure over the regions in `scope`, by brute force.
fn oracle(rows: &Rows, scope: &BTreeSet<i64>, year: &Year) -> Figures {
    let lounge_region: HashMap<i64, i64> =
        rows.lounges.iter().map(|l| (l.id, l.region_id)).collect();
    let in_scope_lounge = |id: i64| scope.contains(&lounge_region[&id]);
    let held_here: Vec<&consultation::Model> = rows
        .consultations
        .iter()
        .filter(|k| scope.contains(&k.region_id) && held(k, year))
        .collect();
    let consultation_region: HashMap<i64, i64> = rows
        .consultations
        .iter()
        .map(|k| (k.id, k.region_id))
        .collect();
    let activities: Vec<&lounge_activity::Model> = rows
        .activities
        .iter()
        .filter(|a| year.holds(Some(a.starts_at)))
        .filter(|a| {
            rows.hosts
                .iter()
                .any(|(activity, lounge)| *activity == a.id && in_scope_lounge(*lounge))
        })
        .collect();
    let serving = |role: LoungeRole| -> BTreeSet<i64> {
        rows.memberships
            .iter()
            .filter(|m| m.role == role && in_scope_lounge(m.lounge_id))
            .filter(|m| m.since <= year.last && m.until.is_none_or(|until| until >= year.first))
            .map(|m| m.member_id)
            .collect()
    };
    let suggestions: Vec<&suggestion::Model> = rows
        .suggestions
        .iter()
        .filter(|s| scope.contains(&consultation_region[&s.consultation_id]))
        .filter(|s| year.holds(Some(s.created_at)))
        .collect();
    let reports: Vec<&sentiment_report::Model> = rows
        .reports
        .iter()
        .filter(|r| scope.contains(&r.region_id))
        .collect();

    let mut participants = BTreeSet::new();
    for p in &rows.consultation_participants {
        if let Some(member) = p.member_id
            && held_here.iter().any(|k| k.id == p.consultation_id)
        {
            participants.insert(member);
        }
    }
    for (activity, member) in &rows.activity_participants {
        if activities.iter().any(|a| a.id == *activity) {
            participants.insert(*member);
        }
    }
    for (report, member) in &rows.authors {
        if reports
            .iter()
            .any(|r| r.id == *report && year.holds(r.submitted_at))
        {
            participants.insert(*member);
        }
    }
    for m in &rows.memberships {
        if in_scope_lounge(m.lounge_id) && year.spans(m.since, m.until) {
            participants.insert(m.member_id);
        }
    }

    Figures {
        main_consultations_held: count(held_here.iter().map(|k| k.kind == ConsultationKind::Main)),
        micro_consultations_held: count(
            held_here.iter().map(|k| k.kind == ConsultationKind::Micro),
        ),
        topic_party_government: count(
            held_here
                .iter()
                .map(|k| k.topic_source == TopicSource::PartyGovernment),
        ),
        topic_member: count(
            held_here
                .iter()
                .map(|k| k.topic_source == TopicSource::Member),
        ),
        topic_public: count(
            held_here
                .iter()
                .map(|k| k.topic_source == TopicSource::Public),
        ),
        active_lounges: count(
            rows.lounges
                .iter()
                .map(|l| scope.contains(&l.region_id) && year.spans(l.established_on, l.closed_on)),
        ),
        lead_members: serving(LoungeRole::Lead).len() as i64,
        team_members: serving(LoungeRole::Team).len() as i64,
        planned_activities: count(activities.iter().map(|a| a.kind == ActivityKind::Planned)),
        flexible_activities: count(activities.iter().map(|a| a.kind == ActivityKind::Flexible)),
        suggestions_made: suggestions.len() as i64,
        suggestions_accepted: count(suggestions.iter().map(|s| {
            matches!(
                s.status,
                SuggestionStatus::Accepted
                    | SuggestionStatus::InProgress
                    | SuggestionStatus::Implemented
            )
        })),
        suggestions_implemented: count(
            suggestions
                .iter()
                .map(|s| s.status == SuggestionStatus::Implemented),
        ),
        reports_submitted: count(reports.iter().map(|r| year.holds(r.submitted_at))),
        reports_acknowledged: count(reports.iter().map(|r| year.holds(r.acknowledged_at))),
        participating_members: participants.len() as i64,
    }
}

/// Quota compliance over `scope`, by brute force.
fn oracle_quota(
    rows: &Rows,
    regions: &[region::Model],
    scope: &BTreeSet<i64>,
    year: &Year,
) -> QuotaCompliance {
    let counties: Vec<i64> = regions
        .iter()
        .filter(|r| r.level == RegionLevel::County && scope.contains(&r.id))
        .map(|r| r.id)
        .collect();
    let meeting_consultations = counties
        .iter()
        .filter(|county| {
            let main = rows
                .consultations
                .iter()
                .filter(|k| k.region_id == **county && k.kind == ConsultationKind::Main)
                .filter(|k| held(k, year))
                .count();
            main >= QUOTAS.county_main_consultations as usize
        })
        .count();
    let active: Vec<&lounge::Model> = rows
        .lounges
        .iter()
        .filter(|l| scope.contains(&l.region_id) && year.spans(l.established_on, l.closed_on))
        .collect();
    let meeting_activities = active
        .iter()
        .filter(|l| {
            let planned = rows
                .activities
                .iter()
                .filter(|a| a.kind == ActivityKind::Planned && year.holds(Some(a.starts_at)))
                .filter(|a| rows.hosts.contains(&(a.id, l.id)))
                .count();
            planned >= QUOTAS.lounge_planned_activities as usize
        })
        .count();
    QuotaCompliance {
        county_committees: counties.len() as i64,
        county_committees_meeting_consultation_quota: meeting_consultations as i64,
        active_lounges: active.len() as i64,
        lounges_meeting_activity_quota: meeting_activities as i64,
    }
}

/// The region and every region below it.
fn subtree(regions: &[region::Model], root: i64) -> BTreeSet<i64> {
    let parent: HashMap<i64, Option<i64>> = regions.iter().map(|r| (r.id, r.parent_id)).collect();
    regions
        .iter()
        .filter(|r| {
            let mut current = Some(r.id);
            while let Some(id) = current {
                if id == root {
                    return true;
                }
                current = parent[&id];
            }
            false
        })
        .map(|r| r.id)
        .collect()
}

fn additive(figures: &Figures) -> [i64; 12] {
    [
        figures.main_consultations_held,
        figures.micro_consultations_held,
        figures.topic_party_government,
        figures.topic_member,
        figures.topic_public,
        figures.active_lounges,
        figures.suggestions_made,
        figures.suggestions_accepted,
        figures.suggestions_implemented,
        figures.reports_submitted,
        figures.reports_acknowledged,
        0,
    ]
}

async fn check(scenario: Scenario) -> Result<(), TestCaseError> {
    let test = TestDb::new(Template::Migrated)
        .await
        .expect("a test database");
    load_divisions(&test.db, DivisionSet::Zhejiang, &mut NoProgress)
        .await
        .expect("the Zhejiang divisions");
    let regions = region::Entity::find()
        .all(test.db.reader())
        .await
        .expect("the regions");
    let id_of = |code: &str| {
        regions
            .iter()
            .find(|r| r.code == code)
            .map(|r| r.id)
            .expect("a Zhejiang region")
    };
    let places: Vec<i64> = PLACES.iter().map(|code| id_of(code)).collect();
    let rows = insert(&test.db, &places, &scenario).await;
    let asked: Vec<i64> = ASKED.iter().map(|code| id_of(code)).collect();
    let answer = statistics::compute(&test.db, &asked, YEARS[0], YEARS[1], QUOTAS)
        .await
        .expect("statistics");

    for region_id in &asked {
        let series = &answer[region_id];
        prop_assert_eq!(series.len(), YEARS.len());
        for (stats, year) in series.iter().zip(YEARS.map(Year::new)) {
            prop_assert_eq!(stats.year, year.year);
            let whole = subtree(&regions, *region_id);
            let own = BTreeSet::from([*region_id]);
            prop_assert_eq!(
                stats.totals,
                oracle(&rows, &whole, &year),
                "totals {}",
                region_id
            );
            prop_assert_eq!(stats.own, oracle(&rows, &own, &year), "own {}", region_id);
            prop_assert_eq!(
                stats.quota,
                oracle_quota(&rows, &regions, &whole, &year),
                "quota {}",
                region_id
            );
            let mut children: Vec<&region::Model> = regions
                .iter()
                .filter(|r| r.parent_id == Some(*region_id))
                .collect();
            children.sort_by(|a, b| a.code.cmp(&b.code));
            prop_assert_eq!(stats.children.len(), children.len());
            let mut sum = additive(&stats.own);
            for ((child, figures), expected) in stats.children.iter().zip(children) {
                prop_assert_eq!(child.id, expected.id);
                let scope = subtree(&regions, child.id);
                prop_assert_eq!(*figures, oracle(&rows, &scope, &year), "child {}", child.id);
                for (total, value) in sum.iter_mut().zip(additive(figures)) {
                    *total += value;
                }
            }
            prop_assert_eq!(sum, additive(&stats.totals), "totals = own + children");
        }
    }
    Ok(())
}

#[test]
fn statistics_agree_with_a_brute_force_oracle() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let mut runner = TestRunner::new(Config {
        cases: 12,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&scenario(), |scenario| runtime.block_on(check(scenario)));
    if let Err(error) = result {
        panic!("{error}");
    }
}
