//! An adapter that keeps messages in memory, for tests of the dispatcher and the API.

use std::sync::{Arc, Mutex};

use crate::{Adapter, Destination, Message, NotifyError, Receipt};

/// Records every message it is given; can be told to fail the next deliveries.
#[derive(Clone, Debug, Default)]
pub struct InMemoryAdapter {
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    delivered: Vec<(String, Message)>,
    failures_to_inject: usize,
}

impl InMemoryAdapter {
    /// Makes the next `count` deliveries fail with a retryable error.
    pub fn fail_next(&self, count: usize) {
        if let Ok(mut state) = self.state.lock() {
            state.failures_to_inject = count;
        }
    }

    /// Every message delivered so far, with the URL it went to.
    pub fn delivered(&self) -> Vec<(String, Message)> {
        self.state
            .lock()
            .map(|state| state.delivered.clone())
            .unwrap_or_default()
    }
}

#[async_trait::async_trait]
impl Adapter for InMemoryAdapter {
    fn name(&self) -> &'static str {
        "IN_MEMORY"
    }

    async fn deliver(
        &self,
        destination: &Destination,
        message: &Message,
    ) -> Result<Receipt, NotifyError> {
        let mut state = self.state.lock().map_err(|_| NotifyError::Permanent {
            message: "in-memory adapter poisoned".into(),
            status: None,
        })?;
        if state.failures_to_inject > 0 {
            state.failures_to_inject -= 1;
            return Err(NotifyError::Retryable {
                message: "injected failure".into(),
                status: Some(503),
                retry_after: None,
                class: None,
            });
        }
        state
            .delivered
            .push((destination.url.clone(), message.clone()));
        Ok(Receipt { status: Some(200) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(sequence: i64) -> Message {
        Message {
            delivery_id: format!("d-{sequence}"),
            events: vec![crate::EventPayload {
                cursor: format!("c-{sequence}"),
                sequence,
                event_type: "CONSULTATION_CREATED".into(),
                occurred_at: chrono::Utc::now(),
                region_codes: vec!["330000".into()],
                entity_type: "Consultation".into(),
                entity_id: "Q29uc3VsdGF0aW9uOjE".into(),
                snapshot: serde_json::json!({ "sequence": sequence }),
            }],
            redelivery: false,
            test: false,
            traceparent: None,
        }
    }

    #[tokio::test]
    async fn records_deliveries_and_injects_failures() {
        let adapter = InMemoryAdapter::default();
        let destination = Destination {
            url: "memory://a".into(),
            secret: None,
        };
        adapter.fail_next(1);
        let first = adapter.deliver(&destination, &message(1)).await;
        assert!(matches!(first, Err(NotifyError::Retryable { .. })));
        let second = adapter.deliver(&destination, &message(1)).await;
        assert_eq!(second, Ok(Receipt { status: Some(200) }));
        let delivered = adapter.delivered();
        assert_eq!(delivered.len(), 1);
        assert_eq!(delivered[0].1.delivery_id, "d-1");
    }
}
