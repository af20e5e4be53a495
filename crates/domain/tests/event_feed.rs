//! The outbox as integrators read it: listing with filters and scope, cursor expiry, retention,
//! and the event feed — gap-free under concurrent writers, across a lagging subscriber, and (on
//! PostgreSQL) woken by another handle's NOTIFY and surviving a lost LISTEN connection.

use std::{sync::Arc, time::Duration};

use chrono::Utc;
use domain::{
    Actor, Db, DomainError, Engine, Role,
    events::{self, EventFilter, EventRecord},
    feed::{EventFeed, FeedOptions},
    write::consultations::{self as write, Step},
};
use entity::{
    delivery,
    enums::{DeliveryStatus, EventType, NotificationAdapter, NotificationTargetStatus},
    event, notification_target, region,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, Statement,
};
use testing::{Template, TestDb, proposal, staff};

/// Proposes a consultation in `code` and approves it: two events.
async fn propose_and_approve(db: &Db, actor: &Actor, code: &str) -> i64 {
    let created = write::propose(db, actor, proposal(code))
        .await
        .expect("proposed");
    write::step(db, actor, created.id, None, Step::Approve, None)
        .await
        .expect("approved");
    created.id
}

fn sequences(events: &[EventRecord]) -> Vec<i64> {
    events.iter().map(|event| event.sequence).collect()
}

/// Every event visible to `actor` matching `filter`, page by page.
async fn list_all(db: &Db, actor: &Actor, filter: &EventFilter, page: u64) -> Vec<EventRecord> {
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let found = events::list(db, actor, filter, after, page)
            .await
            .expect("a page");
        let Some(last) = found.last() else {
            return all;
        };
        after = last.sequence;
        let short = (found.len() as u64) < page;
        all.extend(found);
        if short {
            return all;
        }
    }
}

async fn age_events(db: &Db, up_to: i64, days: i64) {
    event::Entity::update_many()
        .col_expr(
            event::Column::OccurredAt,
            sea_orm::sea_query::Expr::value(Utc::now() - chrono::Duration::days(days)),
        )
        .filter(event::Column::Sequence.lte(up_to))
        .exec(db.writer())
        .await
        .expect("aged");
}

#[tokio::test]
async fn listing_filters_by_type_region_and_the_callers_scope() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = &test.db;
    let province = staff(db, Role::ProvinceStaff, "330000").await.unwrap();
    // Two in Yinzhou (Ningbo), one in Xihu (Hangzhou): six events.
    for code in ["330212", "330106", "330212"] {
        propose_and_approve(db, &province, code).await;
    }
    let everything = list_all(db, &province, &EventFilter::default(), 4).await;
    assert_eq!(sequences(&everything), (1..=6).collect::<Vec<_>>());
    assert_eq!(
        events::count(db, &province, &EventFilter::default())
            .await
            .unwrap(),
        6
    );
    let first = &everything[0];
    assert_eq!(first.event_type, EventType::ConsultationCreated);
    assert_eq!(first.region_codes, vec!["330212".to_owned()]);
    assert_eq!(first.snapshot["status"], "PROPOSED");
    assert_eq!(everything[1].snapshot["status"], "APPROVED");
    assert_eq!(first.entity_type, "Consultation");

    let changed = EventFilter::resolve(db, vec![EventType::ConsultationStatusChanged], None, false)
        .await
        .unwrap();
    let found = list_all(db, &province, &changed, 100).await;
    assert_eq!(sequences(&found), vec![2, 4, 6]);
    assert!(found.iter().all(|event| changed.matches(event)));

    let ningbo_subtree = EventFilter::resolve(db, Vec::new(), Some("330200"), true)
        .await
        .unwrap();
    let found = list_all(db, &province, &ningbo_subtree, 100).await;
    assert_eq!(sequences(&found), vec![1, 2, 5, 6]);
    assert!(found.iter().all(|event| ningbo_subtree.matches(event)));
    let ningbo_only = EventFilter::resolve(db, Vec::new(), Some("330200"), false)
        .await
        .unwrap();
    assert!(list_all(db, &province, &ningbo_only, 100).await.is_empty());
    assert!(!everything.iter().any(|event| ningbo_only.matches(event)));

    // County staff of Xihu see Xihu's events only, whatever they filter on.
    let xihu = staff(db, Role::CountyStaff, "330106").await.unwrap();
    let seen = list_all(db, &xihu, &EventFilter::default(), 100).await;
    assert_eq!(sequences(&seen), vec![3, 4]);
    assert!(list_all(db, &xihu, &ningbo_subtree, 100).await.is_empty());
    let Actor::Authenticated(xihu_principal) = &xihu else {
        unreachable!()
    };
    assert_eq!(
        everything
            .iter()
            .filter(|event| event.visible_to(xihu_principal, false))
            .count(),
        2
    );

    assert!(matches!(
        events::list(db, &Actor::Anonymous, &EventFilter::default(), 0, 10).await,
        Err(DomainError::Unauthenticated)
    ));
    for bad in ["33", "999999"] {
        assert!(matches!(
            EventFilter::resolve(db, Vec::new(), Some(bad), false).await,
            Err(DomainError::Invalid { ref field, .. }) if field == "regionCode"
        ));
    }
}

#[tokio::test]
async fn pruning_removes_an_old_prefix_and_expires_cursors_into_it() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = &test.db;
    let actor = staff(db, Role::ProvinceStaff, "330000").await.unwrap();
    for _ in 0..4 {
        propose_and_approve(db, &actor, "330212").await;
    }
    assert!(events::check_cursor(db, 0).await.is_ok());
    // Events 1..=5 are 100 days old; 6..=8 are new.
    age_events(db, 5, 100).await;
    let retention = Duration::from_secs(90 * 24 * 3600);
    assert_eq!(events::prune(db, retention).await.unwrap(), 5);
    assert_eq!(events::bounds(db).await.unwrap(), Some((6, 8)));
    assert_eq!(
        entity::event_region::Entity::find()
            .all(db.reader())
            .await
            .unwrap()
            .len(),
        3
    );
    // `after` 5 resumes exactly at 6; 4 would skip 5.
    assert!(events::check_cursor(db, 5).await.is_ok());
    assert!(matches!(
        events::check_cursor(db, 4).await,
        Err(DomainError::CursorExpired { oldest: 6 })
    ));
    assert!(matches!(
        events::check_cursor(db, 0).await,
        Err(DomainError::CursorExpired { .. })
    ));
    assert!(matches!(
        events::check_cursor(db, 9).await,
        Err(DomainError::Invalid { ref field, .. }) if field == "after"
    ));
    assert!(events::check_cursor(db, 8).await.is_ok());
    // Nothing more is old enough.
    assert_eq!(events::prune(db, retention).await.unwrap(), 0);
}

async fn target(db: &Db, last_sequence: i64) -> i64 {
    let region = region::Entity::find()
        .filter(region::Column::Code.eq("330000"))
        .one(db.reader())
        .await
        .expect("test set-up")
        .expect("test set-up");
    let now = Utc::now();
    notification_target::ActiveModel {
        name: Set("test".into()),
        adapter: Set(NotificationAdapter::Webhook),
        url: Set("http://127.0.0.1:9/hook".into()),
        secret: Set(None),
        event_types: Set("[]".into()),
        region_id: Set(region.id),
        status: Set(NotificationTargetStatus::Active),
        created_by: Set("test".into()),
        last_sequence: Set(last_sequence),
        lease_holder: Set(None),
        lease_until: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db.writer())
    .await
    .expect("test set-up")
    .id
}

async fn deliver(db: &Db, target_id: i64, sequence: i64, status: DeliveryStatus) {
    let now = Utc::now();
    delivery::ActiveModel {
        target_id: Set(target_id),
        event_sequence: Set(sequence),
        status: Set(status),
        attempts: Set(1),
        last_error: Set(None),
        response_code: Set(None),
        next_attempt_at: Set(None),
        delivered_at: Set(None),
        redelivery: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db.writer())
    .await
    .expect("test set-up");
}

async fn set_examined(db: &Db, target_id: i64, last_sequence: i64) {
    notification_target::Entity::update_many()
        .col_expr(
            notification_target::Column::LastSequence,
            sea_orm::sea_query::Expr::value(last_sequence),
        )
        .filter(notification_target::Column::Id.eq(target_id))
        .exec(db.writer())
        .await
        .expect("test set-up");
}

#[tokio::test]
async fn pruning_keeps_the_newest_unexamined_and_undelivered_events() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = &test.db;
    let actor = staff(db, Role::ProvinceStaff, "330000").await.unwrap();
    for _ in 0..5 {
        propose_and_approve(db, &actor, "330106").await;
    }
    // Every event (1..=10) is old.
    age_events(db, 10, 200).await;
    let retention = Duration::from_secs(24 * 3600);

    // A target that has examined up to 3 holds 4 and everything after it.
    let slow = target(db, 3).await;
    deliver(db, slow, 2, DeliveryStatus::Succeeded).await;
    deliver(db, slow, 3, DeliveryStatus::Dead).await;
    assert_eq!(events::prune(db, retention).await.unwrap(), 3);
    assert_eq!(events::bounds(db).await.unwrap(), Some((4, 10)));
    // Settled deliveries of pruned events went with them.
    assert!(
        delivery::Entity::find()
            .all(db.reader())
            .await
            .unwrap()
            .is_empty()
    );

    // A RETRYING delivery of 6 holds 6 even once every target has examined everything.
    set_examined(db, slow, 10).await;
    deliver(db, slow, 6, DeliveryStatus::Retrying).await;
    deliver(db, slow, 5, DeliveryStatus::Succeeded).await;
    assert_eq!(events::prune(db, retention).await.unwrap(), 2);
    assert_eq!(events::bounds(db).await.unwrap(), Some((6, 10)));

    // PENDING holds too; once settled, only the newest event stays.
    delivery::Entity::update_many()
        .col_expr(
            delivery::Column::Status,
            sea_orm::sea_query::Expr::value(DeliveryStatus::Pending.as_str()),
        )
        .exec(db.writer())
        .await
        .unwrap();
    assert_eq!(events::prune(db, retention).await.unwrap(), 0);
    delivery::Entity::update_many()
        .col_expr(
            delivery::Column::Status,
            sea_orm::sea_query::Expr::value(DeliveryStatus::Dead.as_str()),
        )
        .exec(db.writer())
        .await
        .unwrap();
    assert_eq!(events::prune(db, retention).await.unwrap(), 4);
    assert_eq!(events::bounds(db).await.unwrap(), Some((10, 10)));
    // The next sequence is still MAX + 1: the log stays contiguous.
    propose_and_approve(db, &actor, "330106").await;
    assert_eq!(events::bounds(db).await.unwrap(), Some((10, 12)));
}

const WRITERS: usize = 20;
const ROUNDS: usize = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_leave_a_gap_free_log_for_tailers_and_the_feed() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = test.db.clone();
    let actor = staff(&db, Role::ProvinceStaff, "330000").await.unwrap();
    let total = (WRITERS * ROUNDS * 2) as i64;
    let feed = EventFeed::start(
        db.clone(),
        FeedOptions {
            capacity: 4 * total as usize,
            retention: None,
            ..FeedOptions::default()
        },
    );
    let mut broadcast = feed.subscribe();
    let mut latest = feed.latest();
    // Wait for the feed's first read, so that it broadcasts every event written below.
    latest.changed().await.unwrap();
    // A reader that resumes from the beginning and one that is live from now; both start
    // before the writers.
    let mut replay = feed
        .tail(&actor, EventFilter::default(), Some(0))
        .await
        .unwrap();
    let xihu = staff(&db, Role::CountyStaff, "330106").await.unwrap();
    let mut live_xihu = feed
        .tail(&xihu, EventFilter::default(), None)
        .await
        .unwrap();

    // A raw tailer: `sequence > last` in a loop while the writers run.
    let stop = Arc::new(tokio::sync::Notify::new());
    let tailer = {
        let (db, stop) = (db.clone(), Arc::clone(&stop));
        tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut last = 0;
            let mut stopping = false;
            loop {
                let found = events::read_after(&db, last, 7).await.expect("a read");
                for event in &found {
                    assert!(event.sequence > last, "saw {} after {last}", event.sequence);
                    last = event.sequence;
                    seen.push(event.sequence);
                }
                if found.is_empty() {
                    if stopping || seen.len() as i64 >= total {
                        return seen;
                    }
                    tokio::select! {
                        () = stop.notified() => stopping = true,
                        () = tokio::time::sleep(Duration::from_millis(2)) => {}
                    }
                }
            }
        })
    };

    let codes = ["330212", "330106", "330421", "330782", "331123"];
    let writers: Vec<_> = (0..WRITERS)
        .map(|n| {
            let (db, actor) = (db.clone(), actor.clone());
            tokio::spawn(async move {
                for _ in 0..ROUNDS {
                    propose_and_approve(&db, &actor, codes[n % codes.len()]).await;
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    stop.notify_one();
    let seen = tailer.await.unwrap();
    assert_eq!(seen, (1..=total).collect::<Vec<_>>());

    // The feed broadcast every event once, in order.
    let mut broadcast_seen = Vec::new();
    while (broadcast_seen.len() as i64) < total {
        let event = tokio::time::timeout(Duration::from_secs(30), broadcast.recv())
            .await
            .expect("the feed keeps up")
            .expect("no lag with this capacity");
        broadcast_seen.push(event.sequence);
    }
    assert_eq!(broadcast_seen, (1..=total).collect::<Vec<_>>());
    latest.wait_for(|latest| *latest == total).await.unwrap();

    // The replaying reader gets everything exactly once; the live county reader gets its
    // county's events only (4 writers of 20 write in Xihu).
    let mut replayed = Vec::new();
    while (replayed.len() as i64) < total {
        let event = tokio::time::timeout(Duration::from_secs(30), replay.next())
            .await
            .expect("in time")
            .unwrap()
            .expect("the feed runs");
        replayed.push(event.sequence);
    }
    assert_eq!(replayed, (1..=total).collect::<Vec<_>>());
    let xihu_total = (WRITERS / codes.len() * ROUNDS * 2) as i64;
    let mut xihu_seen = Vec::new();
    while (xihu_seen.len() as i64) < xihu_total {
        let event = tokio::time::timeout(Duration::from_secs(30), live_xihu.next())
            .await
            .expect("in time")
            .unwrap()
            .expect("the feed runs");
        assert_eq!(event.region_codes, vec!["330106".to_owned()]);
        xihu_seen.push(event.sequence);
    }
    assert!(xihu_seen.windows(2).all(|pair| pair[0] < pair[1]));
    // Nothing more arrives for either, and the feed stops on request.
    propose_and_approve(&db, &actor, "330212").await;
    let next = tokio::time::timeout(Duration::from_secs(30), replay.next())
        .await
        .expect("in time")
        .unwrap()
        .expect("the feed runs");
    assert_eq!(next.sequence, total + 1);
    feed.shutdown();
    let ended = tokio::time::timeout(Duration::from_secs(30), live_xihu.next())
        .await
        .expect("in time")
        .unwrap();
    assert!(ended.is_none());
}

#[tokio::test]
async fn a_lagging_reader_catches_up_from_the_outbox_without_gaps_or_duplicates() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = test.db.clone();
    let actor = staff(&db, Role::ProvinceStaff, "330000").await.unwrap();
    propose_and_approve(&db, &actor, "330212").await;
    let feed = EventFeed::start(
        db.clone(),
        FeedOptions {
            capacity: 2,
            batch: 4,
            retention: None,
            ..FeedOptions::default()
        },
    );
    // Resume after event 1 with a filter and catch up with event 3; then the reader is not
    // polled while 28 more events are written, so its broadcast buffer of 2 overflows and it
    // must read the rest from the outbox again.
    let filter = EventFilter::resolve(&db, vec![EventType::ConsultationCreated], None, false)
        .await
        .unwrap();
    let mut reader = feed.tail(&actor, filter, Some(1)).await.unwrap();
    propose_and_approve(&db, &actor, "330212").await;
    let mut got = Vec::new();
    let mut latest = feed.latest();
    latest.wait_for(|latest| *latest == 4).await.unwrap();
    let first = reader.next().await.unwrap().expect("the feed runs");
    got.push(first.sequence);
    for _ in 0..14 {
        propose_and_approve(&db, &actor, "330212").await;
    }
    latest.wait_for(|latest| *latest == 32).await.unwrap();
    while got.len() < 15 {
        let event = tokio::time::timeout(Duration::from_secs(30), reader.next())
            .await
            .expect("in time")
            .unwrap()
            .expect("the feed runs");
        assert_eq!(event.event_type, EventType::ConsultationCreated);
        got.push(event.sequence);
    }
    assert_eq!(got, (1..=15).map(|n| 2 * n + 1).collect::<Vec<_>>());
    // And live again after the catch-up.
    propose_and_approve(&db, &actor, "330212").await;
    let event = tokio::time::timeout(Duration::from_secs(30), reader.next())
        .await
        .expect("in time")
        .unwrap()
        .expect("the feed runs");
    assert_eq!(event.sequence, 33);
    assert!(reader.position() >= 33);
}

#[tokio::test]
async fn tailing_from_an_expired_cursor_or_anonymously_is_refused() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = test.db.clone();
    let actor = staff(&db, Role::ProvinceStaff, "330000").await.unwrap();
    for _ in 0..2 {
        propose_and_approve(&db, &actor, "330212").await;
    }
    age_events(&db, 2, 100).await;
    events::prune(&db, Duration::from_secs(3600)).await.unwrap();
    let feed = EventFeed::start(db.clone(), FeedOptions::default());
    assert!(matches!(
        feed.tail(&actor, EventFilter::default(), Some(1)).await,
        Err(DomainError::CursorExpired { oldest: 3 })
    ));
    assert!(
        feed.tail(&actor, EventFilter::default(), Some(2))
            .await
            .is_ok()
    );
    assert!(matches!(
        feed.tail(&Actor::Anonymous, EventFilter::default(), None)
            .await,
        Err(DomainError::Unauthenticated)
    ));
}

/// PostgreSQL only: a second handle on the same database (as another replica would have) hears
/// the first one's commits through NOTIFY — its timer is an hour, so nothing else could wake
/// it — and keeps hearing them after its LISTEN connection is killed.
#[tokio::test]
async fn another_handles_commits_arrive_through_notify_and_survive_a_lost_listener() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    if test.db.engine() != Engine::Postgres {
        return;
    }
    let writer = test.db.clone();
    let replica = Db::connect(&test.url, domain::db::DbOptions::default())
        .await
        .unwrap();
    let feed = EventFeed::start(
        replica.clone(),
        FeedOptions {
            poll_interval: Duration::from_secs(3600),
            retention: None,
            ..FeedOptions::default()
        },
    );
    let mut latest = feed.latest();
    let actor = staff(&writer, Role::ProvinceStaff, "330000").await.unwrap();
    let listening = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
                     AND query ILIKE 'LISTEN%'";
    // Wait until the replica's listener is up.
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let found = writer
                .reader()
                .query_all_raw(Statement::from_string(writer.backend(), listening))
                .await
                .unwrap();
            if !found.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the replica listens");
    let mut reader = feed
        .tail(&actor, EventFilter::default(), None)
        .await
        .unwrap();
    propose_and_approve(&writer, &actor, "330212").await;
    for expected in [1, 2] {
        let event = tokio::time::timeout(Duration::from_secs(30), reader.next())
            .await
            .expect("woken by NOTIFY")
            .unwrap()
            .expect("the feed runs");
        assert_eq!(event.sequence, expected);
    }

    writer
        .writer()
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM ({listening}) AS listeners"
        ))
        .await
        .unwrap();
    propose_and_approve(&writer, &actor, "330212").await;
    for expected in [3, 4] {
        let event = tokio::time::timeout(Duration::from_secs(30), reader.next())
            .await
            .expect("re-read after the listener reconnected")
            .unwrap()
            .expect("the feed runs");
        assert_eq!(event.sequence, expected);
    }
    latest.wait_for(|latest| *latest == 4).await.unwrap();
}

/// A target paused, or failing, beyond the retention stops pruning no longer: what it owes for
/// older events expires (deliveries EXPIRED, unexamined events passed over), then pruning
/// removes them; what is younger than the retention is kept for it.
#[tokio::test]
async fn a_target_paused_or_failing_beyond_the_retention_expires_and_pruning_goes_on() {
    let test = TestDb::new(Template::Demo).await.unwrap();
    let db = &test.db;
    let actor = staff(db, Role::ProvinceStaff, "330000").await.unwrap();
    for _ in 0..5 {
        propose_and_approve(db, &actor, "330106").await;
    }
    let (oldest, newest) = events::bounds(db).await.unwrap().expect("events");
    // All but the last two events are older than the retention.
    let old_upto = newest - 2;
    age_events(db, old_upto, 200).await;
    let retention = Duration::from_secs(90 * 24 * 3600);

    // A paused target that examined nothing, and a failing one retrying an old event.
    let paused = target(db, oldest - 1).await;
    notification_target::Entity::update_many()
        .col_expr(
            notification_target::Column::Status,
            sea_orm::sea_query::Expr::value(NotificationTargetStatus::Paused.as_str()),
        )
        .filter(notification_target::Column::Id.eq(paused))
        .exec(db.writer())
        .await
        .unwrap();
    let failing = target(db, newest).await;
    deliver(db, failing, oldest + 1, DeliveryStatus::Retrying).await;
    deliver(db, failing, newest, DeliveryStatus::Pending).await;

    // Today's rule alone: they hold the whole log.
    assert_eq!(events::prune(db, retention).await.unwrap(), 0);

    let expired = domain::expiry::expire(db, retention).await.unwrap();
    assert_eq!(expired.deliveries, 1);
    assert_eq!(expired.targets_advanced, 1);
    let rows = delivery::Entity::find()
        .filter(delivery::Column::TargetId.eq(failing))
        .all(db.reader())
        .await
        .unwrap();
    let status_of = |sequence: i64| {
        rows.iter()
            .find(|row| row.event_sequence == sequence)
            .map(|row| (row.status, row.next_attempt_at.is_none()))
    };
    assert_eq!(status_of(oldest + 1), Some((DeliveryStatus::Expired, true)));
    assert_eq!(
        status_of(newest),
        Some((DeliveryStatus::Pending, true)),
        "young deliveries stay"
    );
    let paused_row = notification_target::Entity::find_by_id(paused)
        .one(db.reader())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        paused_row.last_sequence, old_upto,
        "it resumes with the retained events"
    );
    assert_eq!(paused_row.status, NotificationTargetStatus::Paused);

    // Pruning goes on, up to the events still within the retention.
    assert_eq!(
        events::prune(db, retention).await.unwrap() as i64,
        old_upto - oldest + 1
    );
    assert_eq!(
        events::bounds(db).await.unwrap(),
        Some((old_upto + 1, newest))
    );
    // Nothing more to expire.
    assert_eq!(
        domain::expiry::expire(db, retention).await.unwrap(),
        domain::expiry::Expired::default()
    );
}
