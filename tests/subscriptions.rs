//! GraphQL subscriptions at `/graphql/ws` on a real port: replay from a cursor then live with no
//! gap and no duplicate, in both WebSocket protocols; the same cursors as the `events` query;
//! scope filtering; refused tokens; expired cursors; close code 4403 when the token expires;
//! close code 1001 on shutdown.

mod common;

use std::{net::SocketAddr, time::Duration};

use common::{TEST_SECRET, token_for};
use domain::{Role, events::cursor_of};
use entity::event;
use futures_util::{SinkExt, StreamExt};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use testing::{Template, TestDb};
use tokio::{net::TcpStream, sync::oneshot, task::JoinHandle};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};
use xieshang::{
    app::{AppState, RouterOptions},
    auth::Secret,
};

/// How long any single message may take to arrive before the test fails.
const WAIT: Duration = Duration::from_secs(30);

/// The production server on 127.0.0.1:0 over a fresh test database.
struct Server {
    address: SocketAddr,
    test_db: TestDb,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    http: reqwest::Client,
}

impl Server {
    async fn start() -> Self {
        let test_db = TestDb::new(Template::Demo).await.expect("a test database");
        let state = AppState::new(test_db.db.clone(), Secret::new(TEST_SECRET));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let address = listener.local_addr().expect("a bound address");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(xieshang::server::run(
            listener,
            state,
            RouterOptions::default(),
            async move {
                let _ = stopped.await;
            },
        ));
        Self {
            address,
            test_db,
            stop: Some(stop),
            task,
            http: reqwest::Client::new(),
        }
    }

    /// POSTs a GraphQL request as `token` and returns the JSON response.
    async fn graphql(&self, token: &str, query: &str, variables: Value) -> Value {
        self.http
            .post(format!("http://{}/graphql", self.address))
            .bearer_auth(token)
            .header("accept", "application/graphql-response+json")
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("the server answers")
            .json()
            .await
            .expect("a JSON response")
    }

    /// Runs a consultation mutation and returns the consultation's id.
    async fn mutate(&self, token: &str, mutation: &str, input_type: &str, input: Value) -> Value {
        let query = format!(
            "mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ consultation {{ id status }} userErrors {{ message }} }} }}"
        );
        let response = self.graphql(token, &query, json!({ "input": input })).await;
        assert!(response.get("errors").is_none(), "{response:#}");
        let payload = &response["data"][mutation];
        assert_eq!(payload["userErrors"], json!([]), "{response:#}");
        payload["consultation"]["id"].clone()
    }

    async fn propose(&self, token: &str, region_code: &str) -> Value {
        self.mutate(
            token,
            "proposeConsultation",
            "ProposeConsultationInput",
            json!({ "regionCode": region_code, "title": "乡村公交如何通到家门口",
                    "topic": "偏远村庄的公交线路", "topicSource": "PARTY_GOVERNMENT", "kind": "MAIN" }),
        )
        .await
    }

    /// Every event of the query connection after `after`, as (sequence, cursor) pairs.
    async fn query_events(&self, token: &str, after: Option<String>) -> Vec<(i64, String)> {
        let response = self
            .graphql(
                token,
                "query($after: String) { events(first: 100, after: $after) { edges { cursor node { sequence cursor } } pageInfo { hasNextPage } } }",
                json!({ "after": after }),
            )
            .await;
        assert!(response.get("errors").is_none(), "{response:#}");
        let connection = &response["data"]["events"];
        assert_eq!(connection["pageInfo"]["hasNextPage"], false);
        connection["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|edge| {
                assert_eq!(edge["cursor"], edge["node"]["cursor"]);
                (
                    edge["node"]["sequence"].as_i64().expect("a sequence"),
                    edge["cursor"].as_str().expect("a cursor").to_owned(),
                )
            })
            .collect()
    }

    async fn shut_down(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(WAIT, &mut self.task)
            .await
            .expect("the server stops in time")
            .expect("the server task")
            .expect("the server ran");
    }
}

/// The two WebSocket subprotocols.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Protocol {
    /// `graphql-transport-ws` (the `graphql-ws` client library).
    TransportWs,
    /// The legacy `graphql-ws` (subscriptions-transport-ws).
    LegacyWs,
}

impl Protocol {
    fn name(self) -> &'static str {
        match self {
            Protocol::TransportWs => "graphql-transport-ws",
            Protocol::LegacyWs => "graphql-ws",
        }
    }
}

/// A subscription client speaking `protocol`.
struct Client {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    protocol: Protocol,
}

impl Client {
    /// Connects and sends `connection_init` with the token (if any), without waiting for the
    /// answer.
    async fn open(address: SocketAddr, protocol: Protocol, token: Option<&str>) -> Self {
        let mut request = format!("ws://{address}/graphql/ws")
            .into_client_request()
            .expect("a request");
        request.headers_mut().insert(
            "sec-websocket-protocol",
            HeaderValue::from_static(protocol.name()),
        );
        let (socket, response) = connect_async(request).await.expect("an upgrade");
        assert_eq!(
            response
                .headers()
                .get("sec-websocket-protocol")
                .and_then(|value| value.to_str().ok()),
            Some(protocol.name())
        );
        let mut client = Self { socket, protocol };
        let payload = match token {
            Some(token) => json!({ "authorization": format!("Bearer {token}") }),
            None => json!({}),
        };
        client
            .send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        client
    }

    /// Connects, authenticates and waits for the acknowledgement.
    async fn connect(address: SocketAddr, protocol: Protocol, token: &str) -> Self {
        let mut client = Self::open(address, protocol, Some(token)).await;
        let ack = client.receive().await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        client
    }

    async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .expect("sent");
    }

    /// Starts subscription `id`.
    async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        let kind = match self.protocol {
            Protocol::TransportWs => "subscribe",
            Protocol::LegacyWs => "start",
        };
        self.send(json!({ "id": id, "type": kind, "payload": { "query": query, "variables": variables } }))
            .await;
    }

    /// The next frame: a JSON text message, or a close frame as
    /// `{ "type": "close", "code": … }`.
    async fn receive(&mut self) -> Value {
        loop {
            let frame = tokio::time::timeout(WAIT, self.socket.next())
                .await
                .expect("a message in time")
                .expect("the socket is open")
                .expect("a readable frame");
            match frame {
                Message::Text(text) => return serde_json::from_str(&text).expect("JSON"),
                Message::Close(frame) => {
                    return json!({
                        "type": "close",
                        "code": frame.as_ref().map(|frame| u16::from(frame.code)),
                        "reason": frame.map(|frame| frame.reason.to_string()),
                    });
                }
                _ => {}
            }
        }
    }

    /// The payload of the next result of any subscription, with its id; `None` for
    /// `complete`.
    async fn next_result(&mut self) -> (String, Option<Value>) {
        let message = self.receive().await;
        let id = message["id"].as_str().unwrap_or_default().to_owned();
        match message["type"].as_str() {
            Some("next") if self.protocol == Protocol::TransportWs => {
                (id, Some(message["payload"].clone()))
            }
            Some("data") if self.protocol == Protocol::LegacyWs => {
                (id, Some(message["payload"].clone()))
            }
            Some("complete") => (id, None),
            _ => panic!("unexpected message {message}"),
        }
    }
}

const EVENTS: &str = r#"subscription($after: String, $filter: EventFilter) {
  events(after: $after, filter: $filter) {
    cursor sequence type regionCodes entityId snapshot occurredAt
    entity { id ... on Consultation { status } }
  }
}"#;

const CONSULTATIONS: &str = r#"subscription($region: String!) {
  consultationUpdated(regionCode: $region, includeDescendants: true) {
    event { sequence type snapshot }
    consultation { id status region { code } }
  }
}"#;

fn error_code(payload: &Value) -> Option<&str> {
    payload["errors"][0]["extensions"]["code"].as_str()
}

/// Drives one consultation through its lifecycle as `token`; returns its id.
async fn lifecycle(server: &Server, token: &str, region_code: &str) -> Value {
    let id = server.propose(token, region_code).await;
    for (mutation, input_type, input) in [
        (
            "approveConsultation",
            "ApproveConsultationInput",
            json!({ "id": id }),
        ),
        (
            "startConsultationResearch",
            "StartConsultationResearchInput",
            json!({ "id": id }),
        ),
        (
            "scheduleConsultation",
            "ScheduleConsultationInput",
            json!({ "id": id, "scheduledAt": "2026-01-05T19:00:00+08:00", "venue": "东吴镇文化礼堂" }),
        ),
        (
            "recordConsultationHeld",
            "RecordConsultationHeldInput",
            json!({ "id": id, "heldAt": "2026-01-05T19:30:00+08:00", "participants": [
                { "role": "PARTY_GOVERNMENT_LEADER", "name": "区委书记", "organization": "鄞州区委" } ] }),
        ),
        (
            "startConsultationFollowUp",
            "StartConsultationFollowUpInput",
            json!({ "id": id }),
        ),
        (
            "closeConsultation",
            "CloseConsultationInput",
            json!({ "id": id }),
        ),
    ] {
        server.mutate(token, mutation, input_type, input).await;
    }
    id
}

/// The acceptance scenario, in one protocol: a client subscribed with a cursor receives the
/// replay and then the live events of a consultation driven through its lifecycle, with no gap
/// and no duplicate, and the same cursors as the query connection.
async fn replay_then_live(protocol: Protocol) {
    let server = Server::start().await;
    let staff = token_for(Role::CountyStaff, "330212", None);
    // Two events before the subscription: created (1) and approved (2)…
    let first = server.propose(&staff, "330212").await;
    server
        .mutate(
            &staff,
            "approveConsultation",
            "ApproveConsultationInput",
            json!({ "id": first }),
        )
        .await;
    let before = server.query_events(&staff, None).await;
    assert_eq!(
        before
            .iter()
            .map(|(sequence, _)| *sequence)
            .collect::<Vec<_>>(),
        vec![1, 2]
    );

    // …then subscribe after event 1, and immediately keep writing: the replay of event 2 and
    // the live events race at the seam.
    let mut client = Client::connect(server.address, protocol, &staff).await;
    client
        .subscribe(
            "events",
            EVENTS,
            json!({ "after": before[0].1, "filter": { "regionCode": "330212" } }),
        )
        .await;
    client
        .subscribe(
            "consultations",
            CONSULTATIONS,
            json!({ "region": "330200" }),
        )
        .await;
    let id = lifecycle(&server, &staff, "330212").await;
    let last = 2 + 7;

    let mut events = Vec::new();
    let mut consultation_events = Vec::new();
    while events
        .last()
        .is_none_or(|event: &Value| event["sequence"] != last)
    {
        let (subscription, payload) = client.next_result().await;
        let payload = payload.expect("the subscription stays open");
        assert!(payload.get("errors").is_none(), "{payload}");
        match subscription.as_str() {
            "events" => events.push(payload["data"]["events"].clone()),
            _ => consultation_events.push(payload["data"]["consultationUpdated"].clone()),
        }
    }
    let sequences: Vec<i64> = events
        .iter()
        .map(|event| event["sequence"].as_i64().expect("a sequence"))
        .collect();
    assert_eq!(sequences, (2..=last).collect::<Vec<_>>());
    // The same cursors as the query connection.
    let after_first = server.query_events(&staff, Some(before[0].1.clone())).await;
    assert_eq!(
        events
            .iter()
            .map(|event| (
                event["sequence"].as_i64().expect("a sequence"),
                event["cursor"].as_str().expect("a cursor").to_owned()
            ))
            .collect::<Vec<_>>(),
        after_first
    );
    // Snapshots are the state at the time; `entity` is the state now.
    let statuses: Vec<&str> = events[1..]
        .iter()
        .map(|event| event["snapshot"]["status"].as_str().expect("a status"))
        .collect();
    assert_eq!(
        statuses,
        [
            "PROPOSED",
            "APPROVED",
            "RESEARCHING",
            "SCHEDULED",
            "HELD",
            "FOLLOW_UP",
            "CLOSED"
        ]
    );
    assert_eq!(events[0]["snapshot"]["status"], "APPROVED");
    assert_eq!(events[0]["type"], "CONSULTATION_STATUS_CHANGED");
    assert_eq!(events[1]["type"], "CONSULTATION_CREATED");
    assert_eq!(events[1]["regionCodes"], json!(["330212"]));
    assert_eq!(events[1]["entityId"], id);
    assert_eq!(events[1]["entity"]["id"], id);

    // The live consultation stream saw the lifecycle in order from the moment it was set up
    // (it may have missed the first steps, which ran meanwhile).
    while consultation_events
        .last()
        .is_none_or(|event: &Value| event["event"]["sequence"] != last)
    {
        let (subscription, payload) = client.next_result().await;
        assert_eq!(subscription, "consultations");
        consultation_events.push(
            payload.expect("the subscription stays open")["data"]["consultationUpdated"].clone(),
        );
    }
    let live: Vec<i64> = consultation_events
        .iter()
        .map(|event| event["event"]["sequence"].as_i64().expect("a sequence"))
        .collect();
    let from = live[0];
    assert!(from >= 3, "{live:?}");
    assert_eq!(live, (from..=last).collect::<Vec<_>>());
    for event in &consultation_events {
        assert_eq!(event["consultation"]["id"], id);
        assert_eq!(event["consultation"]["region"]["code"], "330212");
    }

    // One more event: it is the very next message, so nothing was sent twice.
    server.propose(&staff, "330212").await;
    for _ in 0..2 {
        let (subscription, payload) = client.next_result().await;
        let payload = payload.expect("open");
        let sequence = match subscription.as_str() {
            "events" => &payload["data"]["events"]["sequence"],
            _ => &payload["data"]["consultationUpdated"]["event"]["sequence"],
        };
        assert_eq!(*sequence, json!(last + 1), "{payload}");
    }

    // Replayed now, the lifecycle shows each event's state then (`snapshot`) beside the
    // consultation's state now (`entity`).
    client
        .subscribe("replay", EVENTS, json!({ "after": before[1].1 }))
        .await;
    for (sequence, then) in (3..=last).zip([
        "PROPOSED",
        "APPROVED",
        "RESEARCHING",
        "SCHEDULED",
        "HELD",
        "FOLLOW_UP",
        "CLOSED",
    ]) {
        let (subscription, payload) = client.next_result().await;
        assert_eq!(subscription, "replay");
        let event = payload.expect("open")["data"]["events"].clone();
        assert_eq!(event["sequence"], sequence);
        assert_eq!(event["snapshot"]["status"], then);
        assert_eq!(event["entity"]["status"], "CLOSED");
    }
    server.shut_down().await;
}

#[tokio::test]
async fn graphql_transport_ws_replays_from_a_cursor_then_goes_live() {
    replay_then_live(Protocol::TransportWs).await;
}

#[tokio::test]
async fn legacy_graphql_ws_replays_from_a_cursor_then_goes_live() {
    replay_then_live(Protocol::LegacyWs).await;
}

#[tokio::test]
async fn events_are_limited_to_the_callers_scope() {
    let server = Server::start().await;
    let yinzhou = token_for(Role::CountyStaff, "330212", None);
    let xihu = token_for(Role::CountyStaff, "330106", None);
    let mut client = Client::connect(server.address, Protocol::TransportWs, &xihu).await;
    client
        .subscribe("all", EVENTS, json!({ "after": cursor_of(0) }))
        .await;
    // Asking for another county's events is not an error, it just yields nothing.
    client
        .subscribe(
            "theirs",
            EVENTS,
            json!({ "filter": { "regionCode": "330212" } }),
        )
        .await;
    lifecycle(&server, &yinzhou, "330212").await;
    server.propose(&xihu, "330106").await;
    let (subscription, payload) = client.next_result().await;
    assert_eq!(subscription, "all");
    let payload = payload.expect("open");
    assert_eq!(payload["data"]["events"]["sequence"], 8, "{payload}");
    assert_eq!(payload["data"]["events"]["regionCodes"], json!(["330106"]));

    let seen = server.query_events(&xihu, None).await;
    assert_eq!(
        seen.iter()
            .map(|(sequence, _)| *sequence)
            .collect::<Vec<_>>(),
        vec![8]
    );
    assert_eq!(server.query_events(&yinzhou, None).await.len(), 7);
    let province = token_for(Role::ProvinceStaff, "330000", None);
    let total = server
        .graphql(&province, "{ events { totalCount } }", json!({}))
        .await;
    assert_eq!(total["data"]["events"]["totalCount"], 8, "{total:#}");
    let anonymous = server
        .http
        .post(format!("http://{}/graphql", server.address))
        .json(&json!({ "query": "{ events { totalCount } }" }))
        .send()
        .await
        .expect("an answer")
        .json::<Value>()
        .await
        .expect("JSON");
    assert_eq!(error_code(&anonymous), Some("UNAUTHENTICATED"));
    server.shut_down().await;
}

#[tokio::test]
async fn a_bad_token_in_connection_init_is_refused() {
    let server = Server::start().await;
    let mut modern = Client::open(server.address, Protocol::TransportWs, Some("not-a-token")).await;
    let refused = modern.receive().await;
    assert_eq!(refused["type"], "close", "{refused}");
    assert_eq!(refused["code"], 4403, "{refused}");

    let mut legacy = Client::open(server.address, Protocol::LegacyWs, Some("not-a-token")).await;
    let refused = legacy.receive().await;
    assert_eq!(refused["type"], "connection_error", "{refused}");

    // Without a token the connection is anonymous, and subscriptions need one.
    let mut anonymous = Client::open(server.address, Protocol::TransportWs, None).await;
    assert_eq!(anonymous.receive().await["type"], "connection_ack");
    anonymous.subscribe("1", EVENTS, json!({})).await;
    let (_, payload) = anonymous.next_result().await;
    assert_eq!(
        error_code(&payload.expect("an error")),
        Some("UNAUTHENTICATED")
    );
    assert_eq!(anonymous.next_result().await.1, None);
    server.shut_down().await;
}

#[tokio::test]
async fn expired_cursors_and_unknown_regions_end_the_subscription_with_a_code() {
    let server = Server::start().await;
    let staff = token_for(Role::ProvinceStaff, "330000", None);
    for _ in 0..3 {
        server.propose(&staff, "330106").await;
    }
    // Events 1 and 2 are older than a one-day retention and go.
    event::Entity::update_many()
        .col_expr(
            event::Column::OccurredAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::days(2)),
        )
        .filter(event::Column::Sequence.lte(2))
        .exec(server.test_db.db.writer())
        .await
        .expect("aged");
    let pruned = domain::events::prune(&server.test_db.db, Duration::from_secs(24 * 3600))
        .await
        .expect("pruned");
    assert_eq!(pruned, 2);

    let mut client = Client::connect(server.address, Protocol::TransportWs, &staff).await;
    client
        .subscribe("old", EVENTS, json!({ "after": cursor_of(0) }))
        .await;
    let (_, payload) = client.next_result().await;
    assert_eq!(
        error_code(&payload.expect("an error")),
        Some("EVENT_CURSOR_EXPIRED")
    );
    assert_eq!(client.next_result().await, ("old".to_owned(), None));
    client
        .subscribe("nowhere", CONSULTATIONS, json!({ "region": "999999" }))
        .await;
    let (_, payload) = client.next_result().await;
    assert_eq!(
        error_code(&payload.expect("an error")),
        Some("BAD_USER_INPUT")
    );
    assert_eq!(client.next_result().await, ("nowhere".to_owned(), None));
    // After 2 resumes exactly at 3.
    client
        .subscribe("fresh", EVENTS, json!({ "after": cursor_of(2) }))
        .await;
    let (_, payload) = client.next_result().await;
    assert_eq!(payload.expect("an event")["data"]["events"]["sequence"], 3);

    let expired = server
        .graphql(
            &staff,
            "query($after: String) { events(after: $after) { totalCount } }",
            json!({ "after": cursor_of(1) }),
        )
        .await;
    assert_eq!(
        error_code(&expired),
        Some("EVENT_CURSOR_EXPIRED"),
        "{expired:#}"
    );
    let beyond = server
        .graphql(
            &staff,
            "query($after: String) { events(after: $after) { totalCount } }",
            json!({ "after": cursor_of(99) }),
        )
        .await;
    assert_eq!(error_code(&beyond), Some("BAD_USER_INPUT"), "{beyond:#}");
    server.shut_down().await;
}

#[tokio::test]
async fn shutdown_closes_open_sockets_with_1001() {
    let server = Server::start().await;
    let staff = token_for(Role::CountyStaff, "330212", None);
    let mut modern = Client::connect(server.address, Protocol::TransportWs, &staff).await;
    // From the start of the log, so that the event below arrives however soon it is written.
    let from_start = json!({ "after": cursor_of(0) });
    modern.subscribe("1", EVENTS, from_start.clone()).await;
    let mut legacy = Client::connect(server.address, Protocol::LegacyWs, &staff).await;
    legacy.subscribe("1", EVENTS, from_start).await;
    // The subscriptions are live: an event arrives.
    server.propose(&staff, "330212").await;
    for client in [&mut modern, &mut legacy] {
        let (_, payload) = client.next_result().await;
        assert_eq!(payload.expect("an event")["data"]["events"]["sequence"], 1);
    }
    server.shut_down().await;
    for client in [&mut modern, &mut legacy] {
        let closed = client.receive().await;
        assert_eq!(closed["type"], "close", "{closed}");
        assert_eq!(closed["code"], 1001, "{closed}");
    }
}

#[tokio::test]
async fn sockets_close_with_4403_when_their_token_expires() {
    let server = Server::start().await;
    let short_lived = xieshang::auth::jwt::sign(
        &xieshang::auth::Claims {
            sub: "test-county_staff".into(),
            role: Role::CountyStaff,
            region: "330212".into(),
            member: None,
            exp: xieshang::auth::now() + 2,
        },
        TEST_SECRET,
    )
    .expect("a signed token");
    let mut modern = Client::connect(server.address, Protocol::TransportWs, &short_lived).await;
    modern.subscribe("1", EVENTS, json!({})).await;
    let mut legacy = Client::connect(server.address, Protocol::LegacyWs, &short_lived).await;
    legacy.subscribe("1", EVENTS, json!({})).await;
    let mut anonymous = Client::open(server.address, Protocol::TransportWs, None).await;
    assert_eq!(anonymous.receive().await["type"], "connection_ack");

    for client in [&mut modern, &mut legacy] {
        // Nothing is published, so the next frame (keep-alives aside) is the close.
        let closed = loop {
            let message = client.receive().await;
            if message["type"] != "ka" {
                break message;
            }
        };
        assert_eq!(closed["type"], "close", "{closed}");
        assert_eq!(closed["code"], 4403, "{closed}");
        assert_eq!(closed["reason"], "token expired", "{closed}");
    }

    // The anonymous connection, opened before, is still served.
    anonymous.subscribe("1", EVENTS, json!({})).await;
    let (_, payload) = anonymous.next_result().await;
    assert_eq!(
        error_code(&payload.expect("an error")),
        Some("UNAUTHENTICATED")
    );
    server.shut_down().await;
}

#[tokio::test]
async fn sockets_close_with_4403_when_their_token_is_revoked() {
    let server = Server::start().await;
    let token = common::token_for(Role::CountyStaff, "330212", None);
    let other = common::token_for(Role::CountyStaff, "330212", None);
    let mut revoked = Client::connect(server.address, Protocol::TransportWs, &token).await;
    revoked.subscribe("1", EVENTS, json!({})).await;
    let mut kept = Client::connect(server.address, Protocol::TransportWs, &other).await;
    kept.subscribe("1", EVENTS, json!({})).await;

    let jti = {
        use base64::Engine;
        let payload = token.split('.').nth(1).expect("a payload");
        let claims: Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .expect("base64url"),
        )
        .expect("JSON claims");
        claims["jti"].as_str().expect("a jti").to_owned()
    };
    let province = common::token_for(Role::ProvinceStaff, "330000", None);
    let answer: Value = server
        .http
        .post(format!("http://{}/graphql", server.address))
        .bearer_auth(&province)
        .json(&json!({
            "query": "mutation($input: RevokeServiceTokenInput!) { revokeServiceToken(input: $input) { jti } }",
            "variables": { "input": { "jti": jti } },
        }))
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("JSON");
    assert_eq!(answer["data"]["revokeServiceToken"]["jti"], jti, "{answer}");

    let closed = loop {
        let message = revoked.receive().await;
        if message["type"] != "ka" {
            break message;
        }
    };
    assert_eq!(closed["type"], "close", "{closed}");
    assert_eq!(closed["code"], 4403, "{closed}");
    assert_eq!(closed["reason"], "token revoked", "{closed}");

    // The other token's socket is still served.
    kept.subscribe("2", EVENTS, json!({})).await;
}

#[tokio::test]
async fn a_query_over_the_socket_that_shows_contact_data_leaves_an_audit_row() {
    use entity::audit_log;
    use sea_orm::QueryOrder;

    let server = Server::start().await;
    let token = common::token_for(Role::CountyStaff, "330212", None);
    let mut client = Client::connect(server.address, Protocol::TransportWs, &token).await;
    let members = "query Roster($code: String!) { region(code: $code) { members(first: 2) { nodes { id phone } } } }";
    client
        .subscribe("1", members, json!({ "code": "330212" }))
        .await;
    let (_, payload) = client.next_result().await;
    let payload = payload.expect("a result");
    let nodes = payload["data"]["region"]["members"]["nodes"]
        .as_array()
        .expect("members")
        .clone();
    assert!(
        nodes.iter().all(|node| node["phone"].is_string()),
        "{payload}"
    );

    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::Operation.eq("readContactData"))
        .order_by_asc(audit_log::Column::Id)
        .all(server.test_db.db.reader())
        .await
        .expect("the audit log reads");
    assert_eq!(rows.len(), 1, "{rows:?}");
    let targets: Vec<String> = serde_json::from_str(&rows[0].target_ids).expect("ids");
    assert_eq!(targets.len(), nodes.len());
    for node in &nodes {
        let phone = node["phone"].as_str().expect("a phone");
        assert!(!rows[0].input_summary.contains(phone));
    }
    server.shut_down().await;
}
