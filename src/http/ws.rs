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

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use async_graphql::{Data, http::ALL_WEBSOCKET_PROTOCOLS};
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::{
    Extension,
    extract::{
        ConnectInfo, State, WebSocketUpgrade,
        ws::{CloseFrame, Message, WebSocket},
    },
    http::{HeaderMap, HeaderValue, header::AUTHORIZATION},
    response::Response,
};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{Mutex, oneshot};

use crate::{
    app::{AppState, PublicSubmissions},
    auth,
};

/// Close code for a connection whose server is going away (shutdown).
const GOING_AWAY: u16 = 1001;
/// The code async-graphql closes a refused `connection_init` with.
const PROTOCOL_ERROR: u16 = 1002;
/// `graphql-transport-ws`'s close code for a refused `connection_init`, also used when the
/// token of an accepted connection expires.
const FORBIDDEN: u16 = 4403;

/// Upgrades to a GraphQL WebSocket; a request without a supported subprotocol is refused with
/// 400 by the [`GraphQLProtocol`] extractor.
pub(crate) async fn subscriptions(
    State(state): State<AppState>,
    Extension(public): Extension<Arc<PublicSubmissions>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    protocol: GraphQLProtocol,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let peer = peer.map(|Extension(ConnectInfo(address))| address.ip());
    let gate = public.gate(peer, &headers);
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| serve(socket, state, protocol, headers, gate))
}

/// Runs one connection until the client leaves, its token expires or the server shuts down.
async fn serve(
    socket: WebSocket,
    state: AppState,
    protocol: GraphQLProtocol,
    headers: HeaderMap,
    gate: graphql::PublicSubmissionGate,
) {
    let _open = state.socket_opened();
    let mut shutdown = state.shutdown_signal();
    let (sink, stream) = socket.split();
    // Shared so that a close frame can still be sent after the connection future is dropped.
    let sink = Arc::new(Mutex::new(sink));
    let refused = Arc::new(AtomicBool::new(false));
    let outgoing = futures_util::sink::unfold(
        (Arc::clone(&sink), Arc::clone(&refused)),
        |(sink, refused), message: Message| async move {
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
            Ok::<_, axum::Error>((sink, refused))
        },
    );
    // Set once `connection_init` accepts a token; dropped unsent for anonymous or refused
    // connections, which then never expire.
    let (expires_tx, expires_rx) = oneshot::channel::<i64>();
    let on_init = {
        let state = state.clone();
        let refused = Arc::clone(&refused);
        move |payload: serde_json::Value| async move {
            let data = connection_data(&state, &headers, payload, gate).await;
            refused.store(data.is_err(), Ordering::Relaxed);
            let (data, expires) = data?;
            if let Some(expires) = expires {
                let _ = expires_tx.send(expires);
            }
            Ok(data)
        }
    };
    let connection =
        GraphQLWebSocket::new_with_pair(outgoing, stream, state.schema().clone(), protocol)
            .on_connection_init(on_init)
            .serve();
    let close = tokio::select! {
        () = connection => None,
        () = token_expiry(expires_rx) => Some(CloseFrame {
            code: FORBIDDEN,
            reason: "token expired".into(),
        }),
        _ = shutdown.wait_for(|stopping| *stopping) => Some(CloseFrame {
            code: GOING_AWAY,
            reason: "server shutting down".into(),
        }),
    };
    if let Some(frame) = close {
        let mut sink = sink.lock().await;
        let _ = sink.send(Message::Close(Some(frame))).await;
        let _ = sink.close().await;
    }
}

/// Resolves when the token's `exp` (seconds since the Unix epoch) is reached, the moment from
/// which `/graphql` refuses it; never, if no token was accepted.
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
/// with the token's `exp`, after which the connection must end.
async fn connection_data(
    state: &AppState,
    upgrade_headers: &HeaderMap,
    payload: serde_json::Value,
    gate: graphql::PublicSubmissionGate,
) -> async_graphql::Result<(Data, Option<i64>)> {
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
    let (actor, expires) = auth::actor_until(state.db(), state.secret(), &headers)
        .await
        .map_err(|error| async_graphql::Error::new(error.message))?;
    let mut data = Data::default();
    data.insert(actor);
    data.insert(graphql::Loaders::uncached(state.db().clone()));
    data.insert(state.feed());
    data.insert(gate);
    Ok((data, expires))
}
