//! `GET /graphql/ws`: GraphQL subscriptions (and queries and mutations) over WebSocket, in
//! both protocols clients speak — `graphql-transport-ws` (the `graphql-ws` library) and the
//! legacy `graphql-ws` (subscriptions-transport-ws) — chosen by `Sec-WebSocket-Protocol`.
//!
//! The bearer token travels in `connection_init`'s payload (`{ "authorization": "Bearer …" }`,
//! since browsers cannot set headers on a WebSocket); an `Authorization` header on the upgrade
//! request is used when the payload has none. It is verified exactly like on `/graphql`: a
//! token that does not authenticate refuses the connection (`graphql-transport-ws`: close code
//! 4403; legacy: `connection_error`), no token means an anonymous connection, whose
//! subscriptions then fail with `UNAUTHENTICATED`.
//!
//! Authentication happens once, so an authenticated socket is closed with 4403 ("token
//! expired", in both protocols) when its token's `exp` passes; otherwise an expired token
//! would keep working until the client reconnects.
//!
//! axum's graceful shutdown drains HTTP requests but not upgraded connections, so each socket
//! also watches the server's shutdown signal and closes with 1001 (going away).
//!
//! Limits ([`WebSocketLimits`], each with a setting): `connection_init` within 10 s (else close
//! 4408), messages up to 64 KiB (else close 1009), at most 20 operations running on a socket
//! (else an `error` message coded `TOO_MANY_OPERATIONS` for the new one), at most 10 sockets
//! per client address (else HTTP 429 before the upgrade), a ping every 30 s (a socket silent
//! for two intervals is closed with 1011), and the request timeout for queries and mutations
//! (not subscriptions) sent over the socket (error coded `REQUEST_TIMEOUT`).

mod executor;
mod guard;
mod limits;
mod woken;

pub use limits::{ClientSockets, WebSocketLimits};

use std::{
    net::{IpAddr, SocketAddr},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use async_graphql::{
    Data,
    http::{ALL_WEBSOCKET_PROTOCOLS, WebSocketProtocols},
};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::{
    Extension,
    extract::{
        ConnectInfo, State, WebSocketUpgrade,
        ws::{CloseFrame, Message, WebSocket},
    },
    http::{HeaderMap, HeaderValue, StatusCode, header::AUTHORIZATION},
    response::{IntoResponse, Response},
};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{Mutex, oneshot};

use crate::{
    app::{AppState, PublicSubmissions},
    auth,
    client::client_address,
    http::{budget::Budgets, persisted::DocumentPolicy},
};

use executor::{ReadsLog, SocketExecutor};
use guard::SocketWatch;
use limits::{INIT_TIMEOUT, KEEPALIVE_TIMEOUT};

/// The WebSocket limits with the per-client socket count and what is needed to find the
/// client's address; one per router.
pub(crate) struct WebSocketSettings {
    pub(crate) limits: WebSocketLimits,
    pub(crate) sockets: Arc<ClientSockets>,
    pub(crate) trusted_proxies: Vec<IpAddr>,
    /// The router's request timeout, applied to queries and mutations on a socket.
    pub(crate) request_timeout: Duration,
    /// The cost budgets `/graphql` charges too.
    pub(crate) budgets: Arc<Budgets>,
    /// The introspection switch (and persisted documents) of `/graphql`.
    pub(crate) documents: Arc<DocumentPolicy>,
}

/// Close code for a connection whose server is going away (shutdown).
const GOING_AWAY: u16 = 1001;
/// The code async-graphql closes a refused `connection_init` with.
const PROTOCOL_ERROR: u16 = 1002;
/// `graphql-transport-ws`'s close code for a refused `connection_init`, also used when the
/// token of an accepted connection expires.
const FORBIDDEN: u16 = 4403;

/// Upgrades to a GraphQL WebSocket; a request without a supported subprotocol is refused with
/// 400 by the [`GraphQLProtocol`] extractor, a client that already has its share of sockets
/// open with 429.
pub(crate) async fn subscriptions(
    State(state): State<AppState>,
    Extension(public): Extension<Arc<PublicSubmissions>>,
    Extension(settings): Extension<Arc<WebSocketSettings>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    protocol: GraphQLProtocol,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let peer = peer.map(|Extension(ConnectInfo(address))| address.ip());
    let client = client_address(peer, &headers, &settings.trusted_proxies);
    let limits = &settings.limits;
    let Some(place) = settings
        .sockets
        .open(client, limits.max_connections_per_client)
    else {
        return too_many_sockets(limits.max_connections_per_client);
    };
    let gate = public.gate(peer, &headers);
    let request_info = crate::app::request_info(&headers, client);
    let executor = SocketExecutor::new(
        state.schema().clone(),
        settings.request_timeout,
        Arc::clone(&settings.budgets),
        Arc::clone(&settings.documents),
        client,
        ReadsLog {
            db: state.db().clone(),
            request: request_info.clone(),
        },
    );
    let limits = limits.clone();
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(limits.max_message_bytes)
        .max_frame_size(limits.max_message_bytes)
        .on_upgrade(move |socket| async move {
            let _place = place;
            serve(
                socket,
                state,
                executor,
                limits,
                protocol,
                headers,
                (gate, request_info),
            )
            .await;
        })
}

/// The subprotocol the upgrade chose, as [`GraphQLProtocol`] chose it (its field is private):
/// the first one offered that async-graphql speaks.
fn protocol_of(headers: &HeaderMap) -> WebSocketProtocols {
    headers
        .get(axum::http::header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|value| value.to_str().ok())
        .and_then(|offered| {
            offered
                .split(',')
                .find_map(|name| name.trim().parse::<WebSocketProtocols>().ok())
        })
        .unwrap_or(WebSocketProtocols::GraphQLWS)
}

/// HTTP 429 for a client over its socket limit, before any upgrade.
fn too_many_sockets(limit: usize) -> Response {
    let body = serde_json::json!({ "errors": [{
        "message": format!("this client already has {limit} WebSockets open; close one first"),
        "extensions": { "code": "RATE_LIMITED", "retryAfter": RETRY_SOCKET_AFTER_SECS },
    }]});
    (
        StatusCode::TOO_MANY_REQUESTS,
        [
            (axum::http::header::CONTENT_TYPE, "application/json"),
            (axum::http::header::RETRY_AFTER, RETRY_SOCKET_AFTER_HEADER),
        ],
        body.to_string(),
    )
        .into_response()
}

/// When a client refused for too many sockets may try again.
const RETRY_SOCKET_AFTER_SECS: u64 = 10;
const RETRY_SOCKET_AFTER_HEADER: &str = "10";

/// Runs one connection until the client leaves, its token expires, it breaks a limit or the
/// server shuts down.
async fn serve(
    socket: WebSocket,
    state: AppState,
    executor: SocketExecutor,
    limits: WebSocketLimits,
    protocol: GraphQLProtocol,
    headers: HeaderMap,
    (gate, request_info): (graphql::PublicSubmissionGate, domain::audit::RequestInfo),
) {
    let _open = state.socket_opened();
    let mut shutdown = state.shutdown_signal();
    let (sink, stream) = socket.split();
    // Shared so that a close frame can still be sent after the connection future is dropped.
    let sink = Arc::new(Mutex::new(sink));
    let watch = SocketWatch::new(protocol_of(&headers), limits.max_operations);
    let refused = Arc::new(AtomicBool::new(false));
    // Read only when the socket signalled input (see `woken`), not on every outgoing message.
    let incoming = guard::guard(
        woken::PollWhenWoken::new(stream),
        Arc::clone(&watch),
        Arc::clone(&sink),
    );
    let outgoing = futures_util::sink::unfold(
        (Arc::clone(&sink), Arc::clone(&refused), Arc::clone(&watch)),
        |(sink, refused, watch), message: Message| async move {
            watch.observe_outgoing(&message);
            let message = match message {
                Message::Close(Some(frame))
                    if frame.code == PROTOCOL_ERROR && refused.load(Ordering::Relaxed) =>
                {
                    Message::Close(Some(CloseFrame {
                        code: FORBIDDEN,
                        reason: frame.reason,
                    }))
                }
                other => other,
            };
            sink.lock().await.send(message).await?;
            Ok::<_, axum::Error>((sink, refused, watch))
        },
    );
    // Set once `connection_init` accepts a token; dropped unsent for anonymous or refused
    // connections, which then never expire.
    let (expires_tx, expires_rx) = oneshot::channel::<i64>();
    // Likewise the service token's id, to close the socket when the token is revoked.
    let (token_id_tx, token_id_rx) = oneshot::channel::<String>();
    let caller = executor.caller();
    let on_init = {
        let state = state.clone();
        let refused = Arc::clone(&refused);
        move |payload: serde_json::Value| async move {
            let data = connection_data(&state, &headers, payload, gate, request_info).await;
            refused.store(data.is_err(), Ordering::Relaxed);
            let (data, actor, expires) = data?;
            if let Some(token_id) = actor
                .principal()
                .and_then(|principal| principal.token_id.clone())
            {
                let _ = token_id_tx.send(token_id);
            }
            let _ = caller.set(actor);
            if let Some(expires) = expires {
                let _ = expires_tx.send(expires);
            }
            Ok(data)
        }
    };
    let connection = GraphQLWebSocket::new_with_pair(outgoing, incoming, executor, protocol)
        .on_connection_init(on_init)
        .serve();
    let close = tokio::select! {
        () = connection => watch.take_close(),
        frame = init_deadline(&watch, limits.init_timeout) => Some(frame),
        frame = keepalive(&watch, &sink, limits.ping_interval) => Some(frame),
        () = token_expiry(expires_rx) => Some(CloseFrame {
            code: FORBIDDEN,
            reason: "token expired".into(),
        }),
        () = token_revoked(token_id_rx, state.verifier().deny_list().cloned()) => Some(CloseFrame {
            code: FORBIDDEN,
            reason: "token revoked".into(),
        }),
        _ = shutdown.wait_for(|stopping| *stopping) => Some(CloseFrame {
            code: GOING_AWAY,
            reason: "server shutting down".into(),
        }),
    };
    if let Some(frame) = close {
        // Bounded: a peer that stopped reading must not keep the task (and its place in the
        // per-client count) alive forever.
        let _ = tokio::time::timeout(CLOSE_WAIT, async {
            let mut sink = sink.lock().await;
            let _ = sink.send(Message::Close(Some(frame))).await;
            let _ = sink.close().await;
        })
        .await;
    }
}

/// How long the server tries to send a close frame to a peer before it drops the connection.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// Resolves with close code 4408 when the client has not sent `connection_init` within
/// `timeout`; never, once it has.
async fn init_deadline(watch: &SocketWatch, timeout: Duration) -> CloseFrame {
    tokio::time::sleep(timeout).await;
    if watch.initialised() {
        std::future::pending::<()>().await;
    }
    CloseFrame {
        code: INIT_TIMEOUT,
        reason: "connection_init not received in time".into(),
    }
}

/// Pings the client every `interval`; resolves with close code 1011 once nothing (not even a
/// pong) has arrived for two intervals. Browsers and WebSocket libraries answer pings without
/// the application's help, so only a dead peer or a stalled reader is cut off.
async fn keepalive<S>(watch: &SocketWatch, sink: &Mutex<S>, interval: Duration) -> CloseFrame
where
    S: futures_util::Sink<Message> + Unpin,
{
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    loop {
        ticks.tick().await;
        if watch.last_heard().elapsed() >= interval.saturating_mul(2) {
            return CloseFrame {
                code: KEEPALIVE_TIMEOUT,
                reason: "keepalive timeout".into(),
            };
        }
        // A peer that stopped reading (a full TCP window) blocks the send, and with it every
        // other send on the socket: after an interval it counts as dead.
        let sent = tokio::time::timeout(interval, async {
            sink.lock()
                .await
                .send(Message::Ping(Default::default()))
                .await
        })
        .await;
        if sent.is_err() {
            return CloseFrame {
                code: KEEPALIVE_TIMEOUT,
                reason: "keepalive timeout".into(),
            };
        }
    }
}

/// Resolves when the token's `exp` (seconds since the Unix epoch) is reached, the moment from
/// which `/graphql` refuses it; never, if no token was accepted.
/// Resolves when the service token the connection was accepted with is revoked (on this
/// replica's deny list, which other replicas' revocations reach through PostgreSQL's NOTIFY);
/// never for anonymous connections and provider tokens.
async fn token_revoked(
    token_id: oneshot::Receiver<String>,
    revoked: Option<domain::service_tokens::DenyList>,
) {
    let (Ok(token_id), Some(revoked)) = (token_id.await, revoked) else {
        return std::future::pending().await;
    };
    let mut changes = revoked.changes();
    loop {
        if revoked.holds(&token_id) {
            return;
        }
        if changes.changed().await.is_err() {
            return std::future::pending().await;
        }
    }
}

async fn token_expiry(expires: oneshot::Receiver<i64>) {
    let deadline = match expires.await {
        Ok(exp) => u64::try_from(exp)
            .ok()
            .and_then(|exp| UNIX_EPOCH.checked_add(Duration::from_secs(exp))),
        Err(_) => None,
    };
    match deadline {
        Some(deadline) => {
            let left = deadline
                .duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO);
            tokio::time::sleep(left).await;
        }
        None => std::future::pending().await,
    }
}

/// The per-connection data: the caller (from the token in the payload or, failing that, the
/// upgrade request's header), fresh loaders, the event feed and the public-submission gate;
/// the request id and client address for the audit log;
/// with the caller itself (for the executor's budget and introspection rules) and the token's
/// `exp`, after which the connection must end.
async fn connection_data(
    state: &AppState,
    upgrade_headers: &HeaderMap,
    payload: serde_json::Value,
    gate: graphql::PublicSubmissionGate,
    request_info: domain::audit::RequestInfo,
) -> async_graphql::Result<(Data, domain::Actor, Option<i64>)> {
    let token = payload.as_object().and_then(|fields| {
        fields
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
            .map(|(_, value)| value)
    });
    let mut headers = HeaderMap::new();
    match token {
        Some(serde_json::Value::String(token)) => {
            let value = HeaderValue::from_str(token).map_err(|_| {
                async_graphql::Error::new("authorization: not a valid `Bearer <token>` value")
            })?;
            headers.insert(AUTHORIZATION, value);
        }
        Some(_) => {
            return Err(async_graphql::Error::new(
                "authorization: expected a string `Bearer <token>`",
            ));
        }
        None => {
            if let Some(value) = upgrade_headers.get(AUTHORIZATION) {
                headers.insert(AUTHORIZATION, value.clone());
            }
        }
    }
    let (actor, expires) = auth::actor_until(state.db(), state.verifier(), &headers)
        .await
        .map_err(|error| async_graphql::Error::new(error.message))?;
    let mut data = Data::default();
    data.insert(actor.clone());
    data.insert(graphql::Loaders::uncached(state.db().clone()));
    data.insert(state.feed());
    data.insert(gate);
    // The socket's request id and client address, for the audit rows of its mutations.
    data.insert(request_info);
    Ok((data, actor, expires))
}
