//! The national data set at a small fraction: totals in proportion to the full set, "6+X"
//! sessions per county whatever the fraction, statuses consistent with the lifecycle, and
//! identical output on every run.
//!
//! Runs on the engine chosen by `XIESHANG_TEST_ENGINE` (see the `testing` crate).

use std::collections::BTreeMap;

use chrono::{Datelike, FixedOffset};
use domain::DomainError;
use entity::{
    consultation,
    enums::{ConsultationKind, ConsultationStatus, RegionLevel, SuggestionStatus},
    lounge, lounge_activity, lounge_activity_participant, lounge_membership, member, region,
    sentiment_report, suggestion,
};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait, QueryOrder};
use seed::{DivisionSet, NationalSummary, NoProgress};
use testing::{Template, TestDb};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The fraction the tests use: 1 city and 6 counties of the 3,209 committees.
const FRACTION: f64 = 0.002;

/// A database with the China divisions and the national set at `fraction`.
async fn national(fraction: f64) -> Result<(TestDb, NationalSummary), DomainError> {
    let test = TestDb::new(Template::Migrated).await?;
    seed::load_divisions(&test.db, DivisionSet::China, &mut NoProgress).await?;
    let summary = seed::load_national(&test.db, fraction, &mut NoProgress).await?;
    Ok((test, summary))
}

/// FNV-1a over the debug form of every row: equal for equal contents.
fn checksum<T: std::fmt::Debug>(rows: &[T]) -> u64 {
    rows.iter()
        .flat_map(|row| format!("{row:?}").into_bytes())
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
}

/// Row counts of the tables the set fills, and checksums of the two largest.
async fn fingerprint(db: &DatabaseConnection) -> Result<Vec<u64>, DomainError> {
    let consultations = consultation::Entity::find()
        .order_by_asc(consultation::Column::Id)
        .all(db)
        .await?;
    let suggestions = suggestion::Entity::find()
        .order_by_asc(suggestion::Column::Id)
        .all(db)
        .await?;
    let members = member::Entity::find()
        .order_by_asc(member::Column::Id)
        .all(db)
        .await?;
    Ok(vec![
        members.len() as u64,
        lounge::Entity::find().count(db).await?,
        lounge_membership::Entity::find().count(db).await?,
        lounge_activity::Entity::find().count(db).await?,
        lounge_activity_participant::Entity::find()
            .count(db)
            .await?,
        consultations.len() as u64,
        suggestions.len() as u64,
        sentiment_report::Entity::find().count(db).await?,
        checksum(&members),
        checksum(&consultations),
        checksum(&suggestions),
    ])
}

/// `actual` is within `percent` % of `expected`.
fn near(actual: u64, expected: f64, percent: f64) -> bool {
    (actual as f64 - expected).abs() <= expected * percent / 100.0
}

#[tokio::test]
async fn totals_are_in_proportion_and_match_the_summary() -> TestResult {
    let (test, summary) = national(FRACTION).await?;
    let db = test.db.reader();
    assert_eq!(summary.committees, 7, "{summary:?}");
    assert_eq!(member::Entity::find().count(db).await?, summary.members);
    assert_eq!(lounge::Entity::find().count(db).await?, summary.lounges);
    assert_eq!(
        lounge_activity::Entity::find().count(db).await?,
        summary.activities
    );
    assert_eq!(
        consultation::Entity::find().count(db).await?,
        summary.consultations
    );
    assert_eq!(
        suggestion::Entity::find().count(db).await?,
        summary.suggestions
    );
    assert_eq!(
        sentiment_report::Entity::find().count(db).await?,
        summary.reports
    );
    // The full set: ~600,000 members, ~300,000 sessions, ~3.5 million suggestions, ~9,000
    // lounges with ~6 activities a year from 2016–2019 on.
    assert!(
        near(summary.members, 600_000.0 * FRACTION, 20.0),
        "{summary:?}"
    );
    assert!(
        near(summary.consultations, 300_000.0 * FRACTION, 20.0),
        "{summary:?}"
    );
    assert!(
        near(summary.suggestions, 3_500_000.0 * FRACTION, 20.0),
        "{summary:?}"
    );
    assert!(
        near(summary.lounges, 9_000.0 * FRACTION, 35.0),
        "{summary:?}"
    );
    assert!(
        near(summary.activities, 190_000.0 * FRACTION, 35.0),
        "{summary:?}"
    );
    assert!(summary.memberships >= summary.lounges * 5);
    assert!(summary.reports > 0 && summary.activity_participants >= summary.activities * 2);
    Ok(())
}

#[tokio::test]
async fn every_county_holds_six_main_sessions_a_year_consistently() -> TestResult {
    let (test, _) = national(FRACTION).await?;
    let db = test.db.reader();
    let counties: Vec<i64> = region::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter(|r| r.level == RegionLevel::County)
        .map(|r| r.id)
        .collect();
    let sessions = consultation::Entity::find().all(db).await?;
    let cst = FixedOffset::east_opt(8 * 3600).ok_or("offset")?;
    // (county, year) → held main sessions.
    let mut held_main: BTreeMap<(i64, i32), usize> = BTreeMap::new();
    let mut status_of = BTreeMap::new();
    for session in &sessions {
        assert!(
            counties.contains(&session.region_id),
            "only counties hold sessions"
        );
        status_of.insert(session.id, session.status);
        let held = matches!(
            session.status,
            ConsultationStatus::Held | ConsultationStatus::FollowUp | ConsultationStatus::Closed
        );
        assert_eq!(held, session.held_at.is_some(), "{session:?}");
        if let Some(at) = session.held_at {
            assert!(at.with_timezone(&cst).year() <= 2020, "{session:?}");
            assert_eq!(session.scheduled_at, Some(at));
            if session.kind == ConsultationKind::Main {
                *held_main
                    .entry((session.region_id, at.with_timezone(&cst).year()))
                    .or_default() += 1;
            }
        }
        assert_eq!(
            session.cancel_reason.is_some(),
            session.status == ConsultationStatus::Cancelled
        );
        assert!(session.updated_at >= session.created_at, "{session:?}");
    }
    let with_sessions: std::collections::BTreeSet<i64> =
        sessions.iter().map(|s| s.region_id).collect();
    assert_eq!(with_sessions.len(), 6, "the six selected counties");
    for county in &with_sessions {
        for year in [2011, 2015, 2020] {
            let count = held_main.get(&(*county, year)).copied().unwrap_or(0);
            assert!(
                count >= 6,
                "county {county} held {count} main sessions in {year}"
            );
        }
    }
    // Suggestions follow their session: undecided while it is merely held.
    for s in suggestion::Entity::find().all(db).await? {
        let session = status_of.get(&s.consultation_id).copied();
        assert!(matches!(
            session,
            Some(
                ConsultationStatus::Held
                    | ConsultationStatus::FollowUp
                    | ConsultationStatus::Closed
            )
        ));
        assert_eq!(
            s.status == SuggestionStatus::Submitted,
            session == Some(ConsultationStatus::Held),
            "{s:?}"
        );
        assert_eq!(
            s.grade.is_none(),
            matches!(
                s.status,
                SuggestionStatus::Submitted | SuggestionStatus::Rejected
            )
        );
    }
    Ok(())
}

#[tokio::test]
async fn runs_are_identical_and_committees_do_not_depend_on_the_fraction() -> TestResult {
    let (first, summary) = national(FRACTION).await?;
    let (second, again) = national(FRACTION).await?;
    assert_eq!(summary, again);
    assert_eq!(
        fingerprint(first.db.reader()).await?,
        fingerprint(second.db.reader()).await?
    );
    // A larger fraction keeps the same committees and generates the same sessions for them.
    let (larger, _) = national(2.0 * FRACTION).await?;
    let key = |s: &consultation::Model| (s.region_id, s.title.clone(), s.status, s.held_at);
    let small: Vec<_> = consultation::Entity::find()
        .order_by_asc(consultation::Column::Id)
        .all(first.db.reader())
        .await?
        .iter()
        .map(key)
        .collect();
    let regions: std::collections::BTreeSet<i64> = small.iter().map(|k| k.0).collect();
    let large: Vec<_> = consultation::Entity::find()
        .order_by_asc(consultation::Column::Id)
        .all(larger.db.reader())
        .await?
        .iter()
        .map(key)
        .filter(|k| regions.contains(&k.0))
        .collect();
    assert_eq!(small, large);
    Ok(())
}
