//! The real binary delivers every event to every matching webhook at least once, in order per
//! target, with duplicates only under the same `X-Xieshang-Delivery` id — across a SIGKILL in
//! the middle of deliveries (both engines) and across two replicas sharing one PostgreSQL
//! database, where an event committed through one replica also reaches a subscriber of the
//! other.

mod common;

use std::{
    collections::{BTreeMap, BTreeSet},
    net::{SocketAddr, TcpListener},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{Router, body::Bytes, extract::State, http::HeaderMap, routing::post};
use common::{TEST_SECRET, token_for};
use domain::{Engine, Role, events::cursor_of};
use futures_util::{SinkExt, StreamExt};
use hmac::{KeyInit, Mac};
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{Value, json};
use testing::{Template, TestDb};
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest, http::HeaderValue};

/// How long the test waits for anything before failing.
const PATIENCE: Duration = Duration::from_secs(90);
const WEBHOOK_SECRET: &str = "webhook-secret-0123456789";

/// One request the receiver accepted: its delivery id, event sequence and whether it was a
/// redelivery.
#[derive(Clone, Debug)]
struct Receipt {
    delivery_id: String,
    sequence: i64,
    /// The W3C `traceparent` header, empty when none was sent.
    traceparent: String,
}

/// A local webhook receiver that checks every signature with its own HMAC code, answers slowly
/// (so that deliveries are in flight when the sender dies) and records what it accepted.
#[derive(Clone, Default)]
struct Receiver {
    receipts: Arc<Mutex<Vec<Receipt>>>,
    bad_signatures: Arc<Mutex<usize>>,
}

impl Receiver {
    async fn start(self) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a receiver port");
        let address = listener.local_addr().expect("an address");
        let app = Router::new().route("/hook", post(receive)).with_state(self);
        tokio::spawn(async move { axum::serve(listener, app).await });
        address
    }

    fn receipts(&self) -> Vec<Receipt> {
        self.receipts.lock().expect("receipts").clone()
    }

    fn distinct_sequences(&self) -> BTreeSet<i64> {
        self.receipts()
            .iter()
            .map(|receipt| receipt.sequence)
            .collect()
    }
}

async fn receive(
    State(receiver): State<Receiver>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::http::StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let timestamp = header("x-xieshang-timestamp");
    let mut mac =
        hmac::Hmac::<sha2::Sha256>::new_from_slice(WEBHOOK_SECRET.as_bytes()).expect("a key");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(&body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    if header("x-xieshang-signature") != format!("sha256={expected}") {
        *receiver.bad_signatures.lock().expect("counter") += 1;
        return axum::http::StatusCode::UNAUTHORIZED;
    }
    let payload: Value = serde_json::from_slice(&body).expect("a JSON body");
    assert_eq!(payload["deliveryId"], header("x-xieshang-delivery"));
    // Slow enough that a kill lands while a send is in flight.
    tokio::time::sleep(Duration::from_millis(150)).await;
    receiver.receipts.lock().expect("receipts").push(Receipt {
        delivery_id: header("x-xieshang-delivery"),
        sequence: payload["event"]["sequence"].as_i64().expect("a sequence"),
        traceparent: header("traceparent"),
    });
    axum::http::StatusCode::NO_CONTENT
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

/// A running `xieshang serve` on `database_url`.
struct Replica {
    child: Child,
    port: u16,
}

impl Replica {
    /// Starts a replica whose target leases last `lease_secs`: short where a killed replica's
    /// targets must be taken over quickly, longer where a renewal delayed by a loaded machine
    /// must not let another replica resend.
    async fn start(database_url: &str, lease_secs: u32) -> Self {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_xieshang"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", database_url)
            .env(
                "XIESHANG_JWT_SECRET",
                std::str::from_utf8(TEST_SECRET).expect("a text secret"),
            )
            .env("XIESHANG_LISTEN", format!("127.0.0.1:{port}"))
            .env("XIESHANG_ALLOW_PRIVATE_TARGETS", "on")
            .env("XIESHANG_DISPATCH_LEASE_SECS", lease_secs.to_string())
            .env("XIESHANG_DELIVERY_BACKOFF_MS", "100")
            .env("XIESHANG_NOTIFY_TIMEOUT_SECS", "5")
            .env("XIESHANG_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("xieshang starts");
        let mut replica = Self { child, port };
        replica.wait_until_healthy().await;
        replica
    }

    async fn wait_until_healthy(&mut self) {
        let started = Instant::now();
        loop {
            if let Ok(response) =
                reqwest::get(format!("http://127.0.0.1:{}/healthz", self.port)).await
                && response.status().is_success()
            {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("xieshang exited early: {status}");
            }
            assert!(
                started.elapsed() < PATIENCE,
                "xieshang did not become healthy"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn graphql(&self, token: &str, query: &str, variables: Value) -> Value {
        self.graphql_with(Some(token), None, query, variables).await
    }

    /// A GraphQL request as `token` (anonymous without), with a `traceparent` header if given.
    async fn graphql_with(
        &self,
        token: Option<&str>,
        traceparent: Option<&str>,
        query: &str,
        variables: Value,
    ) -> Value {
        let mut request = reqwest::Client::new()
            .post(format!("http://127.0.0.1:{}/graphql", self.port))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(traceparent) = traceparent {
            request = request.header("traceparent", traceparent);
        }
        request
            .send()
            .await
            .expect("a response")
            .json()
            .await
            .expect("a JSON response")
    }

    fn signal(&mut self, signal: &str) {
        let sent = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        let started = Instant::now();
        while self.child.try_wait().expect("pollable").is_none() {
            assert!(started.elapsed() < PATIENCE, "no exit after {signal}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const CREATE_TARGET: &str = "mutation($input: CreateNotificationTargetInput!) {
  createNotificationTarget(input: $input) { notificationTarget { id } userErrors { message } } }";

const PROPOSE: &str = "mutation($input: ProposeConsultationInput!) {
  proposeConsultation(input: $input) { consultation { id } userErrors { message } } }";

async fn create_webhook(replica: &Replica, token: &str, receiver: SocketAddr) {
    let created = replica
        .graphql(
            token,
            CREATE_TARGET,
            json!({ "input": {
                "name": "provincial dashboard",
                "adapter": "WEBHOOK",
                "url": format!("http://{receiver}/hook"),
                "secret": WEBHOOK_SECRET,
                "regionCode": "330000",
            } }),
        )
        .await;
    assert!(
        created["data"]["createNotificationTarget"]["notificationTarget"]["id"].is_string(),
        "{created}"
    );
}

async fn propose(replica: &Replica, token: &str, title: &str) {
    let proposed = replica
        .graphql(
            token,
            PROPOSE,
            json!({ "input": {
                "regionCode": "330212",
                "title": title,
                "topic": "议题内容",
                "topicSource": "PARTY_GOVERNMENT",
                "kind": "MICRO",
            } }),
        )
        .await;
    assert!(
        proposed["data"]["proposeConsultation"]["consultation"]["id"].is_string(),
        "{proposed}"
    );
}

/// Every event sequence in the outbox, oldest first.
async fn outbox_sequences(test: &TestDb) -> Vec<i64> {
    entity::event::Entity::find()
        .order_by_asc(entity::event::Column::Sequence)
        .all(test.db.reader())
        .await
        .expect("events")
        .into_iter()
        .map(|event| event.sequence)
        .collect()
}

/// Waits until the receiver has every one of `expected`, then checks the guarantees: each
/// event arrived, first arrivals are in sequence order, and every duplicate carries the same
/// delivery id as the first arrival.
async fn assert_delivered_in_order(receiver: &Receiver, expected: &[i64]) {
    let started = Instant::now();
    let wanted: BTreeSet<i64> = expected.iter().copied().collect();
    while !wanted.is_subset(&receiver.distinct_sequences()) {
        assert!(
            started.elapsed() < PATIENCE,
            "missing deliveries: {:?}",
            wanted
                .difference(&receiver.distinct_sequences())
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(*receiver.bad_signatures.lock().expect("counter"), 0);
    let receipts = receiver.receipts();
    let mut ids: BTreeMap<i64, String> = BTreeMap::new();
    let mut first_arrivals = Vec::new();
    for receipt in &receipts {
        match ids.get(&receipt.sequence) {
            Some(id) => assert_eq!(
                id, &receipt.delivery_id,
                "a duplicate of event {} under another delivery id",
                receipt.sequence
            ),
            None => {
                ids.insert(receipt.sequence, receipt.delivery_id.clone());
                first_arrivals.push(receipt.sequence);
            }
        }
    }
    let mut sorted = first_arrivals.clone();
    sorted.sort_unstable();
    assert_eq!(first_arrivals, sorted, "events arrived out of order");
    assert_eq!(
        first_arrivals.iter().copied().collect::<BTreeSet<_>>(),
        wanted,
        "deliveries of events that should not have matched"
    );
}

#[tokio::test]
async fn a_sigkill_during_deliveries_loses_nothing_and_duplicates_keep_their_id() {
    let test = TestDb::new(Template::Demo).await.expect("a database");
    let receiver = Receiver::default();
    let hook = receiver.clone().start().await;
    let province = token_for(Role::ProvinceStaff, "330000", None);
    let county = token_for(Role::CountyStaff, "330212", None);

    let mut first = Replica::start(&test.url, 2).await;
    create_webhook(&first, &province, hook).await;
    let before = outbox_sequences(&test).await;
    for index in 0..20 {
        propose(&first, &county, &format!("议题 {index}")).await;
    }
    // Kill the first replica while it is in the middle of delivering the burst.
    let started = Instant::now();
    while receiver.distinct_sequences().len() < 3 {
        assert!(started.elapsed() < PATIENCE, "no delivery started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first.signal("-KILL");
    let delivered_before_kill = receiver.distinct_sequences().len();
    assert!(
        delivered_before_kill < 20,
        "the kill came after every delivery ({delivered_before_kill}); the test proves nothing"
    );

    let second = Replica::start(&test.url, 2).await;
    for index in 20..30 {
        propose(&second, &county, &format!("议题 {index}")).await;
    }
    let expected: Vec<i64> = outbox_sequences(&test)
        .await
        .into_iter()
        .filter(|sequence| !before.contains(sequence))
        .collect();
    assert_eq!(expected.len(), 30, "one event per proposal");
    assert_delivered_in_order(&receiver, &expected).await;
}

/// A graphql-transport-ws subscriber of `events` on `replica`, resuming after `after`.
async fn subscribe(
    replica: &Replica,
    token: &str,
    after: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let mut request = format!("ws://127.0.0.1:{}/graphql/ws", replica.port)
        .into_client_request()
        .expect("a request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("an upgrade");
    let send = |message: Value| tungstenite::Message::Text(message.to_string().into());
    socket
        .send(send(json!({ "type": "connection_init",
            "payload": { "authorization": format!("Bearer {token}") } })))
        .await
        .expect("sent");
    let ack = next_json(&mut socket).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    socket
        .send(send(json!({ "id": "1", "type": "subscribe", "payload": {
            "query": "subscription($after: String) { events(after: $after, filter: { types: [CONSULTATION_CREATED] }) { sequence } }",
            "variables": { "after": after },
        } })))
        .await
        .expect("sent");
    socket
}

async fn next_json(
    socket: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> Value {
    loop {
        let frame = tokio::time::timeout(PATIENCE, socket.next())
            .await
            .expect("a message in time")
            .expect("an open socket")
            .expect("a frame");
        if let tungstenite::Message::Text(text) = frame {
            return serde_json::from_str(&text).expect("JSON");
        }
    }
}

#[tokio::test]
async fn two_replicas_share_live_events_and_never_deliver_a_target_out_of_order() {
    let test = TestDb::new(Template::Demo).await.expect("a database");
    if test.db.engine() != Engine::Postgres {
        // Replicas need PostgreSQL; the embedded SQLite database serves one process (a test in
        // tests/binary.rs checks that a second one is refused).
        return;
    }
    let receiver = Receiver::default();
    let hook = receiver.clone().start().await;
    let province = token_for(Role::ProvinceStaff, "330000", None);
    let county = token_for(Role::CountyStaff, "330212", None);

    let a = Replica::start(&test.url, 15).await;
    let b = Replica::start(&test.url, 15).await;
    create_webhook(&a, &province, hook).await;
    let before = outbox_sequences(&test).await;
    let last = before.last().copied().unwrap_or(0);

    // A subscriber on B, resuming after the newest event: it must get what A commits.
    let mut socket = subscribe(&b, &province, &cursor_of(last)).await;
    for index in 0..10 {
        propose(&a, &county, &format!("议题 A{index}")).await;
        propose(&b, &county, &format!("议题 B{index}")).await;
    }
    let expected: Vec<i64> = outbox_sequences(&test)
        .await
        .into_iter()
        .filter(|sequence| *sequence > last)
        .collect();
    assert_eq!(expected.len(), 20);
    let mut seen = Vec::new();
    while seen.len() < expected.len() {
        let message = next_json(&mut socket).await;
        assert_eq!(message["type"], "next", "{message}");
        seen.push(
            message["payload"]["data"]["events"]["sequence"]
                .as_i64()
                .expect("a sequence"),
        );
    }
    assert_eq!(
        seen, expected,
        "the subscriber on B saw every event once, in order"
    );

    assert_delivered_in_order(&receiver, &expected).await;
    // Nobody sent the same event twice while both replicas were healthy.
    assert_eq!(receiver.receipts().len(), expected.len());
}

/// A caller's W3C `traceparent` is believed from an authenticated caller: stored with the
/// event and sent on its webhook delivery. An anonymous caller's (not behind a trusted proxy)
/// is ignored, and so is a malformed one. (No span exporter here: the stored context passes
/// through unchanged; `tests/binary.rs` checks the spans.)
#[tokio::test]
async fn webhooks_continue_the_trace_of_an_authenticated_request() {
    const TRACED: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    let test = TestDb::new(Template::Demo).await.expect("a database");
    let receiver = Receiver::default();
    let hook = receiver.clone().start().await;
    let province = token_for(Role::ProvinceStaff, "330000", None);
    let county = token_for(Role::CountyStaff, "330212", None);
    let replica = Replica::start(&test.url, 30).await;
    create_webhook(&replica, &province, hook).await;
    let before = outbox_sequences(&test).await;

    let variables = |title: &str| {
        json!({ "input": {
            "regionCode": "330212", "title": title, "topic": "议题内容",
            "topicSource": "PARTY_GOVERNMENT", "kind": "MICRO",
        } })
    };
    for (traceparent, title) in [
        (Some(TRACED), "traced"),
        (None, "untraced"),
        (
            Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331"),
            "malformed",
        ),
    ] {
        let proposed = replica
            .graphql_with(Some(&county), traceparent, PROPOSE, variables(title))
            .await;
        assert!(
            proposed["data"]["proposeConsultation"]["consultation"]["id"].is_string(),
            "{proposed}"
        );
    }
    let submitted = replica
        .graphql_with(
            None,
            Some(TRACED),
            "mutation($input: SubmitPublicTopicInput!) { submitPublicTopic(input: $input) { __typename } }",
            json!({ "input": { "regionCode": "330212", "title": "路灯", "topic": "村口路灯不亮",
                               "submitterName": "王五", "submitterContact": "13900000000" } }),
        )
        .await;
    assert!(submitted["errors"].is_null(), "{submitted}");

    let stored: Vec<(i64, Option<String>)> = entity::event::Entity::find()
        .order_by_asc(entity::event::Column::Sequence)
        .all(test.db.reader())
        .await
        .expect("the outbox reads")
        .into_iter()
        .filter(|event| !before.contains(&event.sequence))
        .map(|event| (event.sequence, event.traceparent))
        .collect();
    let traces: Vec<Option<&str>> = stored.iter().map(|(_, trace)| trace.as_deref()).collect();
    assert_eq!(traces, [Some(TRACED), None, None, None], "{stored:?}");

    let traced = stored[0].0;
    let untraced = stored[1].0;
    let started = Instant::now();
    let receipts = loop {
        let receipts = receiver.receipts();
        let sequences: BTreeSet<i64> = receipts.iter().map(|receipt| receipt.sequence).collect();
        if sequences.contains(&traced) && sequences.contains(&untraced) {
            break receipts;
        }
        assert!(started.elapsed() < PATIENCE, "no deliveries: {receipts:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    for receipt in receipts {
        if receipt.sequence == traced {
            assert_eq!(receipt.traceparent, TRACED);
        } else if receipt.sequence == untraced {
            assert_eq!(receipt.traceparent, "");
        }
    }
}
