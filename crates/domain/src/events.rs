//! The outbox as integrators read it: cursors, global ids of changed records, and (with the
//! integrators' issue) listing, filtering and retention of events.
//!
//! One cursor format serves the GraphQL `events` connection, the `events` subscription's
//! `after` argument and the webhook payload, so a client can switch between polling and
//! subscribing without translating anything.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::DomainError;

/// The opaque cursor of the event with `sequence`.
pub fn cursor_of(sequence: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("event:{sequence}"))
}

/// The sequence inside an event cursor; anything else is [`DomainError::Invalid`] for the
/// input field `after`.
pub fn sequence_of(cursor: &str) -> Result<i64, DomainError> {
    let malformed = || DomainError::invalid("after", format!("{cursor:?} is not an event cursor"));
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.as_bytes())
        .map_err(|_| malformed())?;
    let text = String::from_utf8(bytes).map_err(|_| malformed())?;
    text.strip_prefix("event:")
        .and_then(|number| number.parse::<i64>().ok())
        .filter(|sequence| *sequence >= 0)
        .ok_or_else(malformed)
}

/// The global (Relay) ID of record `id` of GraphQL type `type_name`: base64url of
/// `<TypeName>:<id>`, the encoding the `graphql` crate's `node(id:)` decodes.
pub fn global_id(type_name: &str, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        assert_eq!(sequence_of(&cursor_of(42)).ok(), Some(42));
        assert!(sequence_of("not a cursor").is_err());
        assert!(sequence_of(&global_id("Consultation", 1)).is_err());
        assert!(sequence_of(&URL_SAFE_NO_PAD.encode("event:-1")).is_err());
    }
}
