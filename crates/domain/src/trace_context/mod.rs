//! The W3C trace context (`traceparent`) a write carries into the outbox, so that the webhook
//! deliveries of its events continue the trace of the request that caused them.
//!
//! The HTTP layer decides which context a request runs in (its own span's, or one a trusted
//! caller sent) and runs the request under [`scope`]; [`crate::outbox::append`] stores
//! [`current`] with every event. Writes outside a request (the command line, background jobs)
//! have none.
//!
//! With an OpenTelemetry exporter ([`spans`]), the same contexts link spans across the outbox,
//! and every SQL statement is a span of its own.

mod spans;

pub(crate) use spans::statement_span;
pub use spans::{continue_from, enable_statement_spans, of_span};

tokio::task_local! {
    static CURRENT: TraceParent;
}

/// A well-formed W3C `traceparent` value, normalised to version `00`:
/// `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TraceParent(String);

impl TraceParent {
    /// Parses a header value as the W3C Trace Context specification says: lowercase hex,
    /// neither id all zeros, version `ff` invalid, version `00` exactly 55 characters, and a
    /// later version read by its first four fields. `None` for anything else, which the caller
    /// then ignores (a malformed header never fails a request).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let head = text.get(..55)?;
        let mut fields = head.split('-');
        let (version, trace_id, parent_id, flags) = (
            fields.next()?,
            fields.next()?,
            fields.next()?,
            fields.next()?,
        );
        let hex = |field: &str, len: usize| {
            field.len() == len
                && field
                    .bytes()
                    .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
        };
        let zeros = |field: &str| field.bytes().all(|byte| byte == b'0');
        let well_formed = hex(version, 2)
            && version != "ff"
            && hex(trace_id, 32)
            && !zeros(trace_id)
            && hex(parent_id, 16)
            && !zeros(parent_id)
            && hex(flags, 2);
        let rest = &text[55..];
        let ends_right = if version == "00" {
            rest.is_empty()
        } else {
            rest.is_empty() || rest.starts_with('-')
        };
        (well_formed && ends_right).then(|| Self(format!("00-{trace_id}-{parent_id}-{flags}")))
    }

    /// The value as sent in a `traceparent` header.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The trace id (32 hex digits).
    pub fn trace_id(&self) -> &str {
        &self.0[3..35]
    }

    /// The parent (span) id (16 hex digits).
    pub fn parent_id(&self) -> &str {
        &self.0[36..52]
    }

    /// The trace flags (bit 0: sampled).
    pub fn flags(&self) -> u8 {
        u8::from_str_radix(&self.0[53..55], 16).unwrap_or_default()
    }
}

impl std::fmt::Display for TraceParent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Runs `future` with `parent` as the trace context its writes record (none when `None`).
pub async fn scope<F: Future>(parent: Option<TraceParent>, future: F) -> F::Output {
    match parent {
        Some(parent) => CURRENT.scope(parent, future).await,
        None => future.await,
    }
}

/// The trace context of the running request, if it has one.
pub fn current() -> Option<TraceParent> {
    CURRENT.try_with(Clone::clone).ok()
}

#[cfg(test)]
mod tests {
    use super::TraceParent;

    const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn well_formed_values_parse_and_keep_their_ids() {
        let parent = TraceParent::parse(VALID).expect("valid");
        assert_eq!(parent.as_str(), VALID);
        assert_eq!(parent.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(parent.parent_id(), "00f067aa0ba902b7");
        // A later version is read by its first four fields, normalised to version 00.
        let later = "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-adds";
        assert_eq!(
            TraceParent::parse(later).expect("later version").as_str(),
            VALID
        );
    }

    #[test]
    fn malformed_values_are_ignored() {
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",
            "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",
            "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\u{e9}",
        ] {
            assert_eq!(TraceParent::parse(bad), None, "{bad:?}");
        }
    }

    #[tokio::test]
    async fn a_scope_sets_the_current_context_for_its_future_only() {
        let parent = TraceParent::parse(VALID);
        assert_eq!(super::current(), None);
        let seen = super::scope(parent.clone(), async { super::current() }).await;
        assert_eq!(seen, parent);
        assert_eq!(super::current(), None);
    }
}
