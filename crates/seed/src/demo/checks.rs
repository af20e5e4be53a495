//! In-memory checks of the generated rows: lifecycles, time bounds and the article's
//! figures, without a database (the integration test `tests/demo_figures.rs` checks the
//! stored data through SQL).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Utc};
use entity::enums::{
    ConsultationKind, ConsultationStatus as C, LoungeRole, RegionLevel, SuggestionGrade,
    SuggestionStatus as S,
};
use sea_orm::TryIntoModel;

use super::{
    DemoRows,
    calendar::{self, china_date, cutoff, last_day, ymd},
    generate,
    world::World,
};
use crate::divisions;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Status changes per row id: (from, to, when).
type Histories<T> = BTreeMap<i64, Vec<(Option<T>, T, DateTime<Utc>)>>;

/// The Zhejiang world with ids 1..102, as `load_divisions` writes it.
fn world() -> Result<World, Box<dyn std::error::Error>> {
    let rows = divisions::parse(include_str!("../../data/zhejiang-divisions.csv"))?;
    let ids: BTreeMap<String, i64> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.code.clone(), i as i64 + 1))
        .collect();
    Ok(World::from_rows(
        rows.iter()
            .enumerate()
            .map(|(i, r)| {
                (
                    i as i64 + 1,
                    r.code.clone(),
                    r.name.clone(),
                    r.level,
                    r.parent_code.as_ref().and_then(|p| ids.get(p).copied()),
                )
            })
            .collect(),
    )?)
}

fn rows() -> Result<(World, DemoRows), Box<dyn std::error::Error>> {
    let world = world()?;
    let rows = generate(&world)?;
    Ok((world, rows))
}

#[test]
fn memberships_match_the_article() -> TestResult {
    let (_, rows) = rows()?;
    let day = last_day()?;
    let mut leads = BTreeSet::new();
    let mut team = BTreeSet::new();
    let mut lounges_with_lead = BTreeSet::new();
    for row in rows.memberships {
        let m = row.try_into_model()?;
        if m.since <= day && m.until.is_none_or(|until| until >= day) {
            match m.role {
                LoungeRole::Lead => {
                    leads.insert(m.member_id);
                    lounges_with_lead.insert(m.lounge_id);
                }
                LoungeRole::Team => {
                    team.insert(m.member_id);
                }
            }
        }
    }
    assert_eq!(leads.len(), 146);
    assert_eq!(team.len(), 587);
    assert!(leads.is_disjoint(&team));
    assert_eq!(lounges_with_lead.len(), 110);
    Ok(())
}

#[test]
fn consultation_lifecycles_are_consistent() -> TestResult {
    let (world, rows) = rows()?;
    let end = cutoff()?;
    let mut history: Histories<C> = BTreeMap::new();
    for row in rows.consultations.changes {
        let c = row.try_into_model()?;
        assert!(c.changed_at < end);
        history.entry(c.consultation_id).or_default().push((
            c.from_status,
            c.to_status,
            c.changed_at,
        ));
    }
    let mut main_2019_cities_counties = 0;
    let mut per_county: BTreeMap<(i64, i32, bool), usize> = BTreeMap::new();
    for row in rows.consultations.consultations {
        let c = row.try_into_model()?;
        let path = history.get(&c.id).ok_or("no history")?;
        assert_eq!(path[0].0, None);
        assert_eq!(path[0].1, C::Proposed);
        for pair in path.windows(2) {
            assert_eq!(pair[1].0, Some(pair[0].1), "consultation {}", c.id);
            assert!(pair[1].2 > pair[0].2, "consultation {}", c.id);
        }
        assert_eq!(path.last().map(|p| p.1), Some(c.status));
        let reached = |s| path.iter().any(|p| p.1 == s);
        assert_eq!(
            c.scheduled_at.is_some(),
            reached(C::Scheduled),
            "consultation {}",
            c.id
        );
        assert_eq!(c.held_at.is_some(), reached(C::Held));
        assert_eq!(c.cancel_reason.is_some(), c.status == C::Cancelled);
        assert!(c.created_at < end && c.updated_at < end);
        if let Some(held) = c.held_at {
            assert!(held < end);
            let level = world
                .committees
                .iter()
                .find(|k| k.id == c.region_id)
                .map(|k| k.level);
            let year = china_date(held).year();
            if year == 2019
                && c.kind == ConsultationKind::Main
                && level != Some(RegionLevel::Province)
            {
                main_2019_cities_counties += 1;
            }
            if level == Some(RegionLevel::County) {
                *per_county
                    .entry((c.region_id, year, c.kind == ConsultationKind::Main))
                    .or_default() += 1;
            }
        } else if let Some(at) = c.scheduled_at {
            assert!(at < end || c.status == C::Scheduled);
            assert!(at < calendar::at(ymd(2021, 4, 1)?, 0));
        }
    }
    assert_eq!(main_2019_cities_counties, 639);
    for county in world
        .committees
        .iter()
        .filter(|c| c.level == RegionLevel::County)
    {
        for year in [2019, 2020] {
            assert!(
                per_county
                    .get(&(county.id, year, true))
                    .copied()
                    .unwrap_or(0)
                    >= 6,
                "{} {year}",
                county.name
            );
            assert!(
                per_county
                    .get(&(county.id, year, false))
                    .copied()
                    .unwrap_or(0)
                    >= 1,
                "{} {year}",
                county.name
            );
        }
    }
    Ok(())
}

#[test]
fn suggestions_have_consistent_histories_and_follow_ups() -> TestResult {
    let (_, rows) = rows()?;
    let end = cutoff()?;
    let held: BTreeMap<i64, DateTime<Utc>> = rows
        .consultations
        .consultations
        .iter()
        .filter_map(|c| Some((*c.id.try_as_ref()?, (*c.held_at.try_as_ref()?)?)))
        .collect();
    let mut history: Histories<S> = BTreeMap::new();
    for row in rows.suggestions.changes {
        let c = row.try_into_model()?;
        assert!(c.changed_at < end);
        history.entry(c.suggestion_id).or_default().push((
            c.from_status,
            c.to_status,
            c.changed_at,
        ));
    }
    let mut follow_ups: BTreeMap<i64, Vec<(chrono::NaiveDate, i32)>> = BTreeMap::new();
    for row in rows.suggestions.follow_ups {
        let f = row.try_into_model()?;
        follow_ups
            .entry(f.suggestion_id)
            .or_default()
            .push((f.followed_on, f.progress));
    }
    let (mut made_2019, mut adopted_2019) = (0, 0);
    for row in rows.suggestions.suggestions {
        let s = row.try_into_model()?;
        let session = *held
            .get(&s.consultation_id)
            .ok_or("suggestion of a session never held")?;
        let path = history.get(&s.id).ok_or("no history")?;
        assert_eq!((path[0].0, path[0].1), (None, S::Submitted));
        assert!(path[0].2 > session);
        for pair in path.windows(2) {
            assert_eq!(pair[1].0, Some(pair[0].1));
            assert!(pair[1].2 > pair[0].2);
        }
        assert_eq!(path.last().map(|p| p.1), Some(s.status));
        match s.status {
            S::Implemented => assert!(matches!(
                s.grade,
                Some(SuggestionGrade::A | SuggestionGrade::B)
            )),
            S::Rejected => assert_eq!(s.grade, Some(SuggestionGrade::C)),
            _ => assert_eq!(s.grade, None),
        }
        let adopted = matches!(s.status, S::Accepted | S::InProgress | S::Implemented);
        let records = follow_ups.get(&s.id).cloned().unwrap_or_default();
        assert_eq!(adopted, !records.is_empty(), "suggestion {}", s.id);
        assert!(records.len() <= 3);
        for pair in records.windows(2) {
            assert!(
                pair[1].0 >= pair[0].0 && pair[1].1 >= pair[0].1,
                "suggestion {}",
                s.id
            );
        }
        for (day, progress) in &records {
            assert!(*day > china_date(session) && *day <= last_day()?);
            assert!((0..=100).contains(progress));
        }
        if s.status == S::Implemented {
            assert_eq!(records.last().map(|r| r.1), Some(100));
        }
        if china_date(session).year() == 2019 {
            made_2019 += 1;
            adopted_2019 += usize::from(adopted);
        }
    }
    eprintln!("2019: {made_2019} suggestions, {adopted_2019} adopted");
    assert!((7_000..9_000).contains(&made_2019));
    assert!((55..70).contains(&(adopted_2019 * 100 / made_2019)));
    Ok(())
}

#[test]
fn nothing_happens_after_the_data_set_ends() -> TestResult {
    let (_, rows) = rows()?;
    let end = cutoff()?;
    for row in rows.activities.activities {
        let a = row.try_into_model()?;
        assert!(a.starts_at < a.ends_at && a.ends_at < end && a.created_at < end);
    }
    for row in rows.reports.reports {
        let r = row.try_into_model()?;
        assert!(r.created_at < end && r.updated_at < end);
        assert!(
            r.submitted_at
                .is_none_or(|at| at < end && at >= r.created_at)
        );
    }
    for row in rows.slot_requests {
        let r = row.try_into_model()?;
        assert!(
            r.requested_at < end
                && r.decided_at
                    .is_none_or(|at| at < end && at > r.requested_at)
        );
    }
    Ok(())
}
