//! The consultation lifecycle at the domain level: every transition validated, recorded in the
//! status history and the outbox in one transaction; scope enforced; concurrent changes never
//! lost; outbox sequences contiguous under concurrent writers.

use chrono::{Duration, Utc};
use domain::{
    Actor, Db, DomainError, Role,
    write::consultations::{self as write, Held, NewParticipant, Propose, Schedule, Step},
};
use entity::{
    consultation_status_change,
    enums::{ConsultationStatus, EventType, ParticipantRole},
    event,
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use testing::{Template, TestDb, proposal, staff};

async fn events(db: &Db) -> Vec<event::Model> {
    event::Entity::find()
        .order_by_asc(event::Column::Sequence)
        .all(db.reader())
        .await
        .expect("a query")
}

#[tokio::test]
async fn a_consultation_runs_its_whole_lifecycle_with_history_and_events() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = &test.db;
    let actor = staff(db, Role::CountyStaff, "330212").await.unwrap();
    let created = write::propose(db, &actor, proposal("330212"))
        .await
        .unwrap();
    assert_eq!(created.status, ConsultationStatus::Proposed);
    let id = created.id;
    let mut current = created;
    for step in [Step::Approve, Step::StartResearch] {
        current = write::step(db, &actor, id, Some(current.version), step, None)
            .await
            .unwrap();
    }
    let at = Utc::now() - Duration::days(1);
    current = write::schedule(
        db,
        &actor,
        id,
        Some(current.version),
        Schedule {
            at,
            venue: "区政协会议室".into(),
            lounge_id: None,
        },
        Some("evening session".into()),
    )
    .await
    .unwrap();
    assert_eq!(current.status, ConsultationStatus::Scheduled);
    current = write::record_held(
        db,
        &actor,
        id,
        Some(current.version),
        Held {
            held_at: at,
            participants: vec![
                NewParticipant {
                    role: ParticipantRole::PartyGovernmentLeader,
                    member_id: None,
                    name: Some("区长".into()),
                    organization: Some("区政府".into()),
                },
                NewParticipant {
                    role: ParticipantRole::PublicRepresentative,
                    member_id: None,
                    name: Some("村民代表".into()),
                    organization: None,
                },
            ],
        },
        None,
    )
    .await
    .unwrap();
    assert_eq!(current.status, ConsultationStatus::Held);
    write::step(db, &actor, id, None, Step::StartFollowUp, None)
        .await
        .unwrap();
    current = write::step(
        db,
        &actor,
        id,
        None,
        Step::Close,
        Some("outcomes adopted".into()),
    )
    .await
    .unwrap();
    assert_eq!(current.status, ConsultationStatus::Closed);
    assert_eq!(current.version, 6);

    let history = consultation_status_change::Entity::find()
        .filter(consultation_status_change::Column::ConsultationId.eq(id))
        .order_by_asc(consultation_status_change::Column::Id)
        .all(db.reader())
        .await
        .unwrap();
    let states: Vec<ConsultationStatus> = history.iter().map(|row| row.to_status).collect();
    assert_eq!(
        states,
        [
            ConsultationStatus::Proposed,
            ConsultationStatus::Approved,
            ConsultationStatus::Researching,
            ConsultationStatus::Scheduled,
            ConsultationStatus::Held,
            ConsultationStatus::FollowUp,
            ConsultationStatus::Closed,
        ]
    );
    assert_eq!(history[0].from_status, None);
    assert!(
        history
            .iter()
            .all(|row| row.actor == "COUNTY_STAFF:county_staff-330212")
    );

    let events = events(db).await;
    assert_eq!(
        events.len(),
        7,
        "the demo data writes no events; each change writes one"
    );
    let sequences: Vec<i64> = events.iter().map(|event| event.sequence).collect();
    assert_eq!(sequences, (1..=7).collect::<Vec<_>>());
    assert_eq!(events[0].r#type, EventType::ConsultationCreated);
    assert!(
        events[1..]
            .iter()
            .all(|event| event.r#type == EventType::ConsultationStatusChanged)
    );
    assert!(
        events
            .iter()
            .all(|event| event.region_codes == "[\"330212\"]")
    );
    let last: serde_json::Value = serde_json::from_str(&events[6].snapshot).unwrap();
    assert_eq!(last["status"], "CLOSED");
}

#[tokio::test]
async fn illegal_transitions_name_the_allowed_next_states_and_change_nothing() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = &test.db;
    let actor = staff(db, Role::CountyStaff, "330212").await.unwrap();
    let created = write::propose(db, &actor, proposal("330212"))
        .await
        .unwrap();
    let approved = write::step(db, &actor, created.id, None, Step::Approve, None)
        .await
        .unwrap();
    let skipped = write::schedule(
        db,
        &actor,
        created.id,
        None,
        Schedule {
            at: Utc::now(),
            venue: "会议室".into(),
            lounge_id: None,
        },
        None,
    )
    .await;
    match skipped {
        Err(DomainError::InvalidTransition {
            current, allowed, ..
        }) => {
            assert_eq!(current, "APPROVED");
            assert_eq!(allowed, "RESEARCHING, CANCELLED");
        }
        other => panic!("expected INVALID_TRANSITION, got {other:?}"),
    }
    assert_eq!(events(db).await.len(), 2);
    let empty_title = write::propose(
        db,
        &actor,
        Propose {
            title: "  ".into(),
            ..proposal("330212")
        },
    )
    .await;
    assert!(matches!(empty_title, Err(DomainError::Invalid { ref field, .. }) if field == "title"));
    let cancelled_late = write::step(
        db,
        &actor,
        approved.id,
        None,
        Step::Cancel { reason: "".into() },
        None,
    )
    .await;
    assert!(
        matches!(cancelled_late, Err(DomainError::Invalid { ref field, .. }) if field == "reason")
    );
    assert_eq!(events(db).await.len(), 2, "failed calls leave no event");
}

#[tokio::test]
async fn staff_act_only_inside_their_subtree() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = &test.db;
    let county = staff(db, Role::CountyStaff, "330212").await.unwrap();
    let city = staff(db, Role::CityStaff, "330200").await.unwrap();
    let other_city = staff(db, Role::CityStaff, "330100").await.unwrap();
    let province = staff(db, Role::ProvinceStaff, "330000").await.unwrap();
    let integrator = staff(db, Role::Integrator, "330000").await.unwrap();

    assert!(
        write::propose(db, &county, proposal("330212"))
            .await
            .is_ok()
    );
    assert!(write::propose(db, &city, proposal("330212")).await.is_ok());
    assert!(write::propose(db, &city, proposal("330200")).await.is_ok());
    assert!(
        write::propose(db, &province, proposal("330212"))
            .await
            .is_ok()
    );
    for (actor, code) in [
        (&county, "330200"),
        (&county, "330106"),
        (&other_city, "330212"),
        (&integrator, "330212"),
    ] {
        let refused = write::propose(db, actor, proposal(code)).await;
        assert!(
            matches!(refused, Err(DomainError::Forbidden(_))),
            "{code}: {refused:?}"
        );
    }
    let anonymous = write::propose(db, &Actor::Anonymous, proposal("330212")).await;
    assert!(matches!(anonymous, Err(DomainError::Unauthenticated)));

    let created = write::propose(db, &county, proposal("330212"))
        .await
        .unwrap();
    let foreign = write::step(db, &other_city, created.id, None, Step::Approve, None).await;
    assert!(matches!(foreign, Err(DomainError::Forbidden(_))));
    let missing = write::step(db, &county, 987_654_321, None, Step::Approve, None).await;
    assert!(matches!(missing, Err(DomainError::NotFound(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_transitions_of_one_consultation_never_lose_an_update() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = test.db.clone();
    let actor = staff(&db, Role::CountyStaff, "330212").await.unwrap();
    let created = write::propose(&db, &actor, proposal("330212"))
        .await
        .unwrap();
    let before = events(&db).await.len();
    let attempts: Vec<_> = (0..2)
        .map(|n| {
            let (db, actor) = (db.clone(), actor.clone());
            let step = if n == 0 {
                Step::Approve
            } else {
                Step::Cancel {
                    reason: "重复议题".into(),
                }
            };
            tokio::spawn(async move {
                write::step(&db, &actor, created.id, Some(created.version), step, None).await
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for attempt in attempts {
        outcomes.push(attempt.await.unwrap());
    }
    let wins = outcomes.iter().filter(|outcome| outcome.is_ok()).count();
    let conflicts = outcomes
        .iter()
        .filter(|outcome| matches!(outcome, Err(DomainError::Conflict(_))))
        .count();
    assert_eq!((wins, conflicts), (1, 1), "{outcomes:?}");
    assert_eq!(events(&db).await.len(), before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn outbox_sequences_stay_contiguous_under_concurrent_writers() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = test.db.clone();
    let actor = staff(&db, Role::ProvinceStaff, "330000").await.unwrap();
    let codes = ["330212", "330106", "330421", "330782", "331123"];
    let writers: Vec<_> = (0..25)
        .map(|n| {
            let (db, actor) = (db.clone(), actor.clone());
            let code = codes[n % codes.len()];
            tokio::spawn(async move { write::propose(&db, &actor, proposal(code)).await })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap().unwrap();
    }
    let sequences: Vec<i64> = events(&db)
        .await
        .iter()
        .map(|event| event.sequence)
        .collect();
    assert_eq!(sequences, (1..=25).collect::<Vec<_>>());
    let rows = entity::event_region::Entity::find()
        .count(db.reader())
        .await
        .unwrap();
    assert_eq!(rows, 25);
}
