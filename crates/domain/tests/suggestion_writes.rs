//! Suggestions at the domain level: added to held sessions only, graded when implemented or
//! rejected, followed up while being acted on; every change in the outbox.

use chrono::Duration;
use domain::{
    Actor, Db, DomainError, Role,
    read::today,
    write::{
        consultations::{self, Propose},
        suggestions::{self as write, NewFollowUp, NewSuggestion},
    },
};
use entity::{
    consultation,
    enums::{
        ConsultationKind, ConsultationStatus, EventType, SuggestionGrade, SuggestionStatus,
        TopicSource,
    },
    event,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use testing::{Template, TestDb, staff};

async fn county_staff(db: &Db, code: &str) -> (Actor, i64) {
    let actor = staff(db, Role::CountyStaff, code)
        .await
        .expect("county staff");
    let region_id = actor.principal().expect("signed in").region_id;
    (actor, region_id)
}

async fn held_consultation(db: &Db, region_id: i64) -> consultation::Model {
    consultation::Entity::find()
        .filter(consultation::Column::RegionId.eq(region_id))
        .filter(consultation::Column::Status.eq(ConsultationStatus::Held))
        .order_by_asc(consultation::Column::Id)
        .one(db.reader())
        .await
        .expect("a query")
        .expect("the demo data has held sessions in every county")
}

fn new_suggestion(consultation_id: i64) -> NewSuggestion {
    NewSuggestion {
        consultation_id,
        content: "增开早晚高峰班次".into(),
        proposer_member_id: None,
        proposer_name: Some("交通专家".into()),
        responsible_department: "交通运输局".into(),
    }
}

#[tokio::test]
async fn a_suggestion_is_accepted_followed_up_and_implemented_with_a_grade() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = &test.db;
    let (actor, region_id) = county_staff(db, "330421").await;
    let parent = held_consultation(db, region_id).await;
    let added = write::add(db, &actor, new_suggestion(parent.id))
        .await
        .unwrap();
    assert_eq!(added.status, SuggestionStatus::Submitted);

    let implement_early = write::set_status(
        db,
        &actor,
        added.id,
        None,
        SuggestionStatus::Implemented,
        Some(SuggestionGrade::A),
        None,
    )
    .await;
    assert!(matches!(
        implement_early,
        Err(DomainError::InvalidTransition { .. })
    ));
    let follow_early = write::add_follow_up(
        db,
        &actor,
        added.id,
        NewFollowUp {
            date: today(),
            note: "尚未受理".into(),
            progress: 0,
        },
    )
    .await;
    assert!(matches!(
        follow_early,
        Err(DomainError::InvalidTransition { .. })
    ));

    write::set_status(
        db,
        &actor,
        added.id,
        None,
        SuggestionStatus::Accepted,
        None,
        None,
    )
    .await
    .unwrap();
    write::set_status(
        db,
        &actor,
        added.id,
        None,
        SuggestionStatus::InProgress,
        None,
        None,
    )
    .await
    .unwrap();
    let (_, follow_up) = write::add_follow_up(
        db,
        &actor,
        added.id,
        NewFollowUp {
            date: today(),
            note: "线路已规划".into(),
            progress: 60,
        },
    )
    .await
    .unwrap();
    assert_eq!(follow_up.progress, 60);
    let bad_progress = write::add_follow_up(
        db,
        &actor,
        added.id,
        NewFollowUp {
            date: today(),
            note: "x".into(),
            progress: 101,
        },
    )
    .await;
    assert!(
        matches!(bad_progress, Err(DomainError::Invalid { ref field, .. }) if field == "progress")
    );
    let future = write::add_follow_up(
        db,
        &actor,
        added.id,
        NewFollowUp {
            date: today() + Duration::days(2),
            note: "x".into(),
            progress: 1,
        },
    )
    .await;
    assert!(matches!(future, Err(DomainError::Invalid { ref field, .. }) if field == "date"));

    let ungraded = write::set_status(
        db,
        &actor,
        added.id,
        None,
        SuggestionStatus::Implemented,
        None,
        None,
    )
    .await;
    assert!(matches!(ungraded, Err(DomainError::Invalid { ref field, .. }) if field == "grade"));
    let done = write::set_status(
        db,
        &actor,
        added.id,
        None,
        SuggestionStatus::Implemented,
        Some(SuggestionGrade::A),
        Some("331路公交开通".into()),
    )
    .await
    .unwrap();
    assert_eq!(done.grade, Some(SuggestionGrade::A));

    let types: Vec<EventType> = event::Entity::find()
        .order_by_asc(event::Column::Sequence)
        .all(db.reader())
        .await
        .unwrap()
        .into_iter()
        .map(|event| event.r#type)
        .collect();
    assert_eq!(
        types,
        [
            EventType::SuggestionCreated,
            EventType::SuggestionStatusChanged,
            EventType::SuggestionStatusChanged,
            EventType::SuggestionFollowedUp,
            EventType::SuggestionStatusChanged,
        ]
    );
}

#[tokio::test]
async fn rejection_is_grade_c_and_sessions_not_yet_held_take_no_suggestions() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = &test.db;
    let (actor, region_id) = county_staff(db, "330421").await;
    let parent = held_consultation(db, region_id).await;
    let added = write::add(db, &actor, new_suggestion(parent.id))
        .await
        .unwrap();
    let graded_wrong = write::set_status(
        db,
        &actor,
        added.id,
        None,
        SuggestionStatus::Rejected,
        Some(SuggestionGrade::A),
        None,
    )
    .await;
    assert!(matches!(graded_wrong, Err(DomainError::Invalid { .. })));
    let rejected = write::set_status(
        db,
        &actor,
        added.id,
        None,
        SuggestionStatus::Rejected,
        None,
        None,
    )
    .await
    .unwrap();
    assert_eq!(rejected.grade, Some(SuggestionGrade::C));

    let proposed = consultations::propose(
        db,
        &actor,
        Propose {
            region_code: "330421".into(),
            title: "新议题".into(),
            topic: "待调研".into(),
            topic_source: TopicSource::PartyGovernment,
            kind: ConsultationKind::Micro,
            organizer_kind: None,
            organizer_name: None,
        },
    )
    .await
    .unwrap();
    let too_early = write::add(db, &actor, new_suggestion(proposed.id)).await;
    assert!(matches!(
        too_early,
        Err(DomainError::InvalidTransition { .. })
    ));

    let (stranger, _) = county_staff(db, "330212").await;
    let foreign = write::add(db, &stranger, new_suggestion(parent.id)).await;
    assert!(matches!(foreign, Err(DomainError::Forbidden(_))));
}
