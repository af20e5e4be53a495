//! The demo data set reproduces the article's figures (`docs/article-facts.md`) on 2020-12-31,
//! holds the sessions, lounges and activities it names, is identical on every run and engine,
//! and is refused on a database that already holds data.
//!
//! Runs on the engine chosen by `XIESHANG_TEST_ENGINE` (see the `testing` crate).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Timelike, Utc};
use domain::DomainError;
use entity::{
    consultation, enums::*, event, lounge, lounge_activity, lounge_activity_host,
    lounge_membership, member, region, region_closure, sentiment_report,
    sentiment_report_source_lounge, slot_request, suggestion, suggestion_follow_up,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, RelationTrait, sea_query::JoinType,
};
use seed::{DivisionSet, NoProgress};
use testing::{Template, TestDb};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// `year-month-day hour:00` in China Standard Time.
fn china(year: i32, month: u32, day: u32, hour: u32) -> Result<DateTime<Utc>, String> {
    FixedOffset::east_opt(8 * 3600)
        .and_then(|cst| cst.with_ymd_and_hms(year, month, day, hour, 0, 0).single())
        .map(|time| time.with_timezone(&Utc))
        .ok_or_else(|| format!("bad time {year}-{month}-{day}"))
}

fn date(year: i32, month: u32, day: u32) -> Result<NaiveDate, String> {
    NaiveDate::from_ymd_opt(year, month, day)
        .ok_or_else(|| format!("bad date {year}-{month}-{day}"))
}

/// Distinct members holding `role` in some lounge on `day`.
async fn distinct_members(
    db: &DatabaseConnection,
    role: LoungeRole,
    day: NaiveDate,
) -> Result<u64, DomainError> {
    Ok(lounge_membership::Entity::find()
        .select_only()
        .column(lounge_membership::Column::MemberId)
        .distinct()
        .filter(lounge_membership::Column::Role.eq(role))
        .filter(lounge_membership::Column::Since.lte(day))
        .filter(
            Condition::any()
                .add(lounge_membership::Column::Until.is_null())
                .add(lounge_membership::Column::Until.gte(day)),
        )
        .count(db)
        .await?)
}

/// Held sessions (HELD or later) per committee in a China calendar year, of one kind.
async fn held_per_region(
    db: &DatabaseConnection,
    year: i32,
    kind: ConsultationKind,
) -> Result<BTreeMap<i64, i64>, Box<dyn std::error::Error>> {
    let rows: Vec<(i64, i64)> = consultation::Entity::find()
        .select_only()
        .column(consultation::Column::RegionId)
        .column_as(consultation::Column::Id.count(), "held")
        .filter(consultation::Column::Kind.eq(kind))
        .filter(consultation::Column::Status.is_in([
            ConsultationStatus::Held,
            ConsultationStatus::FollowUp,
            ConsultationStatus::Closed,
        ]))
        .filter(consultation::Column::HeldAt.gte(china(year, 1, 1, 0)?))
        .filter(consultation::Column::HeldAt.lt(china(year + 1, 1, 1, 0)?))
        .group_by(consultation::Column::RegionId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

async fn county_ids(db: &DatabaseConnection) -> Result<Vec<(i64, String)>, DomainError> {
    Ok(region::Entity::find()
        .select_only()
        .columns([region::Column::Id, region::Column::Name])
        .filter(region::Column::Level.eq(RegionLevel::County))
        .filter(region::Column::Code.starts_with("33"))
        .into_tuple()
        .all(db)
        .await?)
}

#[tokio::test]
async fn regions_and_closure_are_complete() -> TestResult {
    let test = TestDb::new(Template::Demo).await?;
    let db = test.db.reader();
    assert_eq!(region::Entity::find().count(db).await?, 102);
    assert_eq!(
        region_closure::Entity::find().count(db).await?,
        102 + 101 + 90
    );
    for (county, name) in county_ids(db).await? {
        let ancestors = region_closure::Entity::find()
            .filter(region_closure::Column::DescendantId.eq(county))
            .order_by_asc(region_closure::Column::Depth)
            .all(db)
            .await?;
        let depths: Vec<i32> = ancestors.iter().map(|row| row.depth).collect();
        assert_eq!(depths, [0, 1, 2], "{name}");
        assert_eq!(ancestors[0].ancestor_id, county);
    }
    Ok(())
}

#[tokio::test]
async fn lounge_figures_match_the_article() -> TestResult {
    let test = TestDb::new(Template::Demo).await?;
    let db = test.db.reader();
    let last = date(2020, 12, 31)?;
    assert!(member::Entity::find().count(db).await? >= 25_000);
    let lounges = lounge::Entity::find().all(db).await?;
    assert_eq!(lounges.len(), 110);
    assert!(lounges.iter().all(|l| l.status == LoungeStatus::Active
        && l.established_on <= last
        && l.closed_on.is_none()));
    let opened_by = |day: NaiveDate| lounges.iter().filter(|l| l.established_on <= day).count();
    let growth = [date(2018, 8, 31)?, date(2019, 1, 31)?, date(2020, 1, 31)?].map(opened_by);
    assert_eq!(growth, [3, 8, 105]);

    assert_eq!(distinct_members(db, LoungeRole::Lead, last).await?, 146);
    assert_eq!(distinct_members(db, LoungeRole::Team, last).await?, 587);
    // Ignoring `until` would count the members who left.
    let ever = lounge_membership::Entity::find()
        .select_only()
        .column(lounge_membership::Column::MemberId)
        .distinct()
        .count(db)
        .await?;
    assert!(ever > 146 + 587);
    let active = lounge_membership::Entity::find()
        .filter(lounge_membership::Column::Since.lte(last))
        .filter(
            Condition::any()
                .add(lounge_membership::Column::Until.is_null())
                .add(lounge_membership::Column::Until.gte(last)),
        )
        .all(db)
        .await?;
    let leads: BTreeSet<i64> = active
        .iter()
        .filter(|m| m.role == LoungeRole::Lead)
        .map(|m| m.member_id)
        .collect();
    let team: BTreeSet<i64> = active
        .iter()
        .filter(|m| m.role == LoungeRole::Team)
        .map(|m| m.member_id)
        .collect();
    assert!(leads.is_disjoint(&team));
    let led: BTreeSet<i64> = active
        .iter()
        .filter(|m| m.role == LoungeRole::Lead)
        .map(|m| m.lounge_id)
        .collect();
    assert_eq!(led.len(), 110, "every lounge has an active lead");

    // "4+X": every lounge holds at least four PLANNED activities in 2020.
    let planned: Vec<(i64, i64)> = lounge_activity_host::Entity::find()
        .select_only()
        .column(lounge_activity_host::Column::LoungeId)
        .column_as(lounge_activity_host::Column::ActivityId.count(), "planned")
        .join(
            JoinType::InnerJoin,
            lounge_activity_host::Relation::Activity.def(),
        )
        .filter(lounge_activity::Column::Kind.eq(ActivityKind::Planned))
        .filter(lounge_activity::Column::StartsAt.gte(china(2020, 1, 1, 0)?))
        .filter(lounge_activity::Column::StartsAt.lt(china(2021, 1, 1, 0)?))
        .group_by(lounge_activity_host::Column::LoungeId)
        .into_tuple()
        .all(db)
        .await?;
    assert_eq!(planned.len(), 110);
    assert!(planned.iter().all(|(_, count)| *count >= 4));
    // Joint activities in the demo are agreed by every host, so all of them count.
    let unconfirmed = lounge_activity_host::Entity::find()
        .filter(lounge_activity_host::Column::Status.ne(ActivityHostStatus::Confirmed))
        .count(db)
        .await?;
    assert_eq!(unconfirmed, 0, "every demo host link is CONFIRMED");
    let in_2019 = lounge_activity::Entity::find()
        .filter(lounge_activity::Column::StartsAt.gte(china(2019, 1, 1, 0)?))
        .filter(lounge_activity::Column::StartsAt.lt(china(2020, 1, 1, 0)?))
        .count(db)
        .await?;
    assert!(
        (235..=250).contains(&in_2019),
        "{in_2019} activities in 2019"
    );
    Ok(())
}

#[tokio::test]
async fn every_county_holds_six_plus_x_in_2019_and_2020() -> TestResult {
    let test = TestDb::new(Template::Demo).await?;
    let db = test.db.reader();
    let counties = county_ids(db).await?;
    assert_eq!(counties.len(), 90);
    for year in [2019, 2020] {
        let main = held_per_region(db, year, ConsultationKind::Main).await?;
        let micro = held_per_region(db, year, ConsultationKind::Micro).await?;
        for (county, name) in &counties {
            assert!(
                main.get(county).copied().unwrap_or(0) >= 6,
                "{name} {year}: MAIN"
            );
            assert!(
                micro.get(county).copied().unwrap_or(0) >= 1,
                "{name} {year}: MICRO"
            );
        }
    }
    // Nothing but the sessions scheduled for early 2021 lies beyond 2020.
    let end = china(2021, 1, 1, 0)?;
    let late = consultation::Entity::find()
        .filter(
            Condition::any()
                .add(consultation::Column::HeldAt.gte(end))
                .add(consultation::Column::UpdatedAt.gte(end)),
        )
        .count(db)
        .await?;
    assert_eq!(late, 0);
    let future = consultation::Entity::find()
        .filter(consultation::Column::ScheduledAt.gte(end))
        .all(db)
        .await?;
    assert!(!future.is_empty());
    assert!(
        future
            .iter()
            .all(|c| c.status == ConsultationStatus::Scheduled && c.held_at.is_none())
    );
    assert_eq!(
        event::Entity::find().count(db).await?,
        0,
        "seeding writes no outbox events"
    );
    Ok(())
}

/// The committee of a region code.
async fn region_id(db: &DatabaseConnection, code: &str) -> Result<i64, Box<dyn std::error::Error>> {
    Ok(region::Entity::find()
        .filter(region::Column::Code.eq(code))
        .one(db)
        .await?
        .ok_or(format!("no region {code}"))?
        .id)
}

#[tokio::test]
async fn named_lounges_sessions_and_outcomes_exist() -> TestResult {
    let test = TestDb::new(Template::Demo).await?;
    let db = test.db.reader();
    for (name, code) in [
        ("知识产权司法保护政协委员会客厅", "330200"),
        ("浙江逸夫医康政协委员会客厅", "330000"),
        ("浙江省政协澳门委员会客厅", "330000"),
        ("之江实验室政协委员会客厅", "330000"),
        ("青山湖科技城政协委员会客厅", "330112"),
        ("杭州未来科技城海创园政协委员会客厅", "330110"),
        ("网络作家村政协委员会客厅", "330108"),
        ("云栖小镇政协委员会客厅", "330106"),
        ("西湖大学政协委员会客厅", "330106"),
        ("玉皇山南基金小镇政协委员会客厅", "330102"),
        ("“甬商·两新”政协委员会客厅", "330200"),
        ("龙游中小企业政协委员会客厅", "330825"),
        ("省新生代企业家联谊会政协委员会客厅", "330000"),
        ("赛丽音乐美术政协委员会客厅", "330000"),
        ("黄岩民营经济政协委员会客厅", "331003"),
        ("永嘉中小企业政协委员会客厅", "330324"),
    ] {
        let found = lounge::Entity::find()
            .filter(lounge::Column::Name.eq(name))
            .one(db)
            .await?
            .ok_or(name)?;
        assert_eq!(found.region_id, region_id(db, code).await?, "{name}");
    }
    let court = lounge::Entity::find()
        .filter(lounge::Column::Name.eq("知识产权司法保护政协委员会客厅"))
        .one(db)
        .await?
        .ok_or("court")?;
    assert_eq!(court.established_on, date(2020, 9, 10)?);
    let court_activities = lounge_activity_host::Entity::find()
        .filter(lounge_activity_host::Column::LoungeId.eq(court.id))
        .count(db)
        .await?;
    assert_eq!(court_activities, 6, "six activities in its first months");

    // Named activities: hosts by day.
    let hosts_on = |day: (u32, u32)| {
        let db = db.clone();
        async move {
            let start = china(2020, day.0, day.1, 0)?;
            let activities = lounge_activity::Entity::find()
                .filter(lounge_activity::Column::StartsAt.gte(start))
                .filter(lounge_activity::Column::StartsAt.lt(start + chrono::TimeDelta::days(1)))
                .all(&db)
                .await?;
            let mut found = Vec::new();
            for activity in activities {
                let hosts = lounge_activity_host::Entity::find()
                    .filter(lounge_activity_host::Column::ActivityId.eq(activity.id))
                    .count(&db)
                    .await?;
                found.push((activity, hosts));
            }
            Ok::<_, Box<dyn std::error::Error>>(found)
        }
    };
    let feb = hosts_on((2, 12)).await?;
    assert!(feb.iter().any(|(a, hosts)| *hosts == 3
        && a.format == ActivityFormat::OnlineDeliberation
        && a.channel == ActivityChannel::Online
        && a.platform == Some(OnlinePlatform::Dingtalk)));
    assert!(
        hosts_on((7, 22))
            .await?
            .iter()
            .any(|(_, hosts)| *hosts == 4)
    );
    assert!(
        hosts_on((11, 1))
            .await?
            .iter()
            .any(|(a, _)| a.format == ActivityFormat::Salon && a.public_attendance >= 30)
    );
    assert!(
        hosts_on((12, 16))
            .await?
            .iter()
            .any(|(a, _)| a.format == ActivityFormat::Lecture && a.kind == ActivityKind::Planned)
    );

    // Named sessions.
    let session = |code: &'static str, title: &'static str| {
        let db = db.clone();
        async move {
            let region = region_id(&db, code).await?;
            let found = consultation::Entity::find()
                .filter(consultation::Column::RegionId.eq(region))
                .filter(consultation::Column::Title.contains(title))
                .one(&db)
                .await?
                .ok_or(format!("no session {title} in {code}"))?;
            Ok::<_, Box<dyn std::error::Error>>(found)
        }
    };
    let suichang = session("331123", "大众文化").await?;
    assert_eq!(
        suichang.held_at,
        Some(china(2020, 12, 18, 14)? + chrono::TimeDelta::minutes(30))
    );
    let yinzhou = session("330212", "领头雁").await?;
    let evening = yinzhou.held_at.ok_or("yinzhou")?;
    let cst = FixedOffset::east_opt(8 * 3600).ok_or("tz")?;
    assert!(evening >= china(2020, 10, 1, 0)? && evening < china(2020, 11, 1, 0)?);
    assert!(
        evening.with_timezone(&cst).hour() >= 18,
        "an evening session"
    );
    assert_eq!(
        session("330782", "直播经济").await?.venue.as_deref(),
        Some("陆港电商小镇")
    );
    session("330122", "小微权力").await?;
    session("330600", "十四五").await?;
    let jiashan = session("330421", "公交").await?;
    let bus = suggestion::Entity::find()
        .filter(suggestion::Column::ConsultationId.eq(jiashan.id))
        .filter(suggestion::Column::Content.contains("公交"))
        .one(db)
        .await?
        .ok_or("bus suggestion")?;
    assert_eq!(
        (bus.status, bus.grade),
        (SuggestionStatus::Implemented, Some(SuggestionGrade::A))
    );
    let records = suggestion_follow_up::Entity::find()
        .filter(suggestion_follow_up::Column::SuggestionId.eq(bus.id))
        .order_by_asc(suggestion_follow_up::Column::FollowedOn)
        .all(db)
        .await?;
    let last = records.last().ok_or("no follow-ups")?;
    assert!(
        last.note.contains("331")
            && last.progress == 100
            && last.followed_on >= date(2020, 10, 1)?
            && last.followed_on <= date(2020, 10, 31)?
    );

    // Tongxiang's queue.
    let queue = slot_request::Entity::find()
        .filter(slot_request::Column::RegionId.eq(region_id(db, "330483").await?))
        .all(db)
        .await?;
    let departments: BTreeSet<&str> = queue.iter().map(|r| r.department.as_str()).collect();
    assert!(departments.len() >= 6);
    assert!(
        queue
            .iter()
            .filter(|r| r.status == SlotRequestStatus::Accepted)
            .all(|r| r.consultation_id.is_some())
    );
    assert!(
        queue
            .iter()
            .any(|r| r.status == SlotRequestStatus::Accepted)
    );
    assert!(queue.iter().any(|r| r.status == SlotRequestStatus::Queued));
    assert!(
        queue
            .iter()
            .any(|r| r.status == SlotRequestStatus::Declined && r.decline_reason.is_some())
    );

    // The February report from three lounges.
    let report = sentiment_report::Entity::find()
        .filter(sentiment_report::Column::Recipient.eq("省疫情防控工作领导小组办公室"))
        .one(db)
        .await?
        .ok_or("report")?;
    assert_eq!(report.status, SentimentReportStatus::Acknowledged);
    let sources = sentiment_report_source_lounge::Entity::find()
        .filter(sentiment_report_source_lounge::Column::ReportId.eq(report.id))
        .count(db)
        .await?;
    assert_eq!(sources, 3);
    Ok(())
}

/// A digest of the seeded rows (ids, keys, names, statuses, times), independent of the engine.
async fn fingerprint(
    db: &DatabaseConnection,
) -> Result<(u64, Vec<u64>), Box<dyn std::error::Error>> {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    let mut feed = |text: String| {
        for byte in text.bytes().chain([0xff]) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    let mut counts = Vec::new();
    let members = member::Entity::find()
        .order_by_asc(member::Column::Id)
        .all(db)
        .await?;
    counts.push(members.len() as u64);
    for m in members {
        feed(format!(
            "{}|{}|{}|{:?}|{}|{}|{}|{:?}|{:?}|{}",
            m.id,
            m.region_id,
            m.name,
            m.gender,
            m.sector,
            m.occupation,
            m.term,
            m.phone,
            m.status,
            m.created_at.to_rfc3339()
        ));
    }
    let memberships = lounge_membership::Entity::find()
        .order_by_asc(lounge_membership::Column::Id)
        .all(db)
        .await?;
    counts.push(memberships.len() as u64);
    for m in memberships {
        feed(format!(
            "{}|{}|{}|{:?}|{}|{:?}",
            m.id, m.lounge_id, m.member_id, m.role, m.since, m.until
        ));
    }
    let activities = lounge_activity::Entity::find()
        .order_by_asc(lounge_activity::Column::Id)
        .all(db)
        .await?;
    counts.push(activities.len() as u64);
    for a in activities {
        feed(format!(
            "{}|{}|{:?}|{:?}|{}|{}",
            a.id,
            a.title,
            a.kind,
            a.platform,
            a.starts_at.to_rfc3339(),
            a.public_attendance
        ));
    }
    let consultations = consultation::Entity::find()
        .order_by_asc(consultation::Column::Id)
        .all(db)
        .await?;
    counts.push(consultations.len() as u64);
    for c in consultations {
        let times = [c.scheduled_at, c.held_at].map(|t| t.map(|t| t.to_rfc3339()));
        feed(format!(
            "{}|{}|{}|{:?}|{:?}|{:?}|{:?}|{}",
            c.id,
            c.region_id,
            c.title,
            c.kind,
            c.status,
            c.lounge_id,
            times,
            c.updated_at.to_rfc3339()
        ));
    }
    let suggestions = suggestion::Entity::find()
        .order_by_asc(suggestion::Column::Id)
        .all(db)
        .await?;
    counts.push(suggestions.len() as u64);
    for s in suggestions {
        feed(format!(
            "{}|{}|{}|{:?}|{:?}|{:?}|{}",
            s.id,
            s.consultation_id,
            s.content,
            s.proposer_member_id,
            s.status,
            s.grade,
            s.updated_at.to_rfc3339()
        ));
    }
    let follow_ups = suggestion_follow_up::Entity::find()
        .order_by_asc(suggestion_follow_up::Column::Id)
        .all(db)
        .await?;
    counts.push(follow_ups.len() as u64);
    for f in follow_ups {
        feed(format!(
            "{}|{}|{}|{}",
            f.id, f.suggestion_id, f.followed_on, f.progress
        ));
    }
    for table in [
        "consultation_participants",
        "consultation_status_changes",
        "suggestion_status_changes",
        "lounge_activity_participants",
        "slot_requests",
        "sentiment_reports",
    ] {
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await?
            .ok_or("no count")?;
        counts.push(row.try_get::<i64>("", "n")? as u64);
    }
    Ok((hash, counts))
}

/// [`fingerprint`] of the demo data set of [`seed::DEMO_VERSION`] 2, on SQLite and PostgreSQL.
const FINGERPRINT: u64 = 0xde80_077e_3f86_f0c6;

#[tokio::test]
async fn seeding_is_deterministic() -> TestResult {
    // One database seeded by the template, one seeded here: the same rows.
    let template = TestDb::new(Template::Demo).await?;
    let fresh = TestDb::new(Template::Migrated).await?;
    seed::load_divisions(&fresh.db, DivisionSet::Zhejiang, &mut NoProgress).await?;
    let started = std::time::Instant::now();
    let summary = seed::load_demo(&fresh.db, &mut NoProgress).await?;
    eprintln!(
        "load_demo took {:.2} s: {summary:?}",
        started.elapsed().as_secs_f64()
    );
    let first = fingerprint(template.db.reader()).await?;
    let second = fingerprint(fresh.db.reader()).await?;
    eprintln!("demo fingerprint {:016x}, counts {:?}", first.0, first.1);
    assert_eq!(
        first, second,
        "the template differs from a fresh seed: a stale template? bump seed::DEMO_VERSION"
    );
    // The same digest on both engines and every run; a deliberate change of the generator
    // updates it here and bumps seed::DEMO_VERSION.
    assert_eq!(
        first.0, FINGERPRINT,
        "the demo data changed: bump seed::DEMO_VERSION and update FINGERPRINT"
    );
    assert_eq!(summary.lounges, 110);
    assert_eq!(summary.members, first.1[0]);
    Ok(())
}

#[tokio::test]
async fn seeding_refuses_a_database_with_data() -> TestResult {
    let empty = TestDb::new(Template::Migrated).await?;
    seed::ensure_empty(&empty.db).await?;
    let seeded = TestDb::new(Template::Demo).await?;
    match seed::ensure_empty(&seeded.db).await {
        Err(DomainError::Refused(message)) => assert!(message.contains("--reset"), "{message}"),
        other => return Err(format!("expected a refusal, got {other:?}").into()),
    }
    assert!(matches!(
        seed::load_divisions(&seeded.db, DivisionSet::Zhejiang, &mut NoProgress).await,
        Err(DomainError::Refused(_))
    ));
    assert!(matches!(
        seed::load_demo(&seeded.db, &mut NoProgress).await,
        Err(DomainError::Refused(_))
    ));
    assert!(
        matches!(
            seed::load_demo(&empty.db, &mut NoProgress).await,
            Err(DomainError::Refused(_))
        ),
        "no divisions yet"
    );
    assert!(
        "China"
            .parse::<DivisionSet>()
            .is_ok_and(|set| set == DivisionSet::China)
    );
    assert!("mars".parse::<DivisionSet>().is_err());
    Ok(())
}

#[tokio::test]
async fn new_rows_get_ids_after_the_seeded_ones() -> TestResult {
    let test = TestDb::new(Template::Demo).await?;
    let db = test.db.writer();
    let before = member::Entity::find()
        .order_by_desc(member::Column::Id)
        .one(db)
        .await?
        .ok_or("no members")?;
    let inserted = member::Entity::insert(member::ActiveModel {
        region_id: Set(before.region_id),
        member_number: Set("NEW-0001".to_owned()),
        name: Set("新委员".to_owned()),
        gender: Set(Gender::Female),
        sector: Set("经济界".to_owned()),
        occupation: Set("企业家".to_owned()),
        term: Set(before.term),
        phone: Set(None),
        email: Set(None),
        status: Set(MemberStatus::Active),
        created_at: Set(before.created_at),
        updated_at: Set(before.updated_at),
        ..Default::default()
    })
    .exec(db)
    .await?;
    assert_eq!(inserted.last_insert_id, before.id + 1);
    let top = region::Entity::find()
        .order_by_desc(region::Column::Id)
        .one(db)
        .await?
        .ok_or("no regions")?;
    let region = region::Entity::insert(region::ActiveModel {
        code: Set("999999".to_owned()),
        name: Set("测试区".to_owned()),
        level: Set(RegionLevel::County),
        parent_id: Set(top.parent_id),
        ..Default::default()
    })
    .exec(db)
    .await?;
    assert_eq!(region.last_insert_id, top.id + 1);
    Ok(())
}

#[tokio::test]
async fn demo_data_loads_on_the_china_divisions() -> TestResult {
    let test = TestDb::new(Template::Migrated).await?;
    let regions = seed::load_divisions(&test.db, DivisionSet::China, &mut NoProgress).await?;
    assert_eq!(regions, 3_209);
    let summary = seed::load_demo(&test.db, &mut NoProgress).await?;
    assert_eq!(summary.lounges, 110);
    let db = test.db.reader();
    assert_eq!(
        distinct_members(db, LoungeRole::Lead, date(2020, 12, 31)?).await?,
        146
    );
    // Every county-level unit of China sits below its province (depth 1 or 2).
    let deepest: Option<i32> = region_closure::Entity::find()
        .select_only()
        .column_as(region_closure::Column::Depth.max(), "d")
        .into_tuple()
        .one(db)
        .await?;
    assert_eq!(deepest, Some(2));
    Ok(())
}
