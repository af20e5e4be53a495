//! The write half of a consultations import, on both engines: an update planned against a
//! version that has moved on meanwhile is a `CONFLICT` and writes nothing; planned against the
//! current version it writes the change with its event. A suggestion added to a session after
//! the file was checked would shift the planned 序号: also a `CONFLICT`, nothing written.

use domain::{
    Db, DomainError, Role,
    write::consultations_import::{
        ConsultationFields, ConsultationImport, ImportedConsultation, ImportedSuggestion,
        RecordKey, SuggestionFields, import_consultations,
    },
};
use entity::{
    consultation,
    enums::{ConsultationStatus, EventType, SuggestionStatus},
    event, suggestion,
};
use sea_orm::{ActiveModelTrait, Set};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use testing::{Template, TestDb, staff};

async fn event_count(db: &Db) -> u64 {
    event::Entity::find()
        .count(db.reader())
        .await
        .expect("a count")
}

/// The plan of one session update: its stored fields with a new title, planned at `version`.
fn retitled(stored: &consultation::Model, version: i32) -> ConsultationImport {
    let fields = ConsultationFields {
        record_number: stored.record_number.clone(),
        title: format!("{}（修订）", stored.title),
        topic: stored.topic.clone(),
        topic_source: stored.topic_source,
        kind: stored.kind,
        status: stored.status,
        organizer_kind: stored.organizer_kind,
        organizer_name: stored.organizer_name.clone(),
        venue: stored.venue.clone(),
        scheduled_at: stored.scheduled_at,
        held_at: stored.held_at,
        cancel_reason: stored.cancel_reason.clone(),
        submitter_name: stored.submitter_name.clone(),
        submitter_contact: stored.submitter_contact.clone(),
    };
    ConsultationImport {
        consultations: vec![ImportedConsultation {
            id: Some(stored.id),
            version,
            region_id: stored.region_id,
            lounge_id: stored.lounge_id,
            fields,
        }],
        ..ConsultationImport::default()
    }
}

#[tokio::test]
async fn an_update_planned_against_an_old_version_is_a_conflict_and_writes_nothing() {
    let test = TestDb::new(Template::Demo).await.expect("the demo");
    let db = &test.db;
    let county = staff(db, Role::CountyStaff, "330212")
        .await
        .expect("county staff");
    let region = testing::region_id(db, "330212").await.expect("330212");
    let stored = consultation::Entity::find()
        .filter(consultation::Column::RegionId.eq(region))
        .order_by_asc(consultation::Column::Id)
        .one(db.reader())
        .await
        .expect("a query")
        .expect("a session of 330212");
    let events_before = event_count(db).await;

    // Someone changed the session after the file was checked: the plan's version is old.
    let stale = import_consultations(db, &county, retitled(&stored, stored.version - 1)).await;
    assert!(matches!(stale, Err(DomainError::Conflict(_))), "{stale:?}");
    let unchanged = consultation::Entity::find_by_id(stored.id)
        .one(db.reader())
        .await
        .expect("a query")
        .expect("the session");
    assert_eq!(unchanged, stored);
    assert_eq!(event_count(db).await, events_before);

    let written = import_consultations(db, &county, retitled(&stored, stored.version))
        .await
        .expect("written");
    assert_eq!(written.updated, 1);
    let changed = consultation::Entity::find_by_id(stored.id)
        .one(db.reader())
        .await
        .expect("a query")
        .expect("the session");
    assert_eq!(changed.title, format!("{}（修订）", stored.title));
    assert_eq!(changed.version, stored.version + 1);
    let last = event::Entity::find()
        .order_by_desc(event::Column::Sequence)
        .one(db.reader())
        .await
        .expect("a query")
        .expect("an event");
    assert_eq!(last.r#type, EventType::ConsultationUpdated);
    assert_eq!(event_count(db).await, events_before + 1);
}

#[tokio::test]
async fn a_suggestion_added_meanwhile_is_a_conflict_and_nothing_is_written() {
    let test = TestDb::new(Template::Demo).await.expect("the demo");
    let db = &test.db;
    let county = staff(db, Role::CountyStaff, "330212")
        .await
        .expect("county staff");
    let region = testing::region_id(db, "330212").await.expect("330212");
    let session = consultation::Entity::find()
        .filter(consultation::Column::RegionId.eq(region))
        .filter(consultation::Column::Status.eq(ConsultationStatus::FollowUp))
        .order_by_asc(consultation::Column::Id)
        .one(db.reader())
        .await
        .expect("a query")
        .expect("a session of 330212 in follow-up");
    let count_of = || async {
        suggestion::Entity::find()
            .filter(suggestion::Column::ConsultationId.eq(session.id))
            .count(db.reader())
            .await
            .expect("a count")
    };
    let before = count_of().await;
    let held_at = session.held_at.expect("held");
    let plan = ConsultationImport {
        suggestions: vec![ImportedSuggestion {
            id: None,
            version: 0,
            consultation: RecordKey {
                region_id: session.region_id,
                record_number: session.record_number.clone(),
            },
            position: usize::try_from(before).expect("a count") + 1,
            proposer_member_id: None,
            fields: SuggestionFields {
                content: "建议增设夜班公交".to_owned(),
                status: SuggestionStatus::Submitted,
                grade: None,
                responsible_department: "区交通局".to_owned(),
                proposer_name: "王委员".to_owned(),
                created_at: held_at,
            },
        }],
        ..ConsultationImport::default()
    };
    // Someone adds a suggestion between checking and writing.
    let now = chrono::Utc::now();
    suggestion::ActiveModel {
        consultation_id: Set(session.id),
        content: Set("另一条建议".to_owned()),
        proposer_name: Set("李委员".to_owned()),
        responsible_department: Set("区住建局".to_owned()),
        status: Set(SuggestionStatus::Submitted),
        version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db.writer())
    .await
    .expect("a concurrent suggestion");
    let events_before = event_count(db).await;

    let outcome = import_consultations(db, &county, plan).await;
    assert!(
        matches!(outcome, Err(DomainError::Conflict(_))),
        "{outcome:?}"
    );
    assert_eq!(count_of().await, before + 1, "only the concurrent one");
    assert_eq!(event_count(db).await, events_before);
}
