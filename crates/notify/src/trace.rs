//! Trace context across the outbox: a delivery span continues the trace of the request that
//! caused its event (`domain::trace_context`), and a webhook carries the context on to its
//! receiver as `traceparent`.

use crate::Message;

/// The `traceparent` a webhook sends: the current (delivery) span's when spans are exported,
/// so the receiver's work hangs under the delivery; otherwise the message's stored one,
/// unchanged.
pub(crate) fn outgoing(message: &Message) -> Option<String> {
    domain::trace_context::of_span(&tracing::Span::current())
        .or_else(|| message.traceparent.clone())
        .map(|parent| parent.to_string())
}
