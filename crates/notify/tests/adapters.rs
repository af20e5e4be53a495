//! The HTTP adapters against a local receiver that checks what DingTalk, WeCom and webhook
//! receivers check — signatures included, with its own HMAC code rather than the adapters'.

use std::{
    collections::VecDeque,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use entity::enums::NotificationAdapter;
use notify::{
    AdapterConfig, AdapterRegistry, Destination, EventPayload, HttpAdapters, Message, NotifyError,
    Receipt,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

// ---------------------------------------------------------------- the receiver's own HMAC

/// HMAC-SHA256 written out from RFC 2104, so a mistake in the adapters' use of the `hmac` crate
/// cannot cancel out here.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    const BLOCK: usize = 64;
    let mut block = [0_u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|k| k ^ byte).collect::<Vec<u8>>();
    let mut inner = Sha256::new();
    inner.update(pad(0x36));
    inner.update(message);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(pad(0x5c));
    outer.update(inner);
    outer.finalize().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[test]
fn the_receivers_hmac_matches_rfc_4231() {
    // RFC 4231, test case 2.
    assert_eq!(
        hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

// ---------------------------------------------------------------- the receiver

/// One request as the receiver saw it.
#[derive(Clone, Debug)]
struct Recorded {
    path: String,
    raw_query: String,
    headers: HeaderMap,
    body: Bytes,
}

impl Recorded {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_else(|| panic!("header {name} missing: {:?}", self.headers))
    }

    fn query(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.raw_query.as_bytes())
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }

    /// The still percent-encoded value of query parameter `name`.
    fn raw_query_value(&self, name: &str) -> Option<&str> {
        self.raw_query
            .split('&')
            .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

/// What the receiver answers.
#[derive(Clone, Debug)]
struct Reply {
    status: u16,
    body: String,
    delay: Duration,
    retry_after: Option<&'static str>,
}

impl Reply {
    fn status(status: u16) -> Self {
        Self {
            status,
            body: String::new(),
            delay: Duration::ZERO,
            retry_after: None,
        }
    }

    fn errcode(errcode: i64, errmsg: &str) -> Self {
        Self {
            body: json!({ "errcode": errcode, "errmsg": errmsg }).to_string(),
            ..Self::status(200)
        }
    }
}

#[derive(Clone, Default)]
struct Shared {
    requests: Arc<Mutex<Vec<Recorded>>>,
    /// Answers for the next requests; when empty, `{"errcode":0,"errmsg":"ok"}` with 200.
    replies: Arc<Mutex<VecDeque<Reply>>>,
}

struct Receiver {
    address: SocketAddr,
    shared: Shared,
}

impl Receiver {
    async fn start() -> Self {
        let shared = Shared::default();
        let app = Router::new().fallback(receive).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the receiver");
        let address = listener.local_addr().expect("receiver address");
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("receiver runs");
        });
        Self { address, shared }
    }

    fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    fn reply(&self, reply: Reply) {
        self.shared
            .replies
            .lock()
            .expect("replies lock")
            .push_back(reply);
    }

    fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().expect("requests lock").clone()
    }
}

async fn receive(
    State(shared): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    shared
        .requests
        .lock()
        .expect("requests lock")
        .push(Recorded {
            path: uri.path().to_owned(),
            raw_query: uri.query().unwrap_or_default().to_owned(),
            headers,
            body,
        });
    let reply = shared
        .replies
        .lock()
        .expect("replies lock")
        .pop_front()
        .unwrap_or_else(|| Reply::errcode(0, "ok"));
    tokio::time::sleep(reply.delay).await;
    let mut response = (
        StatusCode::from_u16(reply.status).expect("valid status"),
        [(header::CONTENT_TYPE, "application/json")],
        reply.body,
    )
        .into_response();
    if let Some(seconds) = reply.retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, seconds.parse().expect("header value"));
    }
    response
}

// ---------------------------------------------------------------- helpers

const WEBHOOK_SECRET: &str = "whsec-7f3a9c-SECRET";
const DINGTALK_TOKEN: &str = "dt-token-5b1e77";
const DINGTALK_SECRET: &str = "SECdingtalk0c4f2a";
const WECOM_KEY: &str = "wecom-key-93d1aa";

fn adapters(receiver: &Receiver, timeout: Duration) -> HttpAdapters {
    HttpAdapters::new(AdapterConfig {
        dingtalk_base_url: receiver.base_url(),
        wecom_base_url: format!("{}/", receiver.base_url()),
        public_url: "https://xieshang.example.cn".to_owned(),
        timeout,
        allow_private_targets: true,
        graphiql_links: true,
    })
    .expect("valid adapter config")
}

fn event(sequence: i64) -> EventPayload {
    EventPayload {
        cursor: domain::events::cursor_of(sequence),
        sequence,
        event_type: "CONSULTATION_STATUS_CHANGED".to_owned(),
        occurred_at: chrono::Utc::now(),
        region_codes: vec!["330000".to_owned(), "330100".to_owned()],
        entity_type: "Consultation".to_owned(),
        entity_id: domain::events::global_id("Consultation", 7),
        snapshot: json!({ "id": 7, "title": "老旧小区加装电梯", "status": "HELD", "kind": "MICRO" }),
    }
}

fn message(events: Vec<EventPayload>) -> Message {
    Message {
        delivery_id: domain::events::global_id("Delivery", 41),
        events,
        redelivery: false,
        test: false,
        traceparent: None,
    }
}

fn webhook_to(receiver: &Receiver, secret: Option<&str>) -> Destination {
    Destination {
        url: format!("{}/hooks/xieshang?tenant=hz", receiver.base_url()),
        secret: secret.map(str::to_owned),
    }
}

fn dingtalk_target(secret: Option<&str>) -> Destination {
    Destination {
        url: format!("https://oapi.dingtalk.com/robot/send?access_token={DINGTALK_TOKEN}"),
        secret: secret.map(str::to_owned),
    }
}

fn wecom_target() -> Destination {
    Destination {
        url: format!("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}"),
        secret: None,
    }
}

/// Within an hour of now: catches seconds sent as milliseconds and the other way round.
fn assert_recent(timestamp: i64, per_second: i64) {
    let now = chrono::Utc::now().timestamp() * per_second;
    assert!(
        (timestamp - now).abs() < 3600 * per_second,
        "timestamp {timestamp} vs now {now}"
    );
}

fn assert_no_credentials(error: &NotifyError, credentials: &[&str]) {
    for text in [error.to_string(), format!("{error:?}")] {
        for credential in credentials {
            assert!(!text.contains(credential), "{credential} leaked in {text}");
        }
    }
}

// ---------------------------------------------------------------- WEBHOOK

#[tokio::test]
async fn webhook_is_signed_and_carries_the_event() {
    let receiver = Receiver::start().await;
    receiver.reply(Reply::status(204));
    let adapter = adapters(&receiver, Duration::from_secs(5)).adapter(NotificationAdapter::Webhook);
    let sent = message(vec![event(12)]);

    let receipt = adapter
        .deliver(&webhook_to(&receiver, Some(WEBHOOK_SECRET)), &sent)
        .await;

    assert_eq!(receipt, Ok(Receipt { status: Some(204) }));
    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.path, "/hooks/xieshang");
    assert_eq!(request.query("tenant").as_deref(), Some("hz"));
    assert_eq!(request.header("content-type"), "application/json");
    assert_eq!(
        request.header("x-xieshang-event"),
        "CONSULTATION_STATUS_CHANGED"
    );
    assert_eq!(request.header("x-xieshang-delivery"), sent.delivery_id);
    let timestamp = request.header("x-xieshang-timestamp");
    assert_recent(timestamp.parse().expect("unix seconds"), 1);

    // Verify as a receiver would: HMAC over the raw bytes, before parsing.
    let mut signed = format!("{timestamp}.").into_bytes();
    signed.extend_from_slice(&request.body);
    let expected = format!(
        "sha256={}",
        hex(&hmac_sha256(WEBHOOK_SECRET.as_bytes(), &signed))
    );
    assert_eq!(request.header("x-xieshang-signature"), expected);
    let forged = format!("sha256={}", hex(&hmac_sha256(b"another secret", &signed)));
    assert_ne!(request.header("x-xieshang-signature"), forged);

    let body = request.json();
    assert_eq!(body["deliveryId"], json!(sent.delivery_id));
    assert_eq!(body["redelivery"], json!(false));
    assert_eq!(body["test"], json!(false));
    let received: EventPayload =
        serde_json::from_value(body["event"].clone()).expect("an EventPayload");
    assert_eq!(received, sent.events[0]);
    assert_eq!(body["event"]["type"], json!("CONSULTATION_STATUS_CHANGED"));
}

#[tokio::test]
async fn webhook_without_a_secret_is_unsigned() {
    let receiver = Receiver::start().await;
    receiver.reply(Reply::status(200));
    let adapter = adapters(&receiver, Duration::from_secs(5)).adapter(NotificationAdapter::Webhook);

    let receipt = adapter
        .deliver(&webhook_to(&receiver, None), &message(vec![event(1)]))
        .await;

    assert_eq!(receipt, Ok(Receipt { status: Some(200) }));
    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].headers.get("x-xieshang-signature").is_none());
    // An event written outside a traced request carries no trace context.
    assert!(requests[0].headers.get("traceparent").is_none());
}

#[tokio::test]
async fn webhook_carries_the_trace_context_of_the_request_that_caused_its_event() {
    let receiver = Receiver::start().await;
    receiver.reply(Reply::status(200));
    let adapter = adapters(&receiver, Duration::from_secs(5)).adapter(NotificationAdapter::Webhook);
    let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let mut sent = message(vec![event(1)]);
    sent.traceparent = domain::trace_context::TraceParent::parse(traceparent);
    assert!(sent.traceparent.is_some());

    let receipt = adapter.deliver(&webhook_to(&receiver, None), &sent).await;

    assert_eq!(receipt, Ok(Receipt { status: Some(200) }));
    // No span exporter here: the stored context passes through unchanged.
    assert_eq!(receiver.requests()[0].header("traceparent"), traceparent);
}

#[tokio::test]
async fn webhook_retry_keeps_the_delivery_id_and_honours_retry_after() {
    let receiver = Receiver::start().await;
    receiver.reply(Reply {
        retry_after: Some("7"),
        ..Reply::status(503)
    });
    receiver.reply(Reply::status(200));
    let adapter = adapters(&receiver, Duration::from_secs(5)).adapter(NotificationAdapter::Webhook);
    let destination = webhook_to(&receiver, Some(WEBHOOK_SECRET));
    let sent = message(vec![event(3)]);

    let first = adapter.deliver(&destination, &sent).await;
    let second = adapter.deliver(&destination, &sent).await;

    match first {
        Err(NotifyError::Retryable {
            status,
            retry_after,
            ..
        }) => {
            assert_eq!(status, Some(503));
            assert_eq!(retry_after, Some(Duration::from_secs(7)));
        }
        other => panic!("expected a retryable failure, got {other:?}"),
    }
    assert_eq!(second, Ok(Receipt { status: Some(200) }));
    let requests = receiver.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[0].header("x-xieshang-delivery"),
        requests[1].header("x-xieshang-delivery")
    );
    assert_eq!(
        requests[0].json()["deliveryId"],
        requests[1].json()["deliveryId"]
    );
}

#[tokio::test]
async fn webhook_non_2xx_answers_are_retryable_with_their_status() {
    let receiver = Receiver::start().await;
    for status in [404, 500, 302] {
        receiver.reply(Reply::status(status));
    }
    let adapter = adapters(&receiver, Duration::from_secs(5)).adapter(NotificationAdapter::Webhook);
    let destination = webhook_to(&receiver, Some(WEBHOOK_SECRET));

    for expected in [404, 500, 302] {
        let result = adapter
            .deliver(&destination, &message(vec![event(1)]))
            .await;
        match result {
            Err(ref error @ NotifyError::Retryable { status, .. }) => {
                assert_eq!(status, Some(expected));
                assert!(error.to_string().contains(&expected.to_string()), "{error}");
            }
            other => panic!("{expected}: expected a retryable failure, got {other:?}"),
        }
    }
    // The redirect was not followed.
    assert_eq!(receiver.requests().len(), 3);
}

#[tokio::test]
async fn webhook_timeout_is_retryable() {
    let receiver = Receiver::start().await;
    receiver.reply(Reply {
        delay: Duration::from_secs(10),
        ..Reply::status(200)
    });
    let adapter =
        adapters(&receiver, Duration::from_millis(300)).adapter(NotificationAdapter::Webhook);

    let result = adapter
        .deliver(
            &webhook_to(&receiver, Some(WEBHOOK_SECRET)),
            &message(vec![event(1)]),
        )
        .await;

    match result {
        Err(ref error @ NotifyError::Retryable { status, .. }) => {
            assert_eq!(status, None);
            assert!(error.to_string().contains("timed out"), "{error}");
        }
        other => panic!("expected a retryable timeout, got {other:?}"),
    }
    assert_eq!(receiver.requests().len(), 1);
}

#[tokio::test]
async fn webhook_malformed_url_is_permanent_and_unreachable_host_is_retryable() {
    let receiver = Receiver::start().await;
    let adapter = adapters(&receiver, Duration::from_secs(5)).adapter(NotificationAdapter::Webhook);
    for url in ["not a url", "ftp://127.0.0.1/x"] {
        let destination = Destination {
            url: url.to_owned(),
            secret: None,
        };
        let result = adapter
            .deliver(&destination, &message(vec![event(1)]))
            .await;
        assert!(
            matches!(result, Err(NotifyError::Permanent { status: None, .. })),
            "{url}: {result:?}"
        );
    }

    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("address").port();
    drop(closed);
    let destination = Destination {
        url: format!("http://127.0.0.1:{port}/hook/{WEBHOOK_SECRET}?token={DINGTALK_TOKEN}"),
        secret: Some(WEBHOOK_SECRET.to_owned()),
    };
    let result = adapter
        .deliver(&destination, &message(vec![event(1)]))
        .await;
    match result {
        Err(ref error @ NotifyError::Retryable { status: None, .. }) => {
            assert_no_credentials(error, &[WEBHOOK_SECRET, DINGTALK_TOKEN, &destination.url]);
        }
        other => panic!("expected a retryable connection failure, got {other:?}"),
    }
    assert_eq!(receiver.requests().len(), 0);
}

#[tokio::test]
async fn webhook_to_a_private_address_is_refused_unless_allowed() {
    let receiver = Receiver::start().await;
    let adapters = HttpAdapters::new(AdapterConfig {
        allow_private_targets: false,
        ..AdapterConfig::default()
    })
    .expect("valid adapter config");
    let adapter = adapters.adapter(NotificationAdapter::Webhook);

    let result = adapter
        .deliver(
            &webhook_to(&receiver, Some(WEBHOOK_SECRET)),
            &message(vec![event(1)]),
        )
        .await;

    match result {
        Err(ref error @ NotifyError::Permanent { status: None, .. }) => {
            assert!(
                error.to_string().contains("XIESHANG_ALLOW_PRIVATE_TARGETS"),
                "{error}"
            );
            assert_no_credentials(error, &[WEBHOOK_SECRET]);
        }
        other => panic!("expected a permanent refusal, got {other:?}"),
    }
    assert_eq!(receiver.requests().len(), 0);
}

#[tokio::test]
async fn webhook_sends_only_the_first_of_several_events() {
    let receiver = Receiver::start().await;
    let adapter = adapters(&receiver, Duration::from_secs(5)).adapter(NotificationAdapter::Webhook);

    let result = adapter
        .deliver(
            &webhook_to(&receiver, None),
            &message(vec![event(5), event(6)]),
        )
        .await;

    assert_eq!(result, Ok(Receipt { status: Some(200) }));
    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].json()["event"]["sequence"], json!(5));
}

// ---------------------------------------------------------------- DINGTALK

#[tokio::test]
async fn dingtalk_message_is_signed_as_jiaqian_requires() {
    let receiver = Receiver::start().await;
    let adapter =
        adapters(&receiver, Duration::from_secs(5)).adapter(NotificationAdapter::Dingtalk);

    let receipt = adapter
        .deliver(
            &dingtalk_target(Some(DINGTALK_SECRET)),
            &message(vec![event(9)]),
        )
        .await;

    assert_eq!(receipt, Ok(Receipt { status: Some(200) }));
    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.path, "/robot/send");
    assert_eq!(
        request.query("access_token").as_deref(),
        Some(DINGTALK_TOKEN)
    );
    let timestamp = request.query("timestamp").expect("timestamp parameter");
    assert_recent(timestamp.parse().expect("milliseconds"), 1000);
    let expected = STANDARD.encode(hmac_sha256(
        DINGTALK_SECRET.as_bytes(),
        format!("{timestamp}\n{DINGTALK_SECRET}").as_bytes(),
    ));
    assert_eq!(request.query("sign").as_deref(), Some(expected.as_str()));
    // On the wire the Base64 is URL-encoded exactly once.
    let encoded: String = url::form_urlencoded::byte_serialize(expected.as_bytes()).collect();
    assert_eq!(request.raw_query_value("sign"), Some(encoded.as_str()));

    let body = request.json();
    assert_eq!(body["msgtype"], json!("markdown"));
    assert_eq!(body["markdown"]["title"], json!("协商活动状态变更"));
    let text = body["markdown"]["text"].as_str().expect("markdown text");
    assert!(text.contains("《老旧小区加装电梯》（已举行）"), "{text}");
    assert!(
        text.contains("https://xieshang.example.cn/?query="),
        "{text}"
    );
}

#[tokio::test]
async fn dingtalk_without_a_secret_sends_no_signature() {
    let receiver = Receiver::start().await;
    let adapter =
        adapters(&receiver, Duration::from_secs(5)).adapter(NotificationAdapter::Dingtalk);

    let receipt = adapter
        .deliver(&dingtalk_target(None), &message(vec![event(9)]))
        .await;

    assert_eq!(receipt, Ok(Receipt { status: Some(200) }));
    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].query("access_token").as_deref(),
        Some(DINGTALK_TOKEN)
    );
    assert_eq!(requests[0].query("timestamp"), None);
    assert_eq!(requests[0].query("sign"), None);
}

#[tokio::test]
async fn dingtalk_errcode_in_a_200_is_a_failure() {
    let receiver = Receiver::start().await;
    receiver.reply(Reply::errcode(
        130101,
        "send too fast, exceed 20 times per minute",
    ));
    receiver.reply(Reply::errcode(310000, "sign not match"));
    receiver.reply(Reply::errcode(-1, "system busy"));
    receiver.reply(Reply::status(502));
    let adapter =
        adapters(&receiver, Duration::from_secs(5)).adapter(NotificationAdapter::Dingtalk);
    let destination = dingtalk_target(Some(DINGTALK_SECRET));
    let sent = message(vec![event(9)]);
    let mut errors = Vec::new();

    match adapter.deliver(&destination, &sent).await {
        Err(error @ NotifyError::Retryable { .. }) => {
            assert!(matches!(
                error,
                NotifyError::Retryable { status: Some(200), retry_after: Some(wait), .. }
                    if wait == Duration::from_secs(60)
            ));
            errors.push(error);
        }
        other => panic!("rate limit: {other:?}"),
    }
    match adapter.deliver(&destination, &sent).await {
        Err(error @ NotifyError::Permanent { .. }) => {
            assert!(error.to_string().contains("310000"), "{error}");
            errors.push(error);
        }
        other => panic!("signature mismatch: {other:?}"),
    }
    match adapter.deliver(&destination, &sent).await {
        Err(
            error @ NotifyError::Retryable {
                retry_after: None, ..
            },
        ) => errors.push(error),
        other => panic!("system busy: {other:?}"),
    }
    match adapter.deliver(&destination, &sent).await {
        Err(
            error @ NotifyError::Retryable {
                status: Some(502), ..
            },
        ) => errors.push(error),
        other => panic!("bad gateway: {other:?}"),
    }
    assert_eq!(receiver.requests().len(), 4);
    for error in &errors {
        assert_no_credentials(error, &[DINGTALK_TOKEN, DINGTALK_SECRET]);
    }
}

#[tokio::test]
async fn dingtalk_url_without_a_token_is_permanent() {
    let receiver = Receiver::start().await;
    let adapter =
        adapters(&receiver, Duration::from_secs(5)).adapter(NotificationAdapter::Dingtalk);
    let destination = Destination {
        url: "https://oapi.dingtalk.com/robot/send".to_owned(),
        secret: Some(DINGTALK_SECRET.to_owned()),
    };

    let result = adapter
        .deliver(&destination, &message(vec![event(1)]))
        .await;

    match result {
        Err(ref error @ NotifyError::Permanent { .. }) => {
            assert_no_credentials(error, &[DINGTALK_SECRET]);
        }
        other => panic!("expected a permanent failure, got {other:?}"),
    }
    assert_eq!(receiver.requests().len(), 0);
}

// ---------------------------------------------------------------- WECOM

#[tokio::test]
async fn wecom_message_goes_to_the_key_of_the_target() {
    let receiver = Receiver::start().await;
    let adapter = adapters(&receiver, Duration::from_secs(5)).adapter(NotificationAdapter::Wecom);
    let mut sent = message(vec![event(4)]);
    sent.redelivery = true;

    let receipt = adapter.deliver(&wecom_target(), &sent).await;

    assert_eq!(receipt, Ok(Receipt { status: Some(200) }));
    let requests = receiver.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.path, "/cgi-bin/webhook/send");
    assert_eq!(request.query("key").as_deref(), Some(WECOM_KEY));
    let body = request.json();
    assert_eq!(body["msgtype"], json!("markdown"));
    let content = body["markdown"]["content"]
        .as_str()
        .expect("markdown content");
    assert!(
        content.starts_with("#### 协商活动状态变更（补发）"),
        "{content}"
    );
}

#[tokio::test]
async fn wecom_errcode_is_a_failure() {
    let receiver = Receiver::start().await;
    receiver.reply(Reply::errcode(45009, "api freq out of limit"));
    receiver.reply(Reply::errcode(
        93000,
        &format!("invalid webhook url, key {WECOM_KEY}"),
    ));
    let adapter = adapters(&receiver, Duration::from_secs(5)).adapter(NotificationAdapter::Wecom);
    let sent = message(vec![event(4)]);

    let limited = adapter.deliver(&wecom_target(), &sent).await;
    let invalid = adapter.deliver(&wecom_target(), &sent).await;

    match limited {
        Err(NotifyError::Retryable {
            status: Some(200),
            retry_after: Some(wait),
            ..
        }) => assert_eq!(wait, Duration::from_secs(60)),
        other => panic!("frequency limit: {other:?}"),
    }
    match invalid {
        // Even an answer that echoes the key does not leak it into the delivery's last error.
        Err(ref error @ NotifyError::Permanent { .. }) => {
            assert!(error.to_string().contains("93000"), "{error}");
            assert_no_credentials(error, &[WECOM_KEY]);
        }
        other => panic!("invalid key: {other:?}"),
    }
    assert_eq!(receiver.requests().len(), 2);
}

#[tokio::test]
async fn robots_fold_several_events_into_one_digest_within_the_size_limit() {
    let receiver = Receiver::start().await;
    let registry = adapters(&receiver, Duration::from_secs(5));

    let small = message((1..=3).map(event).collect());
    let large = message((1..=300).map(event).collect());
    for sent in [&small, &large] {
        let receipt = registry
            .adapter(NotificationAdapter::Wecom)
            .deliver(&wecom_target(), sent)
            .await;
        assert_eq!(receipt, Ok(Receipt { status: Some(200) }));
    }
    let receipt = registry
        .adapter(NotificationAdapter::Dingtalk)
        .deliver(&dingtalk_target(None), &small)
        .await;
    assert_eq!(receipt, Ok(Receipt { status: Some(200) }));

    let requests = receiver.requests();
    assert_eq!(requests.len(), 3);
    let small_content = requests[0].json()["markdown"]["content"]
        .as_str()
        .expect("content")
        .to_owned();
    assert!(
        small_content.starts_with("#### 协商平台动态（3 条）"),
        "{small_content}"
    );
    assert_eq!(small_content.matches("**协商活动状态变更**").count(), 3);

    let large_content = requests[1].json()["markdown"]["content"]
        .as_str()
        .expect("content")
        .to_owned();
    assert!(large_content.len() <= 4096, "{} bytes", large_content.len());
    let shown = large_content.matches("**协商活动状态变更**").count();
    assert!(
        large_content.ends_with(&format!("…另有 {} 条", 300 - shown)),
        "{large_content}"
    );

    assert_eq!(
        requests[2].json()["markdown"]["title"],
        json!("协商平台动态（3 条）")
    );
}

// ---------------------------------------------------------------- failure classes

/// Each kind of transport failure gets its class, and the message names the class only: no
/// error chain (no `os error`, no library's words, no address).
#[tokio::test]
async fn transport_failures_are_classified_without_their_error_chain() {
    use notify::ErrorClass;

    let receiver = Receiver::start().await;
    let adapter =
        adapters(&receiver, Duration::from_millis(500)).adapter(NotificationAdapter::Webhook);
    let send = |url: String| {
        let adapter = adapter.clone();
        async move {
            let destination = Destination { url, secret: None };
            adapter
                .deliver(&destination, &message(vec![event(1)]))
                .await
                .expect_err("the send fails")
        }
    };

    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let closed_port = closed.local_addr().expect("address").port();
    drop(closed);
    // A tarpit: accepts the connection, never answers.
    let tarpit = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let tarpit_port = tarpit.local_addr().expect("address").port();
    let held = tokio::spawn(async move {
        let mut sockets = Vec::new();
        while let Ok((socket, _)) = tarpit.accept().await {
            sockets.push(socket);
        }
    });
    // The plain-HTTP receiver spoken to over TLS.
    let plain = receiver.base_url().replacen("http://", "https://", 1);
    receiver.reply(Reply::status(500));

    let cases = [
        (
            format!("http://127.0.0.1:{closed_port}/hook"),
            ErrorClass::ConnectionRefused,
        ),
        (
            format!("http://127.0.0.1:{tarpit_port}/hook"),
            ErrorClass::Timeout,
        ),
        (format!("{plain}/hook"), ErrorClass::Tls),
        (
            "http://no-such-host.invalid/hook".to_owned(),
            ErrorClass::Dns,
        ),
        (
            format!("{}/hook", receiver.base_url()),
            ErrorClass::HttpStatus,
        ),
    ];
    for (url, class) in cases {
        let error = send(url.clone()).await;
        assert_eq!(error.class(), Some(class), "{url}: {error:?}");
        let text = error.to_string();
        for leak in [
            "os error",
            "hyper",
            "rustls",
            "127.0.0.1",
            "tcp connect",
            "dns error",
        ] {
            assert!(!text.contains(leak), "{url}: {text}");
        }
    }
    held.abort();
}
