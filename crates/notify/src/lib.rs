//! Notifications for integrators: the adapters that carry outbox events to webhooks, DingTalk
//! and WeCom group robots, and (with the integrators' issue) the dispatcher that feeds them in
//! order per target.
//!
//! Every adapter implements one trait, [`Adapter`], so the dispatcher does not care where a
//! message goes, and tests use [`InMemoryAdapter`] (which production configuration refuses).

mod memory;

pub use memory::InMemoryAdapter;

use std::time::Duration;

/// One event, rendered for a notification target. Never carries personal data: the outbox
/// snapshot it is built from has none.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Message {
    /// Stable delivery id, the same on every retry, so receivers can de-duplicate.
    pub delivery_id: String,
    /// Event type, e.g. `CONSULTATION_STATUS_CHANGED`.
    pub event_type: String,
    /// The outbox sequence number of the event.
    pub sequence: i64,
    /// The JSON body to send.
    pub body: serde_json::Value,
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
