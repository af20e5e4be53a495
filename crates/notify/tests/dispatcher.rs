//! The outbox dispatcher against a real database (SQLite, or PostgreSQL with
//! `XIESHANG_TEST_ENGINE=postgres`): matching, order per target, retries and dead letters,
//! redelivery, robot digests and throttling, two dispatchers on one database, lease takeover,
//! shutdown. Every check counts and orders deliveries; waits only bound how long a test may
//! hang.

use std::{
    collections::{HashMap, HashSet},
    future::Future,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use chrono::Utc;
use domain::{
    Db, Engine,
    db::DbOptions,
    events::global_id,
    outbox::{self, NewEvent},
};
use entity::{
    delivery,
    enums::{DeliveryStatus, EventType, NotificationAdapter, NotificationTargetStatus},
    event, notification_target,
};
use notify::{
    Adapter, AdapterRegistry, Destination, DispatchOptions, Dispatcher, DispatcherHandle,
    InMemoryAdapter, Message, NotifyError, Receipt,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use testing::{Template, TestDb, region_id};
use tokio::sync::watch;

/// An adapter that records what it is given (through [`InMemoryAdapter`]), fails on request,
/// and notices two sends to one URL at the same time.
#[derive(Clone, Default)]
struct Probe {
    memory: InMemoryAdapter,
    down: Arc<AtomicBool>,
    failing: Arc<Mutex<HashSet<i64>>>,
    delay: Duration,
    in_flight: Arc<Mutex<HashMap<String, usize>>>,
    overlaps: Arc<AtomicUsize>,
    /// URLs that accept a send and never answer (a tarpit), with the sends each was given.
    tarpits: Arc<Mutex<HashMap<String, usize>>>,
}

impl Probe {
    fn with_delay(delay: Duration) -> Self {
        Self {
            delay,
            ..Self::default()
        }
    }

    /// Makes every message carrying event `sequence` fail (retryably) until cleared.
    fn fail_sequence(&self, sequence: i64, failing: bool) {
        let mut set = self.failing.lock().expect("probe lock");
        if failing {
            set.insert(sequence);
        } else {
            set.remove(&sequence);
        }
    }

    /// Makes `url` a tarpit: every send to it hangs until the dispatcher's send timeout.
    fn tarpit(&self, url: &str) {
        self.tarpits
            .lock()
            .expect("probe lock")
            .insert(url.to_owned(), 0);
    }

    /// How many sends the tarpit at `url` has swallowed.
    fn tarpit_sends(&self, url: &str) -> usize {
        self.tarpits
            .lock()
            .expect("probe lock")
            .get(url)
            .copied()
            .unwrap_or(0)
    }

    /// Messages received at `url`, in arrival order.
    fn messages(&self, url: &str) -> Vec<Message> {
        self.memory
            .delivered()
            .into_iter()
            .filter(|(to, _)| to == url)
            .map(|(_, message)| message)
            .collect()
    }

    /// The event sequences received at `url`, in arrival order.
    fn sequences(&self, url: &str) -> Vec<i64> {
        self.messages(url)
            .iter()
            .flat_map(|message| message.events.iter().map(|event| event.sequence))
            .collect()
    }
}

#[async_trait::async_trait]
impl Adapter for Probe {
    fn name(&self) -> &'static str {
        "PROBE"
    }

    async fn deliver(
        &self,
        destination: &Destination,
        message: &Message,
    ) -> Result<Receipt, NotifyError> {
        {
            let mut in_flight = self.in_flight.lock().expect("probe lock");
            let count = in_flight.entry(destination.url.clone()).or_default();
            *count += 1;
            if *count > 1 {
                self.overlaps.fetch_add(1, Ordering::SeqCst);
            }
        }
        let swallowed = self
            .tarpits
            .lock()
            .expect("probe lock")
            .get_mut(&destination.url)
            .map(|sends| *sends += 1)
            .is_some();
        if swallowed {
            std::future::pending::<()>().await;
        }
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        let fails = self.down.load(Ordering::SeqCst) || {
            let failing = self.failing.lock().expect("probe lock");
            message
                .events
                .iter()
                .any(|event| failing.contains(&event.sequence))
        };
        let result = if fails {
            Err(NotifyError::Retryable {
                message: format!("503 from {} (secret s3cr3t)", destination.url),
                status: Some(503),
                retry_after: None,
                class: None,
            })
        } else {
            self.memory.deliver(destination, message).await
        };
        if let Some(count) = self
            .in_flight
            .lock()
            .expect("probe lock")
            .get_mut(&destination.url)
        {
            *count -= 1;
        }
        result
    }
}

impl AdapterRegistry for Probe {
    fn adapter(&self, _kind: NotificationAdapter) -> Arc<dyn Adapter> {
        Arc::new(self.clone())
    }
}

fn options(holder: &str) -> DispatchOptions {
    DispatchOptions {
        holder_id: holder.to_owned(),
        backoff_base: Duration::from_millis(10),
        backoff_cap: Duration::from_millis(40),
        poll_interval: Duration::from_millis(50),
        concurrency: 2,
        shutdown_grace: Duration::from_secs(5),
        ..DispatchOptions::default()
    }
}

async fn test_db() -> TestDb {
    TestDb::new(Template::Demo).await.expect("a test database")
}

async fn max_sequence(db: &Db) -> i64 {
    event::Entity::find()
        .select_only()
        .column(event::Column::Sequence)
        .order_by_desc(event::Column::Sequence)
        .into_tuple::<i64>()
        .one(db.reader())
        .await
        .expect("a query")
        .unwrap_or(0)
}

/// A new active target that starts at the current end of the outbox, as the API creates them.
async fn add_target(
    db: &Db,
    adapter: NotificationAdapter,
    url: &str,
    types: &[&str],
    region_code: &str,
) -> i64 {
    let now = Utc::now();
    let row = notification_target::ActiveModel {
        name: Set(url.to_owned()),
        adapter: Set(adapter),
        url: Set(url.to_owned()),
        secret: Set(Some("s3cr3t".to_owned())),
        event_types: Set(serde_json::to_string(types).expect("json")),
        region_id: Set(region_id(db, region_code).await.expect("the region exists")),
        status: Set(NotificationTargetStatus::Active),
        created_by: Set("test".to_owned()),
        last_sequence: Set(max_sequence(db).await),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let transaction = db.begin_write().await.expect("a transaction");
    let row = row.insert(&transaction).await.expect("target inserted");
    db.commit(transaction).await.expect("committed");
    row.id
}

/// Appends events in one transaction (`(type, region codes)` each) and returns their sequences.
async fn append(db: &Db, events: &[(EventType, &[&str])]) -> Vec<i64> {
    let mut regions = Vec::new();
    for (_, codes) in events {
        let mut ids = Vec::new();
        for code in *codes {
            ids.push(region_id(db, code).await.expect("the region exists"));
        }
        regions.push(ids);
    }
    let transaction = db.begin_write().await.expect("a transaction");
    let mut sequences = Vec::new();
    for ((event_type, _), region_ids) in events.iter().zip(regions) {
        let sequence = outbox::append(
            &transaction,
            NewEvent {
                event_type: *event_type,
                entity_type: "Consultation",
                entity_id: 7,
                region_ids,
                snapshot: serde_json::json!({ "title": "乡村公交" }),
                actor: "test".to_owned(),
            },
        )
        .await
        .expect("event appended");
        sequences.push(sequence);
    }
    db.commit(transaction).await.expect("committed");
    sequences
}

const CREATED: EventType = EventType::ConsultationCreated;

async fn deliveries(db: &Db, target_id: i64) -> Vec<delivery::Model> {
    delivery::Entity::find()
        .filter(delivery::Column::TargetId.eq(target_id))
        .order_by_asc(delivery::Column::EventSequence)
        .all(db.reader())
        .await
        .expect("a query")
}

async fn target(db: &Db, id: i64) -> notification_target::Model {
    notification_target::Entity::find_by_id(id)
        .one(db.reader())
        .await
        .expect("a query")
        .expect("the target exists")
}

/// Waits until `check` holds; panics after 30 s (a hung dispatcher, not a slow one).
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..1500 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Waits until the target's deliveries are all final and it has examined the whole outbox.
async fn settled(db: &Db, id: i64) {
    eventually("the target to settle", || async {
        let max = max_sequence(db).await;
        target(db, id).await.last_sequence == max
            && deliveries(db, id)
                .await
                .iter()
                .all(|row| matches!(row.status, DeliveryStatus::Succeeded | DeliveryStatus::Dead))
    })
    .await;
}

fn start(
    db: &Db,
    probe: &Probe,
    options: DispatchOptions,
) -> (DispatcherHandle, watch::Sender<i64>) {
    let (wake, woken) = watch::channel(0);
    let handle = Dispatcher::start(db.clone(), Arc::new(probe.clone()), woken, options);
    (handle, wake)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivers_each_matching_event_once_in_order() {
    let test = test_db().await;
    let db = &test.db;
    // History before the targets existed is not replayed.
    append(db, &[(CREATED, &["330106"])]).await;
    let all = "memory://all";
    let created_in_hangzhou = "memory://hangzhou";
    let ningbo = "memory://ningbo";
    let paused = "memory://paused";
    let all_id = add_target(db, NotificationAdapter::Webhook, all, &[], "330000").await;
    let hangzhou_id = add_target(
        db,
        NotificationAdapter::Webhook,
        created_in_hangzhou,
        &["CONSULTATION_CREATED"],
        "330100",
    )
    .await;
    let ningbo_id = add_target(db, NotificationAdapter::Webhook, ningbo, &[], "330200").await;
    let paused_id = add_target(db, NotificationAdapter::Webhook, paused, &[], "330000").await;
    notification_target::ActiveModel {
        id: Set(paused_id),
        status: Set(NotificationTargetStatus::Paused),
        ..Default::default()
    }
    .update(db.writer())
    .await
    .expect("paused");
    let probe = Probe::default();
    let (handle, wake) = start(db, &probe, options("replica-a"));

    let first = append(
        db,
        &[
            (CREATED, &["330106"]),
            (EventType::ConsultationStatusChanged, &["330106"]),
            (CREATED, &["330203"]),
            (EventType::NotificationTest, &["330000"]),
        ],
    )
    .await;
    wake.send_replace(first[3]);
    let second = append(db, &[(CREATED, &["330100", "330000"])]).await;
    let third = append(db, &[(CREATED, &["330106"])]).await;
    wake.send_replace(third[0]);
    let (s1, s2, s3, s5, s6) = (first[0], first[1], first[2], second[0], third[0]);

    for id in [all_id, hangzhou_id, ningbo_id] {
        settled(db, id).await;
    }
    assert_eq!(probe.sequences(all), [s1, s2, s3, s5, s6]);
    assert_eq!(probe.sequences(created_in_hangzhou), [s1, s5, s6]);
    assert_eq!(probe.sequences(ningbo), [s3]);
    assert!(probe.messages(paused).is_empty());
    assert_eq!(target(db, paused_id).await.last_sequence, s1 - 1);

    // Rows and messages agree: one delivery id per row, attempts counted, codes kept.
    let rows = deliveries(db, all_id).await;
    let messages = probe.messages(all);
    assert_eq!(rows.len(), messages.len());
    for (row, message) in rows.iter().zip(&messages) {
        assert_eq!(row.status, DeliveryStatus::Succeeded);
        assert_eq!(row.attempts, 1);
        assert_eq!(row.response_code, Some(200));
        assert!(row.delivered_at.is_some() && !row.redelivery);
        assert_eq!(message.delivery_id, global_id("Delivery", row.id));
        assert!(!message.redelivery && !message.test);
        let payload = &message.events[0];
        assert_eq!(payload.sequence, row.event_sequence);
        assert_eq!(
            payload.cursor,
            domain::events::cursor_of(row.event_sequence)
        );
        assert_eq!(payload.entity_id, global_id("Consultation", 7));
        assert_eq!(payload.snapshot["title"], "乡村公交");
    }
    assert_eq!(messages[3].events[0].region_codes, ["330000", "330100"]);

    handle.shutdown().await;
    let leased = notification_target::Entity::find()
        .filter(notification_target::Column::LeaseHolder.is_not_null())
        .all(db.reader())
        .await
        .expect("a query");
    assert!(leased.is_empty(), "shutdown leaves no lease behind");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_event_holds_later_ones_until_it_gets_through() {
    let test = test_db().await;
    let db = &test.db;
    let url = "memory://flaky";
    let id = add_target(db, NotificationAdapter::Webhook, url, &[], "330000").await;
    let probe = Probe::default();
    let mut opts = options("replica-a");
    opts.max_attempts = 1000;
    let (handle, _wake) = start(db, &probe, opts);

    let first = max_sequence(db).await + 1;
    probe.fail_sequence(first, true);
    assert_eq!(append(db, &[(CREATED, &["330106"])]).await, [first]);
    let later = append(db, &[(CREATED, &["330106"]), (CREATED, &["330203"])]).await;
    eventually("a few failed attempts", || async {
        deliveries(db, id)
            .await
            .first()
            .is_some_and(|row| row.status == DeliveryStatus::Retrying && row.attempts >= 3)
    })
    .await;
    assert!(probe.sequences(url).is_empty(), "later events wait");
    let rows = deliveries(db, id).await;
    assert!(rows[0].next_attempt_at.is_some());
    assert!(
        rows[1..]
            .iter()
            .all(|row| row.status == DeliveryStatus::Pending && row.attempts == 0),
        "nothing behind the retry is attempted"
    );
    let error = rows[0].last_error.clone().expect("the error is kept");
    assert!(
        !error.contains("memory://") && !error.contains("s3cr3t"),
        "{error}"
    );

    probe.fail_sequence(first, false);
    settled(db, id).await;
    assert_eq!(probe.sequences(url), [first, later[0], later[1]]);
    let rows = deliveries(db, id).await;
    assert!(rows[0].attempts >= 4);
    assert!(
        rows.iter()
            .all(|row| row.status == DeliveryStatus::Succeeded)
    );
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_letter_lets_the_stream_go_on_and_a_redelivery_arrives_late() {
    let test = test_db().await;
    let db = &test.db;
    let url = "memory://dead";
    let id = add_target(db, NotificationAdapter::Webhook, url, &[], "330000").await;
    let probe = Probe::default();
    let mut opts = options("replica-a");
    opts.max_attempts = 3;
    let (handle, _wake) = start(db, &probe, opts);

    let doomed = max_sequence(db).await + 1;
    probe.fail_sequence(doomed, true);
    assert_eq!(append(db, &[(CREATED, &["330106"])]).await, [doomed]);
    let later = append(db, &[(CREATED, &["330106"]), (CREATED, &["330106"])]).await;
    settled(db, id).await;
    assert_eq!(probe.sequences(url), later);
    let dead = deliveries(db, id).await.remove(0);
    assert_eq!(dead.event_sequence, doomed);
    assert_eq!((dead.status, dead.attempts), (DeliveryStatus::Dead, 3));
    assert_eq!(dead.response_code, Some(503));
    assert!(dead.next_attempt_at.is_none() && dead.delivered_at.is_none());

    // Staff redeliver it (what `redeliverDelivery` writes) while it still fails: it retries
    // beside the stream, which keeps flowing. (A new dispatcher that does not give up soon.)
    handle.shutdown().await;
    let mut opts = options("replica-b");
    opts.max_attempts = 1000;
    let (handle, _wake) = start(db, &probe, opts);
    let mut redelivery: delivery::ActiveModel = dead.clone().into();
    redelivery.status = Set(DeliveryStatus::Pending);
    redelivery.attempts = Set(0);
    redelivery.redelivery = Set(true);
    redelivery.next_attempt_at = Set(Some(Utc::now()));
    redelivery
        .update(db.writer())
        .await
        .expect("redelivery requested");
    eventually("the redelivery to fail once", || async {
        deliveries(db, id).await[0].attempts >= 1
    })
    .await;
    let newest = append(db, &[(CREATED, &["330106"])]).await[0];
    eventually("the newest event", || async {
        probe.sequences(url).contains(&newest)
    })
    .await;
    probe.fail_sequence(doomed, false);
    settled(db, id).await;
    assert_eq!(probe.sequences(url), [later[0], later[1], newest, doomed]);
    let messages = probe.messages(url);
    let last = messages.last().expect("the redelivery");
    assert!(last.redelivery);
    assert_eq!(last.delivery_id, global_id("Delivery", dead.id));
    assert!(messages[..3].iter().all(|message| !message.redelivery));
    let row = deliveries(db, id).await.remove(0);
    assert_eq!(row.status, DeliveryStatus::Succeeded);
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_robot_gets_bursts_folded_into_digests_within_its_rate() {
    let test = test_db().await;
    let db = &test.db;
    let url = "memory://robot";
    let id = add_target(db, NotificationAdapter::Dingtalk, url, &[], "330000").await;
    let webhook = "memory://hook";
    let hook_id = add_target(db, NotificationAdapter::Webhook, webhook, &[], "330000").await;
    let burst = append(db, &[(CREATED, &["330106"][..]); 6]).await;
    let probe = Probe::default();
    let mut opts = options("replica-a");
    // One message per window, and a window long enough for the appends below.
    opts.robot_messages_per_minute = 1;
    opts.robot_window = Duration::from_secs(3);
    let (handle, wake) = start(db, &probe, opts);

    eventually("the burst", || async { probe.sequences(url).len() == 6 }).await;
    settled(db, id).await;
    let messages = probe.messages(url);
    assert_eq!(messages.len(), 1, "six events, one digest");
    assert_eq!(probe.sequences(url), burst);
    let rows = deliveries(db, id).await;
    assert_eq!(messages[0].delivery_id, global_id("Delivery", rows[0].id));
    assert!(
        rows.iter()
            .all(|row| row.status == DeliveryStatus::Succeeded)
    );

    // Events committed one by one while the window is full wait and then go as one digest.
    let mut trickle = Vec::new();
    for _ in 0..3 {
        trickle.push(append(db, &[(CREATED, &["330106"])]).await[0]);
        wake.send_replace(*trickle.last().expect("appended"));
    }
    settled(db, id).await;
    let messages = probe.messages(url);
    assert_eq!(messages.len(), 2, "three more events, one more digest");
    assert_eq!(
        messages[1]
            .events
            .iter()
            .map(|event| event.sequence)
            .collect::<Vec<_>>(),
        trickle
    );
    // Webhooks are never folded or throttled.
    settled(db, hook_id).await;
    assert_eq!(probe.messages(webhook).len(), 9);
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_dispatchers_never_overlap_or_reorder_a_target() {
    let test = test_db().await;
    let db = &test.db;
    let second_db = match db.engine() {
        // A second replica with a pool of its own.
        Engine::Postgres => Db::connect(&test.url, DbOptions::default())
            .await
            .expect("second connection"),
        // SQLite serves one process; two dispatchers share its handle.
        Engine::Sqlite => db.clone(),
    };
    let urls = ["memory://t1", "memory://t2", "memory://t3"];
    let mut ids = Vec::new();
    for url in urls {
        ids.push(add_target(db, NotificationAdapter::Webhook, url, &[], "330000").await);
    }
    let probe = Probe::with_delay(Duration::from_millis(3));
    let (a, wake_a) = start(db, &probe, options("replica-a"));
    let (b, wake_b) = start(&second_db, &probe, options("replica-b"));
    let mut expected = Vec::new();
    for round in 0..15 {
        let codes: &[&str] = if round % 2 == 0 {
            &["330106"]
        } else {
            &["330203"]
        };
        let sequences = append(db, &[(CREATED, codes), (CREATED, codes)]).await;
        wake_a.send_replace(sequences[1]);
        wake_b.send_replace(sequences[1]);
        expected.extend(sequences);
    }
    for id in &ids {
        settled(db, *id).await;
    }
    for url in urls {
        assert_eq!(
            probe.sequences(url),
            expected,
            "{url}: each event once, in order"
        );
    }
    assert_eq!(probe.overlaps.load(Ordering::SeqCst), 0);
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_round_longer_than_the_lease_keeps_it_by_renewing() {
    let test = test_db().await;
    let db = &test.db;
    let url = "memory://long";
    let id = add_target(db, NotificationAdapter::Webhook, url, &[], "330000").await;
    let sequences = append(db, &[(CREATED, &["330106"][..]); 20]).await;
    // Twenty sends of 100 ms in one round outlast a 1 s lease; a second dispatcher keeps
    // trying to claim the target, and would send alongside if the lease were not renewed.
    let probe = Probe::with_delay(Duration::from_millis(100));
    let short = |holder: &str| DispatchOptions {
        lease: Duration::from_secs(1),
        send_timeout: Duration::from_millis(300),
        ..options(holder)
    };
    let (a, _wake_a) = start(db, &probe, short("replica-a"));
    let (b, _wake_b) = start(db, &probe, short("replica-b"));
    settled(db, id).await;
    assert_eq!(probe.sequences(url), sequences, "each once, in order");
    assert_eq!(probe.overlaps.load(Ordering::SeqCst), 0);
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_lease_is_taken_over_and_a_live_one_respected() {
    let test = test_db().await;
    let db = &test.db;
    let orphan = "memory://orphan";
    let busy = "memory://busy";
    let orphan_id = add_target(db, NotificationAdapter::Webhook, orphan, &[], "330000").await;
    let busy_id = add_target(db, NotificationAdapter::Webhook, busy, &[], "330000").await;
    let control = "memory://control";
    let control_id = add_target(db, NotificationAdapter::Webhook, control, &[], "330000").await;
    let events = append(db, &[(CREATED, &["330106"]), (CREATED, &["330106"])]).await;
    // A replica died while sending the first event to `orphan`: it had created the delivery
    // and advanced the target, and its lease ran out a second ago.
    let now = Utc::now();
    let in_flight = delivery::ActiveModel {
        target_id: Set(orphan_id),
        event_sequence: Set(events[0]),
        status: Set(DeliveryStatus::Pending),
        attempts: Set(0),
        redelivery: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db.writer())
    .await
    .expect("delivery inserted");
    for (id, holder, until, last) in [
        (
            orphan_id,
            "dead-replica",
            now - chrono::Duration::seconds(1),
            events[0],
        ),
        (
            busy_id,
            "busy-replica",
            now + chrono::Duration::hours(1),
            events[0] - 1,
        ),
    ] {
        notification_target::ActiveModel {
            id: Set(id),
            lease_holder: Set(Some(holder.to_owned())),
            lease_until: Set(Some(until)),
            last_sequence: Set(last),
            ..Default::default()
        }
        .update(db.writer())
        .await
        .expect("lease set");
    }
    let probe = Probe::default();
    let (handle, _wake) = start(db, &probe, options("replica-a"));

    settled(db, orphan_id).await;
    settled(db, control_id).await;
    assert_eq!(probe.sequences(orphan), events);
    assert_eq!(
        probe.messages(orphan)[0].delivery_id,
        global_id("Delivery", in_flight.id),
        "the resend keeps the delivery id"
    );
    assert_eq!(deliveries(db, orphan_id).await.len(), 2);
    assert!(probe.messages(busy).is_empty(), "a live lease is respected");
    assert_eq!(
        target(db, busy_id).await.lease_holder.as_deref(),
        Some("busy-replica")
    );

    notification_target::ActiveModel {
        id: Set(busy_id),
        lease_until: Set(Some(Utc::now() - chrono::Duration::seconds(1))),
        ..Default::default()
    }
    .update(db.writer())
    .await
    .expect("lease expired");
    settled(db, busy_id).await;
    assert_eq!(probe.sequences(busy), events);
    handle.shutdown().await;
    assert_eq!(target(db, busy_id).await.lease_holder, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_the_send_in_flight_and_releases_the_lease() {
    let test = test_db().await;
    let db = &test.db;
    let url = "memory://slow";
    let id = add_target(db, NotificationAdapter::Webhook, url, &[], "330000").await;
    let probe = Probe::with_delay(Duration::from_millis(100));
    let (handle, _wake) = start(db, &probe, options("replica-a"));
    let sequences = append(db, &[(CREATED, &["330106"][..]); 10]).await;
    eventually("a send in flight", || async {
        probe
            .in_flight
            .lock()
            .expect("probe lock")
            .get(url)
            .copied()
            == Some(1)
    })
    .await;
    handle.shutdown().await;
    let delivered = probe.sequences(url);
    assert!(!delivered.is_empty() && delivered.len() < sequences.len());
    assert_eq!(delivered, sequences[..delivered.len()]);
    let row = target(db, id).await;
    assert_eq!((row.lease_holder, row.lease_until), (None, None));
    let succeeded = deliveries(db, id)
        .await
        .iter()
        .filter(|row| row.status == DeliveryStatus::Succeeded)
        .count();
    assert_eq!(
        succeeded,
        delivered.len(),
        "the send in flight was recorded"
    );

    // Another replica picks up where this one stopped.
    let (next, _wake) = start(db, &probe, options("replica-b"));
    settled(db, id).await;
    assert_eq!(probe.sequences(url), sequences);
    next.shutdown().await;
}

/// Appends one event of `entity_type` in state `status` touching 鄞州区 (330212).
async fn append_state(
    db: &Db,
    event_type: EventType,
    entity_type: &'static str,
    status: &str,
) -> i64 {
    let region_ids = vec![region_id(db, "330212").await.expect("the region exists")];
    let transaction = db.begin_write().await.expect("a transaction");
    let sequence = outbox::append(
        &transaction,
        NewEvent {
            event_type,
            entity_type,
            entity_id: 7,
            region_ids,
            snapshot: serde_json::json!({ "id": 7, "status": status, "title": "草稿标题" }),
            actor: "COUNTY_STAFF:alice".to_owned(),
        },
    )
    .await
    .expect("event appended");
    db.commit(transaction).await.expect("committed");
    sequence
}

/// Issue 10, item 1a: a target is judged as an INTEGRATOR of its own region, whoever created
/// it. Drafts and public topics in moderation never reach a webhook or a group robot, not even
/// one that province staff created; their public states do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn targets_never_receive_drafts_or_topics_in_moderation() {
    let test = test_db().await;
    let db = &test.db;
    let robot = "memory://dingtalk-by-staff";
    let webhook = "memory://webhook-yinzhou";
    let robot_id = add_target(db, NotificationAdapter::Dingtalk, robot, &[], "330000").await;
    notification_target::ActiveModel {
        id: Set(robot_id),
        created_by: Set("PROVINCE_STAFF:zhang".to_owned()),
        ..Default::default()
    }
    .update(db.writer())
    .await
    .expect("created by staff");
    let webhook_id = add_target(db, NotificationAdapter::Webhook, webhook, &[], "330212").await;
    let probe = Probe::default();
    let (handle, wake) = start(db, &probe, options("replica-a"));

    let draft = append_state(
        db,
        EventType::SentimentReportDrafted,
        "SentimentReport",
        "DRAFT",
    )
    .await;
    let sent = append_state(
        db,
        EventType::SentimentReportSubmitted,
        "SentimentReport",
        "SUBMITTED",
    )
    .await;
    let queued = append_state(db, CREATED, "Consultation", "SUBMITTED").await;
    let rejected = append_state(
        db,
        EventType::ConsultationStatusChanged,
        "Consultation",
        "REJECTED",
    )
    .await;
    let accepted = append_state(
        db,
        EventType::ConsultationStatusChanged,
        "Consultation",
        "PROPOSED",
    )
    .await;
    wake.send_replace(accepted);
    settled(db, robot_id).await;
    settled(db, webhook_id).await;
    for url in [robot, webhook] {
        let delivered = probe.sequences(url);
        assert_eq!(delivered, vec![sent, accepted], "{url}");
        for hidden in [draft, queued, rejected] {
            assert!(!delivered.contains(&hidden), "{url} got {hidden}");
        }
    }
    handle.shutdown().await;
}

/// Healthy targets with `events` events each, and the tarpit first (so it is claimed first).
async fn tarpit_and_healthy(db: &Db, healthy: usize) -> (i64, Vec<(String, i64)>) {
    let tarpit = add_target(db, NotificationAdapter::Webhook, TARPIT, &[], "330000").await;
    let mut targets = Vec::new();
    for index in 0..healthy {
        let url = format!("memory://healthy-{index}");
        let id = add_target(db, NotificationAdapter::Webhook, &url, &[], "330000").await;
        targets.push((url, id));
    }
    (tarpit, targets)
}

const TARPIT: &str = "memory://tarpit";

/// One tarpit (a receiver that holds every connection until the send timeout) and N healthy
/// targets: every healthy target gets all its deliveries while the tarpit's send still hangs.
/// Prints the figures quoted in the README (run with `--nocapture`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tarpit_target_does_not_starve_the_others() {
    const HEALTHY: usize = 20;
    const EVENTS: usize = 5;
    let test = test_db().await;
    let db = &test.db;
    let (tarpit, healthy) = tarpit_and_healthy(db, HEALTHY).await;
    let probe = Probe::default();
    probe.tarpit(TARPIT);
    let options = DispatchOptions {
        // Longer than the test: the tarpit's first send is still hanging at the end.
        send_timeout: Duration::from_secs(600),
        lease: Duration::from_secs(1800),
        concurrency: 4,
        ..options("replica-a")
    };
    let (handle, wake) = start(db, &probe, options);
    let started = std::time::Instant::now();
    let sequences = append(db, &[(CREATED, &["330106"][..]); EVENTS]).await;
    wake.send_replace(*sequences.last().expect("appended"));
    for (_, id) in &healthy {
        settled(db, *id).await;
    }
    let elapsed = started.elapsed();
    for (url, _) in &healthy {
        assert_eq!(probe.sequences(url), sequences, "{url}");
    }
    assert_eq!(
        probe.tarpit_sends(TARPIT),
        1,
        "the tarpit still holds its first send"
    );
    assert!(
        deliveries(db, tarpit)
            .await
            .iter()
            .all(|row| row.status == DeliveryStatus::Pending),
        "nothing reached the tarpit"
    );
    eprintln!(
        "tarpit figures: {} healthy deliveries to {HEALTHY} targets in {} ms while one tarpit \
         held its send (concurrency 4)",
        HEALTHY * EVENTS,
        elapsed.as_millis()
    );
    drop(handle);
}

/// With a single worker, a tarpit with many due redeliveries gets one send per turn: the round
/// ends at its first failure, so the healthy targets are served between its timeouts instead
/// of after all of them (before, one round sent every due redelivery, each held until the
/// timeout, while every other target waited).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tarpit_gets_one_send_per_turn_even_with_one_worker() {
    const HEALTHY: usize = 5;
    const REDELIVERIES: usize = 10;
    let test = test_db().await;
    let db = &test.db;
    let (tarpit, healthy) = tarpit_and_healthy(db, HEALTHY).await;
    // Dead letters staff asked to send again, all due.
    let old = append(db, &[(CREATED, &["330106"][..]); REDELIVERIES]).await;
    let now = Utc::now();
    for sequence in &old {
        delivery::ActiveModel {
            target_id: Set(tarpit),
            event_sequence: Set(*sequence),
            status: Set(DeliveryStatus::Pending),
            attempts: Set(0),
            redelivery: Set(true),
            next_attempt_at: Set(Some(now)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db.writer())
        .await
        .expect("redelivery inserted");
    }
    let probe = Probe::default();
    probe.tarpit(TARPIT);
    let options = DispatchOptions {
        send_timeout: Duration::from_millis(200),
        concurrency: 1,
        backoff_base: Duration::from_secs(600),
        backoff_cap: Duration::from_secs(600),
        ..options("replica-a")
    };
    let (handle, _wake) = start(db, &probe, options);
    let first = &healthy[0].0;
    eventually("the first healthy delivery", || async {
        !probe.messages(first).is_empty()
    })
    .await;
    let before_first = probe.tarpit_sends(TARPIT);
    for (_, id) in &healthy {
        settled(db, *id).await;
    }
    let before_all = probe.tarpit_sends(TARPIT);
    eprintln!(
        "tarpit figures (one worker): {before_first} tarpit send(s) before the first healthy \
         delivery, {before_all} before all {HEALTHY} healthy targets were served"
    );
    assert!(before_first <= 1, "{before_first} tarpit sends came first");
    assert!(before_all <= HEALTHY + 1, "{before_all} tarpit sends");
    handle.shutdown().await;
}

/// Ten webhook targets and a backlog of events: every target receives every event exactly once
/// and in order, while the targets are sent side by side (several at once), never one target
/// twice at once. The in-order stream is sent in windows of many deliveries recorded together;
/// every row ends delivered after one attempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_targets_are_sent_side_by_side_each_in_order() {
    const TARGETS: usize = 10;
    let test = test_db().await;
    let db = &test.db;
    let mut targets = Vec::new();
    for index in 0..TARGETS {
        let url = format!("memory://parallel-{index}");
        let id = add_target(db, NotificationAdapter::Webhook, &url, &[], "330000").await;
        targets.push((url, id));
    }
    // A backlog first (several transactions), then the dispatcher.
    let mut sequences = Vec::new();
    for _ in 0..6 {
        sequences.extend(append(db, &[(CREATED, &["330106"][..]); 20]).await);
    }
    let probe = Probe::with_delay(Duration::from_millis(2));
    // The most targets seen with a send in flight at the same moment.
    let most = Arc::new(AtomicUsize::new(0));
    let watcher = {
        let (probe, most) = (probe.clone(), Arc::clone(&most));
        tokio::spawn(async move {
            loop {
                let busy = probe
                    .in_flight
                    .lock()
                    .expect("probe lock")
                    .values()
                    .filter(|count| **count > 0)
                    .count();
                most.fetch_max(busy, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
    };
    let options = DispatchOptions {
        concurrency: TARGETS,
        ..options("replica-a")
    };
    let (handle, wake) = start(db, &probe, options);
    // And more while it works.
    sequences.extend(append(db, &[(CREATED, &["330106"][..]); 30]).await);
    wake.send_replace(*sequences.last().expect("appended"));
    for (_, id) in &targets {
        settled(db, *id).await;
    }
    watcher.abort();
    for (url, id) in &targets {
        assert_eq!(
            probe.sequences(url),
            sequences,
            "{url}: every event once, in order"
        );
        let rows = deliveries(db, *id).await;
        assert_eq!(rows.len(), sequences.len(), "{url}");
        assert!(
            rows.iter()
                .all(|row| row.status == DeliveryStatus::Succeeded
                    && row.attempts == 1
                    && row.delivered_at.is_some()
                    && row.response_code == Some(200)),
            "{url}: every delivery recorded once as delivered"
        );
    }
    assert_eq!(
        probe.overlaps.load(Ordering::SeqCst),
        0,
        "one send per target at a time"
    );
    assert!(
        most.load(Ordering::SeqCst) >= 2,
        "targets are sent side by side, not one after another"
    );
    handle.shutdown().await;
}

/// A failure in the middle of a window of deliveries: those before it are recorded delivered
/// (and never sent again), it and everything after it wait, and once it gets through the rest
/// follows in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_inside_a_window_keeps_what_went_before_and_holds_what_follows() {
    let test = test_db().await;
    let db = &test.db;
    let url = "memory://window";
    let id = add_target(db, NotificationAdapter::Webhook, url, &[], "330000").await;
    let sequences = append(db, &[(CREATED, &["330106"][..]); 30]).await;
    let failing = sequences[12];
    let probe = Probe::default();
    probe.fail_sequence(failing, true);
    let mut opts = options("replica-a");
    opts.max_attempts = 1000;
    let (handle, _wake) = start(db, &probe, opts);
    eventually("a few failed attempts", || async {
        deliveries(db, id)
            .await
            .iter()
            .any(|row| row.event_sequence == failing && row.attempts >= 3)
    })
    .await;
    assert_eq!(
        probe.sequences(url),
        sequences[..12],
        "what went before, once each"
    );
    let rows = deliveries(db, id).await;
    assert!(
        rows[..12]
            .iter()
            .all(|row| row.status == DeliveryStatus::Succeeded && row.attempts == 1)
    );
    assert_eq!(rows[12].status, DeliveryStatus::Retrying);
    assert!(
        rows[13..]
            .iter()
            .all(|row| row.status == DeliveryStatus::Pending && row.attempts == 0),
        "nothing behind the retry is attempted"
    );
    probe.fail_sequence(failing, false);
    settled(db, id).await;
    assert_eq!(probe.sequences(url), sequences);
    handle.shutdown().await;
}
