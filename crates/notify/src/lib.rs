//! Notifications for integrators: the adapters that carry outbox events to webhooks, DingTalk
//! and WeCom group robots, and (with the integrators' issue) the dispatcher that feeds them in
//! order per target.
//!
//! Every adapter implements one trait, [`Adapter`], so the dispatcher does not care where a
//! message goes, and tests use [`InMemoryAdapter`] (which production configuration refuses).

mod adapters;
mod dispatcher;
mod memory;
mod trace;

pub use adapters::{AdapterConfig, AdapterConfigError, HttpAdapters, Rendered, render};
pub use dispatcher::{DispatchOptions, Dispatcher, DispatcherHandle, default_holder_id};
pub use memory::InMemoryAdapter;

use std::time::Duration;

/// One outbox event as integrators see it: the same fields as GraphQL's `Event`, and never
/// personal data (the outbox snapshot it is built from has none).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventPayload {
    /// The opaque cursor of the event, the same string as GraphQL's `Event.cursor`.
    pub cursor: String,
    /// The outbox sequence number.
    pub sequence: i64,
    /// Event type, e.g. `CONSULTATION_STATUS_CHANGED`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// When the change was committed (RFC 3339, UTC).
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    /// Codes of every committee the change touches.
    pub region_codes: Vec<String>,
    /// GraphQL type of the changed record, e.g. `Consultation`.
    pub entity_type: String,
    /// Global (Relay) ID of the changed record, as GraphQL's `Event.entityId`.
    pub entity_id: String,
    /// The record's state at the time of the event.
    pub snapshot: serde_json::Value,
}

/// What one delivery carries to one target.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// Stable delivery id, the same on every retry, so receivers can de-duplicate (sent as
    /// `X-Xieshang-Delivery`). For a robot digest it is the id of the first folded delivery.
    pub delivery_id: String,
    /// The events: exactly one for a webhook; one or more for a robot (more than one is a
    /// digest folding a burst into one message).
    pub events: Vec<EventPayload>,
    /// True when staff redelivered a dead letter: it arrives after later events.
    pub redelivery: bool,
    /// True for `sendTestNotification`: a synthetic event that is not in the outbox.
    pub test: bool,
    /// The trace context of the request that caused a webhook's event (see
    /// `domain::trace_context`): its delivery span continues that trace, and the webhook
    /// carries it on as `traceparent`. Robots get none.
    #[serde(skip)]
    pub traceparent: Option<domain::trace_context::TraceParent>,
}

/// Where a message goes: the adapter-specific address and credentials of a target.
#[derive(Clone, Debug)]
pub struct Destination {
    /// Endpoint URL (a webhook URL or a robot URL; robot URLs carry credentials and are never
    /// logged).
    pub url: String,
    /// Signing secret, when the target has one.
    pub secret: Option<String>,
}

/// What the receiving end said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// HTTP status code of the response, when there was one.
    pub status: Option<u16>,
}

/// Why a delivery failed; the dispatcher retries [`NotifyError::Retryable`] with backoff and
/// dead-letters [`NotifyError::Permanent`] at once.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum NotifyError {
    /// A timeout, a connection error, a 5xx or a robot's rate-limit answer: try again later.
    #[error("retryable delivery failure: {message}")]
    Retryable {
        /// What went wrong.
        message: String,
        /// HTTP status, when there was a response.
        status: Option<u16>,
        /// How long the receiver asked us to wait, if it said.
        retry_after: Option<Duration>,
        /// What kind of transport failure it was, when no answer came (see
        /// [`NotifyError::class`]).
        class: Option<ErrorClass>,
    },
    /// The target cannot accept this message (e.g. a malformed URL): retrying will not help.
    #[error("permanent delivery failure: {message}")]
    Permanent {
        /// What went wrong.
        message: String,
        /// HTTP status, when there was a response.
        status: Option<u16>,
    },
}

/// What kind of failure a delivery met, coarse enough to tell a caller what to fix without
/// handing them the transport's error chain (which names addresses and libraries).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// No answer within the timeout (connecting or waiting for the response).
    Timeout,
    /// The connection could not be made or was broken (refused, reset, unreachable).
    ConnectionRefused,
    /// The host name could not be resolved, or resolves only to refused (internal) addresses.
    Dns,
    /// The TLS handshake failed (certificate, protocol).
    Tls,
    /// The receiver answered, but not with success (a non-2xx status, or a robot's error code).
    HttpStatus,
}

impl NotifyError {
    /// The failure's class: the transport class recorded by the adapter, else `HttpStatus` when
    /// the receiver answered; `None` when the message was never sent (e.g. a malformed URL).
    pub fn class(&self) -> Option<ErrorClass> {
        match self {
            NotifyError::Retryable {
                class: Some(class), ..
            } => Some(*class),
            NotifyError::Retryable {
                status: Some(_), ..
            }
            | NotifyError::Permanent {
                status: Some(_), ..
            } => Some(ErrorClass::HttpStatus),
            _ => None,
        }
    }
}

/// A way of delivering messages: webhook, DingTalk robot, WeCom robot, or in-memory for tests.
#[async_trait::async_trait]
pub trait Adapter: Send + Sync {
    /// The adapter's name as stored on notification targets (`WEBHOOK`, `DINGTALK`, `WECOM`).
    fn name(&self) -> &'static str;

    /// Sends one message to one destination.
    async fn deliver(
        &self,
        destination: &Destination,
        message: &Message,
    ) -> Result<Receipt, NotifyError>;
}

/// Finds the adapter for a target's kind. The server uses real HTTP adapters; tests hand the
/// dispatcher and the API an [`InMemoryAdapter`] for every kind.
pub trait AdapterRegistry: Send + Sync {
    /// The adapter that delivers to targets of `kind`.
    fn adapter(&self, kind: entity::enums::NotificationAdapter) -> std::sync::Arc<dyn Adapter>;
}

impl AdapterRegistry for InMemoryAdapter {
    fn adapter(&self, _kind: entity::enums::NotificationAdapter) -> std::sync::Arc<dyn Adapter> {
        std::sync::Arc::new(self.clone())
    }
}
