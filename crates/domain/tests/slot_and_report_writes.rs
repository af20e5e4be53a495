//! The department queue (挂号) and sentiment reports (社情民意信息) at the domain level: every
//! change validated, scoped and written with its outbox event(s) in one transaction; failed
//! calls change nothing and write no event; stale versions are refused.

use std::{collections::HashSet, sync::Arc};

use chrono::NaiveDate;
use domain::{
    Actor, Db, DomainError, Principal, Role,
    write::{
        sentiment_reports::{self as reports, Draft},
        slot_requests::{self as slots, Accept, RequestSlot},
    },
};
use entity::{
    consultation_status_change,
    enums::{
        ConsultationKind, ConsultationStatus, EventType, MemberStatus, SentimentReportStatus,
        SlotRequestStatus, TopicSource,
    },
    event, lounge, member, region, region_closure, slot_request,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use testing::{Template, TestDb, staff};

async fn region_of(db: &Db, code: &str) -> region::Model {
    region::Entity::find()
        .filter(region::Column::Code.eq(code))
        .one(db.reader())
        .await
        .expect("a query")
        .expect("the region exists")
}

async fn scope_of(db: &Db, region_id: i64) -> HashSet<i64> {
    region_closure::Entity::find()
        .filter(region_closure::Column::AncestorId.eq(region_id))
        .all(db.reader())
        .await
        .expect("a query")
        .into_iter()
        .map(|row| row.descendant_id)
        .collect()
}

async fn events(db: &Db) -> Vec<event::Model> {
    event::Entity::find()
        .order_by_asc(event::Column::Sequence)
        .all(db.reader())
        .await
        .expect("a query")
}

fn slot(department: &str, topic: &str) -> RequestSlot {
    RequestSlot {
        region_code: "330483".to_owned(),
        department: department.to_owned(),
        topic: topic.to_owned(),
        period_start: NaiveDate::from_ymd_opt(2021, 7, 1).expect("a date"),
        period_end: NaiveDate::from_ymd_opt(2021, 12, 31).expect("a date"),
    }
}

fn report(code: &str, lounges: Vec<i64>, authors: Vec<i64>) -> Draft {
    Draft {
        region_code: code.to_owned(),
        title: "关于农村养老服务的建议".to_owned(),
        content: "委员会客厅收集的群众意见：村级养老服务站点不足。".to_owned(),
        recipient: "市人民政府办公室".to_owned(),
        source_lounge_ids: lounges,
        author_member_ids: authors,
    }
}

#[tokio::test]
async fn tongxiang_departments_queue_and_staff_accept_or_decline() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = &test.db;
    let clerk = staff(db, Role::CountyStaff, "330483").await.unwrap();

    let first = slots::request(db, &clerk, slot("交通运输局", "城乡公交一体化"))
        .await
        .unwrap();
    let second = slots::request(db, &clerk, slot("民政局", "居家养老服务"))
        .await
        .unwrap();
    let third = slots::request(db, &clerk, slot("农业农村局", "农村人居环境整治"))
        .await
        .unwrap();
    assert_eq!(first.row.status, SlotRequestStatus::Queued);
    let before = first
        .queue_position
        .expect("queued requests have a position");
    assert_eq!(second.queue_position, Some(before + 1));
    assert_eq!(third.queue_position, Some(before + 2));

    let (accepted, consultation) = slots::accept(
        db,
        &clerk,
        first.row.id,
        Some(first.row.version),
        Accept {
            kind: ConsultationKind::Main,
            title: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(accepted.row.status, SlotRequestStatus::Accepted);
    assert_eq!(accepted.row.consultation_id, Some(consultation.id));
    assert!(accepted.row.decided_at.is_some());
    assert_eq!(accepted.queue_position, None);
    assert_eq!(accepted.row.version, 1);
    assert_eq!(consultation.status, ConsultationStatus::Approved);
    assert_eq!(consultation.topic_source, TopicSource::PartyGovernment);
    assert_eq!(consultation.title, "城乡公交一体化");
    assert_eq!(consultation.region_id, first.row.region_id);
    let history = consultation_status_change::Entity::find()
        .filter(consultation_status_change::Column::ConsultationId.eq(consultation.id))
        .all(db.reader())
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].from_status, None);
    assert_eq!(history[0].to_status, ConsultationStatus::Approved);

    let declined = slots::decline(db, &clerk, second.row.id, None, "本年度议题已排满".into())
        .await
        .unwrap();
    assert_eq!(declined.row.status, SlotRequestStatus::Declined);
    assert_eq!(
        declined.row.decline_reason.as_deref(),
        Some("本年度议题已排满")
    );

    let still = slot_request::Entity::find_by_id(third.row.id)
        .one(db.reader())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.status, SlotRequestStatus::Queued);
    let page = domain::read::slot_requests::by_ids(db, &[third.row.id])
        .await
        .unwrap();
    assert_eq!(
        page[&third.row.id].queue_position,
        Some(before),
        "the two decided requests left the queue"
    );

    let written = events(db).await;
    let kinds: Vec<EventType> = written.iter().map(|event| event.r#type).collect();
    assert_eq!(
        kinds,
        [
            EventType::SlotRequested,
            EventType::SlotRequested,
            EventType::SlotRequested,
            EventType::ConsultationCreated,
            EventType::SlotRequestDecided,
            EventType::SlotRequestDecided,
        ]
    );
    let sequences: Vec<i64> = written.iter().map(|event| event.sequence).collect();
    assert_eq!(sequences, (1..=6).collect::<Vec<_>>());
    assert!(
        written
            .iter()
            .all(|event| event.region_codes == "[\"330483\"]")
    );
    assert_eq!(written[3].entity_type, "Consultation");
    assert_eq!(written[3].entity_id, consultation.id);
    let decided: serde_json::Value = serde_json::from_str(&written[4].snapshot).unwrap();
    assert_eq!(decided["status"], "ACCEPTED");
    assert_eq!(decided["consultationId"], consultation.id);

    // Refusals: each leaves no change and no event.
    let again = slots::accept(
        db,
        &clerk,
        second.row.id,
        None,
        Accept {
            kind: ConsultationKind::Micro,
            title: None,
        },
    )
    .await;
    match again {
        Err(DomainError::InvalidTransition {
            current, allowed, ..
        }) => {
            assert_eq!(current, "DECLINED");
            assert_eq!(allowed, "none");
        }
        other => panic!("expected INVALID_TRANSITION, got {other:?}"),
    }
    let stale = slots::decline(db, &clerk, third.row.id, Some(7), "过期".into()).await;
    assert!(matches!(stale, Err(DomainError::Conflict(_))), "{stale:?}");
    let no_reason = slots::decline(db, &clerk, third.row.id, None, "  ".into()).await;
    assert!(matches!(no_reason, Err(DomainError::Invalid { ref field, .. }) if field == "reason"));
    let backwards = slots::request(
        db,
        &clerk,
        RequestSlot {
            period_end: NaiveDate::from_ymd_opt(2021, 6, 30).expect("a date"),
            ..slot("教育局", "课后服务")
        },
    )
    .await;
    assert!(
        matches!(backwards, Err(DomainError::Invalid { ref field, .. }) if field == "periodEnd")
    );
    let unknown = slots::request(
        db,
        &clerk,
        RequestSlot {
            region_code: "339999".into(),
            ..slot("教育局", "课后服务")
        },
    )
    .await;
    assert!(
        matches!(unknown, Err(DomainError::Invalid { ref field, .. }) if field == "regionCode")
    );
    let elsewhere = staff(db, Role::CountyStaff, "330212").await.unwrap();
    let foreign = slots::request(db, &elsewhere, slot("教育局", "课后服务")).await;
    assert!(
        matches!(foreign, Err(DomainError::Forbidden(_))),
        "{foreign:?}"
    );
    let foreign_decision = slots::decline(db, &elsewhere, third.row.id, None, "不".into()).await;
    assert!(matches!(foreign_decision, Err(DomainError::Forbidden(_))));
    let anonymous = slots::request(db, &Actor::Anonymous, slot("教育局", "课后服务")).await;
    assert!(matches!(anonymous, Err(DomainError::Unauthenticated)));
    assert_eq!(
        slots::accept(
            db,
            &Actor::Anonymous,
            third.row.id,
            None,
            Accept {
                kind: ConsultationKind::Main,
                title: None,
            },
        )
        .await
        .err()
        .map(|error| error.to_string()),
        Some("authentication required".to_owned())
    );
    let province = staff(db, Role::ProvinceStaff, "330000").await.unwrap();
    let city_of_other = staff(db, Role::CityStaff, "330400").await.unwrap();
    assert!(
        slots::request(db, &province, slot("教育局", "课后服务"))
            .await
            .is_ok()
    );
    assert!(
        slots::request(db, &city_of_other, slot("卫生健康局", "基层医疗"))
            .await
            .is_ok()
    );
    assert_eq!(
        events(db).await.len(),
        8,
        "only the two successful requests"
    );
    let still = slot_request::Entity::find_by_id(third.row.id)
        .one(db.reader())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.status, SlotRequestStatus::Queued);
    assert_eq!(still.version, 0);
}

/// Two lounges of different committees under the city of Jiaxing (嘉兴市 330400), the first
/// of a county (so the second lies outside the first one's committee).
async fn two_lounges_of_different_committees(db: &Db) -> (lounge::Model, lounge::Model) {
    let city = region_of(db, "330400").await;
    let scope = scope_of(db, city.id).await;
    let lounges = lounge::Entity::find()
        .filter(lounge::Column::RegionId.is_in(scope))
        .order_by_asc(lounge::Column::Id)
        .all(db.reader())
        .await
        .expect("a query");
    let first = lounges
        .iter()
        .find(|lounge| lounge.region_id != city.id)
        .expect("Jiaxing's counties have lounges")
        .clone();
    let second = lounges
        .iter()
        .find(|lounge| lounge.region_id != first.region_id)
        .expect("Jiaxing has lounges in two committees")
        .clone();
    (first, second)
}

async fn code_of(db: &Db, region_id: i64) -> String {
    region::Entity::find_by_id(region_id)
        .one(db.reader())
        .await
        .expect("a query")
        .expect("the region exists")
        .code
}

#[tokio::test]
async fn a_report_from_two_committees_lounges_is_drafted_submitted_and_acknowledged() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = &test.db;
    let city = staff(db, Role::CityStaff, "330400").await.unwrap();
    let (one, two) = two_lounges_of_different_committees(db).await;
    let author = member::Entity::find()
        .filter(member::Column::Status.eq(MemberStatus::Active))
        .order_by_asc(member::Column::Id)
        .one(db.reader())
        .await
        .unwrap()
        .unwrap();

    let drafted = reports::draft(
        db,
        &city,
        report("330400", vec![one.id, two.id, one.id], vec![author.id]),
    )
    .await
    .unwrap();
    assert_eq!(drafted.status, SentimentReportStatus::Draft);
    assert_eq!(drafted.version, 0);
    let lounges = domain::read::sentiment_reports::source_lounges(db, &[drafted.id])
        .await
        .unwrap();
    assert_eq!(
        lounges[&drafted.id].len(),
        2,
        "duplicates are ignored: {lounges:?}"
    );

    let submitted = reports::submit(db, &city, drafted.id, Some(0))
        .await
        .unwrap();
    assert_eq!(submitted.status, SentimentReportStatus::Submitted);
    assert!(submitted.submitted_at.is_some());
    let stale = reports::acknowledge(db, &city, drafted.id, Some(0), "请民政局研究".into()).await;
    assert!(matches!(stale, Err(DomainError::Conflict(_))), "{stale:?}");
    let acknowledged = reports::acknowledge(
        db,
        &city,
        drafted.id,
        Some(submitted.version),
        "请市民政局牵头研究落实".into(),
    )
    .await
    .unwrap();
    assert_eq!(acknowledged.status, SentimentReportStatus::Acknowledged);
    assert_eq!(
        acknowledged.acknowledgement.as_deref(),
        Some("请市民政局牵头研究落实")
    );
    assert!(acknowledged.acknowledged_at.is_some());
    assert_eq!(acknowledged.version, 2);

    let written = events(db).await;
    let kinds: Vec<EventType> = written.iter().map(|event| event.r#type).collect();
    assert_eq!(
        kinds,
        [
            EventType::SentimentReportDrafted,
            EventType::SentimentReportSubmitted,
            EventType::SentimentReportAcknowledged,
        ]
    );
    assert_eq!(
        written
            .iter()
            .map(|event| event.sequence)
            .collect::<Vec<_>>(),
        [1, 2, 3]
    );
    let mut expected = vec![
        "330400".to_owned(),
        code_of(db, one.region_id).await,
        code_of(db, two.region_id).await,
    ];
    expected.sort();
    expected.dedup();
    assert!(expected.len() >= 2);
    for event in &written {
        let codes: Vec<String> = serde_json::from_str(&event.region_codes).unwrap();
        assert_eq!(codes, expected, "every committee touched");
        let snapshot: serde_json::Value = serde_json::from_str(&event.snapshot).unwrap();
        assert!(snapshot.get("content").is_none());
        assert!(snapshot.get("acknowledgement").is_none());
        assert!(!event.snapshot.contains(&author.name), "no personal data");
        assert_eq!(snapshot["authorCount"], 1);
    }

    // Refusals: each leaves no change and no event.
    let other = reports::draft(db, &city, report("330400", vec![one.id], vec![]))
        .await
        .unwrap();
    let early = reports::acknowledge(db, &city, other.id, None, "阅".into()).await;
    match early {
        Err(DomainError::InvalidTransition {
            current, allowed, ..
        }) => {
            assert_eq!(current, "DRAFT");
            assert_eq!(allowed, "SUBMITTED");
        }
        other => panic!("expected INVALID_TRANSITION, got {other:?}"),
    }
    let foreign = staff(db, Role::CityStaff, "330100").await.unwrap();
    assert!(matches!(
        reports::submit(db, &foreign, other.id, None).await,
        Err(DomainError::Forbidden(_))
    ));
    assert!(matches!(
        reports::draft(db, &foreign, report("330400", vec![], vec![])).await,
        Err(DomainError::Forbidden(_))
    ));
    assert!(matches!(
        reports::draft(db, &Actor::Anonymous, report("330400", vec![], vec![])).await,
        Err(DomainError::Unauthenticated)
    ));
    assert!(matches!(
        reports::submit(db, &Actor::Anonymous, other.id, None).await,
        Err(DomainError::Unauthenticated)
    ));
    let county = staff(db, Role::CountyStaff, &code_of(db, one.region_id).await)
        .await
        .unwrap();
    let outside = reports::draft(
        db,
        &county,
        report(&code_of(db, one.region_id).await, vec![two.id], vec![]),
    )
    .await;
    assert!(
        matches!(outside, Err(DomainError::Invalid { ref field, .. }) if field == "sourceLoungeIds.0"),
        "{outside:?}"
    );
    let missing = reports::draft(db, &city, report("330400", vec![], vec![987_654_321])).await;
    assert!(
        matches!(missing, Err(DomainError::Invalid { ref field, .. }) if field == "authorMemberIds.0")
    );
    let untitled = reports::draft(
        db,
        &city,
        Draft {
            title: " ".into(),
            ..report("330400", vec![], vec![])
        },
    )
    .await;
    assert!(matches!(untitled, Err(DomainError::Invalid { ref field, .. }) if field == "title"));
    assert_eq!(
        events(db).await.len(),
        4,
        "only the second draft added an event"
    );
}

#[tokio::test]
async fn members_draft_reports_they_author_for_their_own_committee() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = &test.db;
    let author = member::Entity::find()
        .filter(member::Column::Status.eq(MemberStatus::Active))
        .order_by_asc(member::Column::Id)
        .one(db.reader())
        .await
        .unwrap()
        .unwrap();
    let colleague = member::Entity::find()
        .filter(member::Column::Status.eq(MemberStatus::Active))
        .filter(member::Column::Id.ne(author.id))
        .order_by_asc(member::Column::Id)
        .one(db.reader())
        .await
        .unwrap()
        .unwrap();
    let code = code_of(db, author.region_id).await;
    let actor = Actor::Authenticated(Principal {
        issuer: None,
        token_id: None,
        subject: "member".into(),
        role: Role::Member,
        region_id: author.region_id,
        region_code: code.clone(),
        member_id: Some(author.id),
        scope: Arc::new(scope_of(db, author.region_id).await),
    });
    let drafted = reports::draft(db, &actor, report(&code, vec![], vec![author.id]))
        .await
        .unwrap();
    assert_eq!(drafted.status, SentimentReportStatus::Draft);
    let not_theirs = reports::draft(db, &actor, report(&code, vec![], vec![colleague.id])).await;
    assert!(matches!(not_theirs, Err(DomainError::Forbidden(_))));
    let other_code = if code == "330000" { "330100" } else { "330000" };
    let elsewhere = reports::draft(db, &actor, report(other_code, vec![], vec![author.id])).await;
    assert!(matches!(elsewhere, Err(DomainError::Forbidden(_))));
    let submit = reports::submit(db, &actor, drafted.id, None).await;
    assert!(
        matches!(submit, Err(DomainError::Forbidden(_))),
        "the committee office submits"
    );
    assert_eq!(events(db).await.len(), 1);
}
