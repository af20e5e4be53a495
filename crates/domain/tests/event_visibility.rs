//! Event visibility follows the read rules (issue 10, item 1a): for every `EventType` and the
//! states its record can be in, a caller sees the event — through the `events` list and count,
//! through the live feed's check, and (as an INTEGRATOR of its region) as a notification target —
//! exactly when the read rules let the caller see the record in the state the event records.
//!
//! The table is an exhaustive `match` over `EventType`: a new event type does not compile until
//! someone decides here who may see it.

use domain::{
    Actor, Db, Role,
    events::{self, EventFilter, EventRecord},
    outbox::{self, NewEvent},
    visibility::{Audience, Viewer},
    write::sentiment_reports::{self, Draft},
};
use entity::{enums::EventType, event, member};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use testing::{Template, TestDb, actor, region_id, staff};

/// The (entity type, recorded status, who may see it) an event of `event_type` can carry.
fn cases(event_type: EventType) -> Vec<(&'static str, &'static str, Audience)> {
    use Audience::*;
    use EventType::*;
    match event_type {
        ConsultationCreated => vec![
            ("Consultation", "PROPOSED", Public),
            ("Consultation", "APPROVED", Public),
            ("Consultation", "SUBMITTED", Staff),
        ],
        ConsultationUpdated => vec![
            ("Consultation", "SCHEDULED", Public),
            ("Consultation", "SUBMITTED", Staff),
        ],
        ConsultationStatusChanged => vec![
            ("Consultation", "PROPOSED", Public),
            ("Consultation", "CANCELLED", Public),
            ("Consultation", "REJECTED", Staff),
        ],
        // A suggestion's own SUBMITTED status is public: only consultations are moderated.
        SuggestionCreated | SuggestionStatusChanged | SuggestionFollowedUp => {
            vec![
                ("Suggestion", "SUBMITTED", Public),
                ("Suggestion", "REJECTED", Public),
            ]
        }
        SlotRequested | SlotRequestDecided => vec![("SlotRequest", "QUEUED", Public)],
        LoungeCreated | LoungeUpdated | LoungeStatusChanged => vec![("Lounge", "ACTIVE", Public)],
        LoungeMembershipChanged => vec![("LoungeMembership", "LEAD", Public)],
        LoungeActivityRecorded => vec![("LoungeActivity", "PLANNED", Public)],
        // A host lounge's answer to a joint-activity invitation: public like the activity.
        LoungeActivityHostingConfirmed => vec![("LoungeActivity", "CONFIRMED", Public)],
        LoungeActivityHostingDeclined => vec![("LoungeActivity", "DECLINED", Public)],
        MemberCreated | MemberUpdated => vec![("Member", "ACTIVE", Public)],
        SentimentReportDrafted => vec![("SentimentReport", "DRAFT", StaffAndAuthors)],
        SentimentReportSubmitted => vec![("SentimentReport", "SUBMITTED", Public)],
        SentimentReportAcknowledged => vec![("SentimentReport", "ACKNOWLEDGED", Public)],
        NotificationTest => vec![("NotificationTarget", "ACTIVE", Public)],
    }
}

/// The callers the table is checked against, and which audiences each belongs to for a record
/// of 330212 (鄞州区) whose author is `author`.
struct Caller {
    name: &'static str,
    actor: Actor,
    /// Sees public events of 330212 (its scope touches it).
    in_scope: bool,
    /// Staff covering 330212.
    staff: bool,
    /// An author of the draft.
    author: bool,
}

fn expected(caller: &Caller, audience: Audience) -> bool {
    match audience {
        Audience::Public => caller.in_scope,
        Audience::Staff => caller.staff,
        Audience::StaffAndAuthors => caller.staff || caller.author,
    }
}

async fn members_of(db: &Db, code: &str) -> Vec<i64> {
    let region = region_id(db, code).await.expect("the region");
    member::Entity::find()
        .filter(member::Column::RegionId.eq(region))
        .order_by_asc(member::Column::Id)
        .all(db.reader())
        .await
        .expect("members")
        .into_iter()
        .map(|row| row.id)
        .collect()
}

async fn visible_in_list(db: &Db, actor: &Actor, event: &EventRecord) -> bool {
    let filter = EventFilter::of_types(vec![event.event_type]);
    events::list(db, actor, &filter, event.sequence - 1, 1)
        .await
        .expect("a page")
        .iter()
        .any(|found| found.sequence == event.sequence)
}

async fn reaches_target(db: &Db, region: i64, sequence: i64) -> bool {
    event::Entity::find()
        .filter(event::Column::Sequence.eq(sequence))
        .filter(events::visible_condition(&Viewer::notification_target(
            region,
        )))
        .count(db.reader())
        .await
        .expect("a count")
        == 1
}

#[tokio::test]
async fn every_event_type_is_visible_exactly_as_the_read_rules_say() {
    let test = TestDb::new(Template::Demo).await.expect("a test database");
    let db = &test.db;
    let yinzhou = region_id(db, "330212").await.expect("330212");
    let province = region_id(db, "330000").await.expect("330000");
    let members = members_of(db, "330212").await;
    let (author_id, other_id) = (members[0], members[1]);
    let author = actor(db, Role::Member, "330212", Some(author_id))
        .await
        .expect("the author");
    let draft = sentiment_reports::draft(
        db,
        &author,
        Draft {
            region_code: "330212".into(),
            title: "关于老旧小区加装电梯的建议".into(),
            content: "内容".into(),
            recipient: "区政府办公室".into(),
            source_lounge_ids: Vec::new(),
            author_member_ids: vec![author_id],
        },
    )
    .await
    .expect("drafted");

    let callers = vec![
        Caller {
            name: "INTEGRATOR 330000",
            actor: staff(db, Role::Integrator, "330000").await.expect("actor"),
            in_scope: true,
            staff: false,
            author: false,
        },
        Caller {
            name: "PROVINCE_STAFF 330000",
            actor: staff(db, Role::ProvinceStaff, "330000")
                .await
                .expect("actor"),
            in_scope: true,
            staff: true,
            author: false,
        },
        Caller {
            name: "CITY_STAFF 330200",
            actor: staff(db, Role::CityStaff, "330200").await.expect("actor"),
            in_scope: true,
            staff: true,
            author: false,
        },
        Caller {
            name: "COUNTY_STAFF 330212",
            actor: staff(db, Role::CountyStaff, "330212").await.expect("actor"),
            in_scope: true,
            staff: true,
            author: false,
        },
        Caller {
            name: "COUNTY_STAFF 330106",
            actor: staff(db, Role::CountyStaff, "330106").await.expect("actor"),
            in_scope: false,
            staff: false,
            author: false,
        },
        Caller {
            name: "MEMBER author",
            actor: author.clone(),
            in_scope: true,
            staff: false,
            author: true,
        },
        Caller {
            name: "MEMBER not an author",
            actor: actor(db, Role::Member, "330212", Some(other_id))
                .await
                .expect("actor"),
            in_scope: true,
            staff: false,
            author: false,
        },
    ];

    let mut checked = 0;
    for event_type in EventType::ALL.iter().copied() {
        for (entity_type, status, audience) in cases(event_type) {
            let transaction = db.begin_write().await.expect("a transaction");
            let sequence = outbox::append(
                &transaction,
                NewEvent {
                    event_type,
                    entity_type,
                    entity_id: draft.id,
                    region_ids: vec![yinzhou],
                    snapshot: serde_json::json!({
                        "id": draft.id, "status": status, "title": "标题", "recipient": "收件方"
                    }),
                    actor: "test".into(),
                },
            )
            .await
            .expect("appended");
            db.commit(transaction).await.expect("committed");
            let record = events::by_sequences(db, &[sequence])
                .await
                .expect("read back")
                .pop()
                .expect("the event");
            assert_eq!(record.audience(), audience, "{event_type:?} {status}");
            for caller in &callers {
                let want = expected(caller, audience);
                let what = format!("{event_type:?} {entity_type} {status} for {}", caller.name);
                assert_eq!(
                    visible_in_list(db, &caller.actor, &record).await,
                    want,
                    "list: {what}"
                );
                let principal = caller.actor.principal().expect("authenticated");
                assert_eq!(
                    events::visible(db, principal, &record)
                        .await
                        .expect("checked"),
                    want,
                    "feed: {what}"
                );
                checked += 1;
            }
            // A notification target of the province is judged as an INTEGRATOR of 330000.
            assert_eq!(
                reaches_target(db, province, sequence).await,
                audience == Audience::Public,
                "target: {event_type:?} {status}"
            );
        }
    }
    assert!(checked >= EventType::ALL.len() * callers.len());
}

#[tokio::test]
async fn staff_must_cover_every_committee_a_restricted_event_touches() {
    let test = TestDb::new(Template::Demo).await.expect("a test database");
    let db = &test.db;
    let ningbo = region_id(db, "330200").await.expect("330200");
    let yinzhou = region_id(db, "330212").await.expect("330212");
    let county = staff(db, Role::CountyStaff, "330212").await.expect("actor");
    let city = staff(db, Role::CityStaff, "330200").await.expect("actor");
    let all = EventFilter::default();
    let county_before = events::count(db, &county, &all).await.expect("a count");
    let city_before = events::count(db, &city, &all).await.expect("a count");
    // A draft of Ningbo's committee compiled from a lounge of 鄞州.
    let transaction = db.begin_write().await.expect("a transaction");
    let sequence = outbox::append(
        &transaction,
        NewEvent {
            event_type: EventType::SentimentReportDrafted,
            entity_type: "SentimentReport",
            entity_id: 1,
            region_ids: vec![ningbo, yinzhou],
            snapshot: serde_json::json!({ "id": 1, "status": "DRAFT", "title": "草稿" }),
            actor: "test".into(),
        },
    )
    .await
    .expect("appended");
    db.commit(transaction).await.expect("committed");
    let record = events::by_sequences(db, &[sequence])
        .await
        .expect("read back")
        .pop()
        .expect("the event");
    assert!(!visible_in_list(db, &county, &record).await);
    assert!(visible_in_list(db, &city, &record).await);
    assert_eq!(
        events::count(db, &county, &all).await.expect("a count"),
        county_before,
        "the count agrees with the list"
    );
    assert_eq!(
        events::count(db, &city, &all).await.expect("a count"),
        city_before + 1
    );
}

/// Appends one event of 330212 recording `status`.
async fn append_state(
    db: &Db,
    event_type: EventType,
    entity_type: &'static str,
    status: &str,
) -> i64 {
    let yinzhou = region_id(db, "330212").await.expect("330212");
    let transaction = db.begin_write().await.expect("a transaction");
    let sequence = outbox::append(
        &transaction,
        NewEvent {
            event_type,
            entity_type,
            entity_id: 1,
            region_ids: vec![yinzhou],
            snapshot: serde_json::json!({ "id": 1, "status": status, "title": "标题" }),
            actor: "test".into(),
        },
    )
    .await
    .expect("appended");
    db.commit(transaction).await.expect("committed");
    sequence
}

/// The live path of subscriptions (the feed's broadcast, not the outbox query) applies the same
/// rule: an integrator's live `events` stream skips the draft and the topic in moderation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_subscribers_skip_what_they_may_not_see() {
    use domain::feed::{EventFeed, FeedOptions};

    let test = TestDb::new(Template::Demo).await.expect("a test database");
    let db = test.db.clone();
    let feed = EventFeed::start(
        db.clone(),
        FeedOptions {
            retention: None,
            ..FeedOptions::default()
        },
    );
    let mut latest = feed.latest();
    latest.changed().await.expect("the feed's first read");
    let integrator = staff(&db, Role::Integrator, "330000").await.expect("actor");
    let province = staff(&db, Role::ProvinceStaff, "330000")
        .await
        .expect("actor");
    let mut integrator_tail = feed
        .tail(&integrator, EventFilter::default(), None)
        .await
        .expect("a tail");
    let mut staff_tail = feed
        .tail(&province, EventFilter::default(), None)
        .await
        .expect("a tail");

    let draft = append_state(
        &db,
        EventType::SentimentReportDrafted,
        "SentimentReport",
        "DRAFT",
    )
    .await;
    let queued = append_state(
        &db,
        EventType::ConsultationCreated,
        "Consultation",
        "SUBMITTED",
    )
    .await;
    let public = append_state(
        &db,
        EventType::ConsultationStatusChanged,
        "Consultation",
        "PROPOSED",
    )
    .await;

    assert_eq!(
        next(&mut integrator_tail).await,
        public,
        "skips {draft} and {queued}"
    );
    assert_eq!(next(&mut staff_tail).await, draft);
    assert_eq!(next(&mut staff_tail).await, queued);
    assert_eq!(next(&mut staff_tail).await, public);
    feed.shutdown();
}

/// The sequence of the tail's next event, waiting at most 30 s.
async fn next(tail: &mut domain::feed::Tail) -> i64 {
    tokio::time::timeout(std::time::Duration::from_secs(30), tail.next())
        .await
        .expect("an event in time")
        .expect("no error")
        .expect("the feed runs")
        .sequence
}
