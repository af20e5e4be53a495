//! The limits of `/graphql/ws` on a real port, each with small settings: the
//! `connection_init` timeout (4408), the message size (1009), operations per socket
//! (`TOO_MANY_OPERATIONS`), sockets per client (HTTP 429) and the ping keepalive (1011).
//! The request timeout of operations sent over a socket is tested in `src/http/ws/timed.rs`.

mod common;

use std::{net::SocketAddr, sync::Arc, time::Duration};

use common::{TEST_SECRET, token_for};
use domain::Role;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use testing::{Template, TestDb};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    sync::oneshot,
    task::JoinHandle,
};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{self, Message, client::IntoClientRequest, http::HeaderValue},
};
use xieshang::{
    app::{AppState, RouterOptions},
    auth::Secret,
    http::{
        persisted::{PersistedOptions, TrustedDocuments, sha256_hex},
        ws::WebSocketLimits,
    },
};

/// How long any single message may take to arrive before the test fails.
const WAIT: Duration = Duration::from_secs(30);

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The production server on 127.0.0.1:0 with `limits`.
struct Server {
    address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    _test_db: TestDb,
}

impl Server {
    async fn start(limits: WebSocketLimits) -> Self {
        Self::start_with(RouterOptions {
            websocket: limits,
            ..RouterOptions::default()
        })
        .await
    }

    async fn start_with(options: RouterOptions) -> Self {
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
            options,
            async move {
                let _ = stopped.await;
            },
        ));
        Self {
            address,
            stop: Some(stop),
            task,
            _test_db: test_db,
        }
    }

    /// Opens a `graphql-transport-ws` socket without sending anything.
    async fn open(&self) -> Result<Socket, tungstenite::Error> {
        let mut request = format!("ws://{}/graphql/ws", self.address)
            .into_client_request()
            .expect("a request");
        request.headers_mut().insert(
            "sec-websocket-protocol",
            HeaderValue::from_static("graphql-transport-ws"),
        );
        connect_async(request).await.map(|(socket, _)| socket)
    }

    /// Opens a socket and completes `connection_init` as province staff.
    async fn connect(&self) -> Socket {
        let token = token_for(Role::ProvinceStaff, "330000", None);
        self.connect_with(json!({ "authorization": format!("Bearer {token}") }))
            .await
    }

    /// Opens a socket and completes `connection_init` with `payload`.
    async fn connect_with(&self, payload: Value) -> Socket {
        let mut socket = self.open().await.expect("an upgrade");
        send(
            &mut socket,
            json!({ "type": "connection_init", "payload": payload }),
        )
        .await;
        assert_eq!(receive(&mut socket).await["type"], "connection_ack");
        socket
    }

    async fn shut_down(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = tokio::time::timeout(WAIT, &mut self.task).await;
    }
}

async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .expect("sent");
}

/// The next JSON message, or a close frame as `{ "type": "close", "code": … }`; pings are
/// answered by the library and skipped.
async fn receive(socket: &mut Socket) -> Value {
    loop {
        let frame = tokio::time::timeout(WAIT, socket.next())
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
                });
            }
            _ => {}
        }
    }
}

/// A limits value with everything generous except what a test sets.
fn generous() -> WebSocketLimits {
    WebSocketLimits {
        init_timeout: Duration::from_secs(300),
        max_message_bytes: 64 * 1024,
        max_operations: 100,
        max_connections_per_client: 100,
        ping_interval: Duration::from_secs(300),
        replay_per_second: 500,
    }
}

const LIVE_EVENTS: &str = "subscription { events { sequence } }";

#[tokio::test]
async fn sockets_without_connection_init_are_closed_with_4408() {
    let server = Server::start(WebSocketLimits {
        init_timeout: Duration::from_secs(1),
        ..generous()
    })
    .await;
    let mut silent = server.open().await.expect("an upgrade");
    assert_eq!(receive(&mut silent).await["code"], 4408);

    // A socket that did send connection_init is not affected.
    let mut socket = server.connect().await;
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": "{ __typename }" } }),
    )
    .await;
    assert_eq!(receive(&mut socket).await["type"], "next");
    server.shut_down().await;
}

#[tokio::test]
async fn messages_over_the_size_limit_close_the_socket_with_1009() {
    let server = Server::start(WebSocketLimits {
        max_message_bytes: 4096,
        ..generous()
    })
    .await;
    let mut socket = server.connect().await;
    // Just under the limit is served…
    let padding = " ".repeat(3_900);
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": format!("{{ __typename {padding}}}") } }),
    )
    .await;
    assert_eq!(receive(&mut socket).await["type"], "next");
    // …and over it ends the socket.
    let padding = " ".repeat(5_000);
    send(
        &mut socket,
        json!({ "id": "2", "type": "subscribe", "payload": { "query": format!("{{ __typename {padding}}}") } }),
    )
    .await;
    loop {
        let message = receive(&mut socket).await;
        if message["type"] == "close" {
            assert_eq!(message["code"], 1009, "{message}");
            break;
        }
        assert_eq!(message["type"], "complete", "{message}");
    }
    server.shut_down().await;
}

#[tokio::test]
async fn operations_over_the_limit_are_refused_until_one_completes() {
    let server = Server::start(WebSocketLimits {
        max_operations: 2,
        ..generous()
    })
    .await;
    let mut socket = server.connect().await;
    for id in ["a", "b"] {
        send(
            &mut socket,
            json!({ "id": id, "type": "subscribe", "payload": { "query": LIVE_EVENTS } }),
        )
        .await;
    }
    send(
        &mut socket,
        json!({ "id": "c", "type": "subscribe", "payload": { "query": "{ __typename }" } }),
    )
    .await;
    let refused = receive(&mut socket).await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["id"], "c");
    assert_eq!(
        refused["payload"][0]["extensions"]["code"],
        "TOO_MANY_OPERATIONS"
    );

    // The client completes one subscription: the next operation runs.
    send(&mut socket, json!({ "id": "a", "type": "complete" })).await;
    send(
        &mut socket,
        json!({ "id": "d", "type": "subscribe", "payload": { "query": "{ __typename }" } }),
    )
    .await;
    let mut served = receive(&mut socket).await;
    if served["id"] == "a" {
        // The server confirms the completion of "a" first.
        assert_eq!(served["type"], "complete", "{served}");
        served = receive(&mut socket).await;
    }
    assert_eq!(served["type"], "next", "{served}");
    assert_eq!(served["id"], "d");
    // A finished query frees its place too: two more queries in a row both run.
    assert_eq!(receive(&mut socket).await["type"], "complete");
    for id in ["e", "f"] {
        send(
            &mut socket,
            json!({ "id": id, "type": "subscribe", "payload": { "query": "{ __typename }" } }),
        )
        .await;
        assert_eq!(receive(&mut socket).await["type"], "next");
        assert_eq!(receive(&mut socket).await["type"], "complete");
    }
    server.shut_down().await;
}

#[tokio::test]
async fn a_client_over_its_socket_limit_is_refused_with_429() {
    let server = Server::start(WebSocketLimits {
        max_connections_per_client: 2,
        ..generous()
    })
    .await;
    let first = server.open().await.expect("the first socket");
    let _second = server.open().await.expect("the second socket");
    match server.open().await {
        Err(tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 429);
            assert!(response.headers().contains_key("retry-after"));
        }
        other => panic!("expected HTTP 429, got {:?}", other.map(|_| "a socket")),
    }

    // Closing a socket frees its place (the server notices the close asynchronously).
    drop(first);
    let mut reopened = None;
    for _ in 0..100 {
        if let Ok(socket) = server.open().await {
            reopened = Some(socket);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(reopened.is_some(), "a place frees when a socket closes");
    server.shut_down().await;
}

#[tokio::test]
async fn silent_peers_are_closed_with_1011_and_answering_ones_stay() {
    let server = Server::start(WebSocketLimits {
        ping_interval: Duration::from_millis(500),
        ..generous()
    })
    .await;
    let mut answering = server.connect().await;
    // A WebSocket library answers pings whenever it reads (and fails to, on a closed
    // connection), so the silent peer is a raw TCP connection that upgrades and then reads
    // nothing until the end.
    let mut silent = silent_upgrade(server.address).await;

    // The answering client reads (and so answers pings) for five intervals.
    let mut pings = 0;
    let until = tokio::time::Instant::now() + Duration::from_millis(2_500);
    while let Ok(frame) = tokio::time::timeout_at(until, answering.next()).await {
        match frame.expect("the socket is open").expect("a frame") {
            Message::Ping(_) => pings += 1,
            other => panic!("unexpected frame {other:?}"),
        }
    }
    assert!(pings >= 2, "the server pings ({pings} pings)");
    send(
        &mut answering,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": "{ __typename }" } }),
    )
    .await;
    assert_eq!(receive(&mut answering).await["type"], "next");

    // The silent one answered no ping: it was sent pings, then a close frame with 1011.
    let mut bytes = Vec::new();
    tokio::time::timeout(WAIT, silent.read_to_end(&mut bytes))
        .await
        .expect("the server ends the connection")
        .expect("readable");
    let codes = close_codes(&bytes);
    assert_eq!(codes, vec![1011], "frames: {bytes:?}");
    server.shut_down().await;
}

/// A raw TCP connection upgraded to `graphql-transport-ws`, past the 101 response.
async fn silent_upgrade(address: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(address).await.expect("connected");
    let request = format!(
        "GET /graphql/ws HTTP/1.1\r\nHost: {address}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("sent");
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        stream.read_exact(&mut byte).await.expect("a response");
        head.push(byte[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    stream
}

/// The codes of the close frames among unmasked server frames (pings and closes only).
fn close_codes(mut bytes: &[u8]) -> Vec<u16> {
    let mut codes = Vec::new();
    while bytes.len() >= 2 {
        let opcode = bytes[0] & 0x0f;
        let length = usize::from(bytes[1] & 0x7f);
        assert!(length < 126, "a short control frame");
        let payload = &bytes[2..2 + length];
        if opcode == 0x8 && payload.len() >= 2 {
            codes.push(u16::from_be_bytes([payload[0], payload[1]]));
        }
        bytes = &bytes[2 + length..];
    }
    codes
}

/// Trusted documents hold over WebSocket too: an anonymous socket runs only the manifest's
/// documents; an authenticated one runs anything.
#[tokio::test]
async fn anonymous_sockets_run_only_trusted_documents() {
    const LISTED: &str = "{ provinces { code } }";
    let manifest = json!({ sha256_hex(LISTED): LISTED }).to_string();
    let server = Server::start_with(RouterOptions {
        persisted: PersistedOptions {
            trusted: Some(Arc::new(
                TrustedDocuments::from_json(&manifest).expect("a valid manifest"),
            )),
            ..PersistedOptions::default()
        },
        ..RouterOptions::default()
    })
    .await;
    let mut anonymous = server.connect_with(json!({})).await;
    send(
        &mut anonymous,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": "{ __typename }" } }),
    )
    .await;
    let refused = receive(&mut anonymous).await;
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_ALLOWED",
        "{refused}"
    );
    send(
        &mut anonymous,
        json!({ "id": "2", "type": "subscribe", "payload": { "query": LISTED } }),
    )
    .await;
    let mut served = receive(&mut anonymous).await;
    if served["id"] == "1" {
        served = receive(&mut anonymous).await;
    }
    assert_eq!(
        served["payload"]["data"]["provinces"][0]["code"], "330000",
        "{served}"
    );

    let mut staff = server.connect().await;
    send(
        &mut staff,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": "{ __typename }" } }),
    )
    .await;
    let served = receive(&mut staff).await;
    assert_eq!(served["payload"]["data"]["__typename"], "Query", "{served}");
    server.shut_down().await;
}
