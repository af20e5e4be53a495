//! Watches what a client sends on a GraphQL WebSocket before async-graphql reads it: records
//! when the client was last heard from (for the keepalive) and whether it has sent
//! `connection_init` (for the init timeout), turns an oversized message into close code 1009,
//! and refuses an operation over the per-socket limit with an `error` message for its id.
//!
//! Running operations are counted by id: a `subscribe` (`start` in the legacy protocol) adds
//! one; the client's `complete` (`stop`) or the server's `complete` (sent when an operation
//! ends, see [`SocketWatch::observe_outgoing`]) removes it.

use std::{
    collections::HashSet,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
};

use async_graphql::http::WebSocketProtocols;
use axum::extract::ws::{CloseFrame, Message};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use serde::Deserialize;
use tokio::time::Instant;

use super::limits::{MESSAGE_TOO_BIG, TOO_MANY_OPERATIONS};

/// Longest `complete` message worth parsing: its id plus a little framing. Clients choose
/// operation ids; one longer than this is never removed early, only when the socket closes.
const COMPLETE_MAX_BYTES: usize = 512;

/// What the guard has seen on one socket, shared with the connection driver.
#[derive(Debug)]
pub(crate) struct SocketWatch {
    protocol: WebSocketProtocols,
    max_operations: usize,
    initialised: AtomicBool,
    last_heard: Mutex<Instant>,
    running: Mutex<HashSet<String>>,
    close: Mutex<Option<CloseFrame>>,
}

/// The two fields of a protocol message the guard needs.
#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    id: Option<String>,
}

impl SocketWatch {
    /// A watch for a new socket speaking `protocol`, allowing `max_operations` at once.
    pub(crate) fn new(protocol: WebSocketProtocols, max_operations: usize) -> Arc<Self> {
        Arc::new(Self {
            protocol,
            max_operations,
            initialised: AtomicBool::new(false),
            last_heard: Mutex::new(Instant::now()),
            running: Mutex::new(HashSet::new()),
            close: Mutex::new(None),
        })
    }

    /// Whether the client has sent `connection_init`.
    pub(crate) fn initialised(&self) -> bool {
        self.initialised.load(Ordering::Relaxed)
    }

    /// When anything (a message, a ping or a pong) last arrived from the client.
    pub(crate) fn last_heard(&self) -> Instant {
        self.last_heard
            .lock()
            .map(|heard| *heard)
            .unwrap_or_else(|_| Instant::now())
    }

    /// The close frame the guard decided on when it ended the client's input, if it did.
    pub(crate) fn take_close(&self) -> Option<CloseFrame> {
        self.close.lock().ok().and_then(|mut close| close.take())
    }

    /// How many operations are running.
    #[cfg(test)]
    fn running(&self) -> usize {
        self.running
            .lock()
            .map(|running| running.len())
            .unwrap_or(0)
    }

    /// Notes a message the server sends: `complete` ends an operation.
    pub(crate) fn observe_outgoing(&self, message: &Message) {
        // Results (`next`/`data`) are the bulk of the traffic and never end an operation; a
        // `complete` message is a few dozen bytes, so larger messages are not parsed at all.
        if let Message::Text(text) = message
            && text.len() <= COMPLETE_MAX_BYTES
            && let Ok(envelope) = serde_json::from_str::<Envelope>(text)
            && envelope.kind == "complete"
            && let Some(id) = envelope.id
            && let Ok(mut running) = self.running.lock()
        {
            running.remove(&id);
        }
    }

    /// What to do with one incoming message.
    fn admit(&self, message: &Message) -> Admission {
        if let Ok(mut heard) = self.last_heard.lock() {
            *heard = Instant::now();
        }
        let Message::Text(text) = message else {
            return Admission::Pass;
        };
        let Ok(envelope) = serde_json::from_str::<Envelope>(text) else {
            // async-graphql answers malformed messages itself.
            return Admission::Pass;
        };
        let Ok(mut running) = self.running.lock() else {
            return Admission::Pass;
        };
        match (envelope.kind.as_str(), envelope.id) {
            ("connection_init", _) => self.initialised.store(true, Ordering::Relaxed),
            ("subscribe" | "start", Some(id)) => {
                if !running.contains(&id) && running.len() >= self.max_operations {
                    return Admission::Refuse(self.too_many_operations(&id));
                }
                running.insert(id);
            }
            ("complete" | "stop", Some(id)) => {
                running.remove(&id);
            }
            _ => {}
        }
        Admission::Pass
    }

    /// The `error` message refusing operation `id`, in the socket's protocol.
    fn too_many_operations(&self, id: &str) -> Message {
        let error = serde_json::json!({
            "message": format!(
                "this connection already runs {} operations; complete one first",
                self.max_operations
            ),
            "extensions": { "code": TOO_MANY_OPERATIONS },
        });
        let payload = match self.protocol {
            // graphql-transport-ws: a list of GraphQL errors.
            WebSocketProtocols::GraphQLWS => serde_json::json!([error]),
            // subscriptions-transport-ws: one error object.
            WebSocketProtocols::SubscriptionsTransportWS => error,
        };
        let message = serde_json::json!({ "id": id, "type": "error", "payload": payload });
        Message::Text(message.to_string().into())
    }

    /// Ends the input with `frame` as the reason to give the client.
    fn close_with(&self, frame: CloseFrame) {
        if let Ok(mut close) = self.close.lock() {
            close.get_or_insert(frame);
        }
    }
}

enum Admission {
    Pass,
    Refuse(Message),
}

/// The client's messages as async-graphql should see them: refused operations are answered on
/// `replies` and left out; an oversized message ends the stream with close code 1009 recorded
/// in `watch`.
pub(crate) fn guard<S, R>(
    incoming: S,
    watch: Arc<SocketWatch>,
    replies: Arc<tokio::sync::Mutex<R>>,
) -> impl Stream<Item = Result<Message, axum::Error>>
where
    S: Stream<Item = Result<Message, axum::Error>>,
    R: Sink<Message> + Unpin,
{
    incoming.filter_map(move |item| {
        let watch = Arc::clone(&watch);
        let replies = Arc::clone(&replies);
        async move {
            match item {
                Ok(message) => match watch.admit(&message) {
                    Admission::Pass => Some(Ok(message)),
                    Admission::Refuse(reply) => {
                        let _ = replies.lock().await.send(reply).await;
                        None
                    }
                },
                Err(error) => {
                    if is_too_big(&error) {
                        watch.close_with(CloseFrame {
                            code: MESSAGE_TOO_BIG,
                            reason: "message too big".into(),
                        });
                    }
                    Some(Err(error))
                }
            }
        }
    })
}

/// Whether a read failed because the client's message or frame exceeded the size limit.
fn is_too_big(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(tungstenite::Error::Capacity(_)) = current.downcast_ref::<tungstenite::Error>()
        {
            return true;
        }
        source = current.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: serde_json::Value) -> Message {
        Message::Text(value.to_string().into())
    }

    #[test]
    fn operations_over_the_limit_are_refused_until_one_completes() {
        let watch = SocketWatch::new(WebSocketProtocols::GraphQLWS, 2);
        for id in ["a", "b"] {
            assert!(matches!(
                watch.admit(&text(serde_json::json!({"type": "subscribe", "id": id}))),
                Admission::Pass
            ));
        }
        let Admission::Refuse(Message::Text(reply)) =
            watch.admit(&text(serde_json::json!({"type": "subscribe", "id": "c"})))
        else {
            panic!("the third operation is refused");
        };
        let reply: serde_json::Value = serde_json::from_str(&reply).expect("JSON");
        assert_eq!(reply["id"], "c");
        assert_eq!(
            reply["payload"][0]["extensions"]["code"],
            TOO_MANY_OPERATIONS
        );
        watch.observe_outgoing(&text(serde_json::json!({"type": "complete", "id": "a"})));
        assert_eq!(watch.running(), 1);
        assert!(matches!(
            watch.admit(&text(serde_json::json!({"type": "subscribe", "id": "c"}))),
            Admission::Pass
        ));
    }

    #[test]
    fn legacy_clients_free_places_with_stop() {
        let watch = SocketWatch::new(WebSocketProtocols::SubscriptionsTransportWS, 1);
        let _ = watch.admit(&text(serde_json::json!({"type": "start", "id": "1"})));
        let Admission::Refuse(Message::Text(reply)) =
            watch.admit(&text(serde_json::json!({"type": "start", "id": "2"})))
        else {
            panic!("the second operation is refused");
        };
        let reply: serde_json::Value = serde_json::from_str(&reply).expect("JSON");
        assert_eq!(reply["payload"]["extensions"]["code"], TOO_MANY_OPERATIONS);
        let _ = watch.admit(&text(serde_json::json!({"type": "stop", "id": "1"})));
        assert_eq!(watch.running(), 0);
    }

    #[test]
    fn connection_init_is_noticed() {
        let watch = SocketWatch::new(WebSocketProtocols::GraphQLWS, 1);
        assert!(!watch.initialised());
        let _ = watch.admit(&text(serde_json::json!({"type": "connection_init"})));
        assert!(watch.initialised());
    }
}
