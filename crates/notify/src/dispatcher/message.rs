//! From delivery rows and outbox events to the [`Message`] an adapter sends.

use std::collections::HashMap;

use entity::{delivery, event};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use domain::{
    DomainError,
    events::{cursor_of, global_id},
};

use crate::{EventPayload, Message};

/// The events of `rows`, keyed by sequence.
pub(super) async fn events_of(
    connection: &impl ConnectionTrait,
    rows: &[delivery::Model],
) -> Result<HashMap<i64, event::Model>, DomainError> {
    Ok(event::Entity::find()
        .filter(event::Column::Sequence.is_in(rows.iter().map(|row| row.event_sequence)))
        .all(connection)
        .await?
        .into_iter()
        .map(|event| (event.sequence, event))
        .collect())
}

/// An outbox event as integrators see it.
pub(super) fn payload(event: &event::Model) -> EventPayload {
    let region_codes = serde_json::from_str(&event.region_codes).unwrap_or_else(|error| {
        tracing::warn!(sequence = event.sequence, %error, "unreadable region codes in the outbox");
        Vec::new()
    });
    let snapshot = serde_json::from_str(&event.snapshot).unwrap_or_else(|error| {
        tracing::warn!(sequence = event.sequence, %error, "unreadable snapshot in the outbox");
        serde_json::Value::Null
    });
    EventPayload {
        cursor: cursor_of(event.sequence),
        sequence: event.sequence,
        event_type: event.r#type.as_str().to_owned(),
        occurred_at: event.occurred_at,
        region_codes,
        entity_type: event.entity_type.clone(),
        entity_id: global_id(&event.entity_type, event.entity_id),
        snapshot,
    }
}

/// The message carrying `rows` (one delivery, or a robot digest of several in event order): its
/// delivery id is the first row's. `None` when a row's event is gone from the outbox.
pub(super) fn build(
    rows: &[delivery::Model],
    events: &HashMap<i64, event::Model>,
    redelivery: bool,
) -> Option<Message> {
    let first = rows.first()?;
    let payloads = rows
        .iter()
        .map(|row| events.get(&row.event_sequence).map(payload))
        .collect::<Option<Vec<_>>>()?;
    // A webhook message is one event; a digest of several has no single trace to continue.
    let traceparent = match rows {
        [row] => events
            .get(&row.event_sequence)
            .and_then(|event| event.traceparent.as_deref())
            .and_then(domain::trace_context::TraceParent::parse),
        _ => None,
    };
    Some(Message {
        delivery_id: global_id("Delivery", first.id),
        events: payloads,
        redelivery,
        test: false,
        traceparent,
    })
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use entity::enums::{DeliveryStatus, EventType};

    use super::*;

    fn event(sequence: i64) -> event::Model {
        event::Model {
            sequence,
            r#type: EventType::ConsultationCreated,
            entity_type: "Consultation".into(),
            entity_id: 9,
            region_codes: r#"["330000","330100"]"#.into(),
            snapshot: r#"{"status":"PROPOSED"}"#.into(),
            actor: "staff:1".into(),
            occurred_at: Utc::now(),
            restricted: false,
            traceparent: None,
        }
    }

    fn row(id: i64, sequence: i64) -> delivery::Model {
        delivery::Model {
            id,
            target_id: 1,
            event_sequence: sequence,
            status: DeliveryStatus::Pending,
            attempts: 0,
            last_error: None,
            response_code: None,
            next_attempt_at: None,
            delivered_at: None,
            redelivery: false,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn a_digest_carries_every_event_in_order_under_the_first_delivery_id() {
        let events: HashMap<_, _> = [event(4), event(5)]
            .into_iter()
            .map(|event| (event.sequence, event))
            .collect();
        let message = build(&[row(10, 4), row(11, 5)], &events, false).expect("both events exist");
        assert_eq!(message.delivery_id, global_id("Delivery", 10));
        let sequences: Vec<i64> = message.events.iter().map(|event| event.sequence).collect();
        assert_eq!(sequences, [4, 5]);
        let first = &message.events[0];
        assert_eq!(first.cursor, cursor_of(4));
        assert_eq!(first.entity_id, global_id("Consultation", 9));
        assert_eq!(first.region_codes, ["330000", "330100"]);
        assert_eq!(first.snapshot["status"], "PROPOSED");
        assert_eq!(first.event_type, "CONSULTATION_CREATED");
        assert!(build(&[row(12, 6)], &events, false).is_none());
    }
}
