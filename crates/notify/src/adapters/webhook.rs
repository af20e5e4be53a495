//! `WEBHOOK`: the event as JSON, signed with the target's secret.
//!
//! A webhook message carries exactly one event. The dispatcher never folds webhook deliveries,
//! so a message with several events is not expected; if one arrives, only the first event is
//! sent (under the message's delivery id) rather than inventing a batch format receivers do not
//! know.

use std::sync::Arc;

use reqwest::{Client, header};
use serde::Serialize;

use super::{
    AdapterConfig,
    http::{self, Secrets},
    sign,
};
use crate::{Adapter, Destination, EventPayload, Message, NotifyError, Receipt};

const NAME: &str = "WEBHOOK";

/// Posts signed JSON to the target's URL.
pub(super) struct WebhookAdapter {
    client: Client,
    config: Arc<AdapterConfig>,
}

/// The JSON body receivers get.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    delivery_id: &'a str,
    redelivery: bool,
    test: bool,
    event: &'a EventPayload,
}

impl WebhookAdapter {
    pub(super) fn new(client: Client, config: Arc<AdapterConfig>) -> Self {
        Self { client, config }
    }
}

#[async_trait::async_trait]
impl Adapter for WebhookAdapter {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn deliver(
        &self,
        destination: &Destination,
        message: &Message,
    ) -> Result<Receipt, NotifyError> {
        let secrets = Secrets::of(destination, &[]);
        let url = domain::net::parse_http_url(&destination.url)
            .map_err(|_| secrets.permanent("WEBHOOK: target URL is not an http(s) URL", None))?;
        check_destination(
            &destination.url,
            self.config.allow_private_targets,
            &secrets,
        )
        .await?;
        let event = message
            .events
            .first()
            .ok_or_else(|| secrets.permanent("WEBHOOK: message has no event", None))?;
        let body = serde_json::to_vec(&Body {
            delivery_id: &message.delivery_id,
            redelivery: message.redelivery,
            test: message.test,
            event,
        })
        .map_err(|error| {
            secrets.permanent(format!("WEBHOOK: cannot encode event: {error}"), None)
        })?;
        let timestamp = chrono::Utc::now().timestamp();
        let mut request = self
            .client
            .post(url)
            .header(header::CONTENT_TYPE, "application/json")
            .header("X-Xieshang-Event", event.event_type.as_str())
            .header("X-Xieshang-Delivery", message.delivery_id.as_str())
            .header("X-Xieshang-Timestamp", timestamp.to_string());
        if let Some(secret) = destination
            .secret
            .as_deref()
            .filter(|secret| !secret.is_empty())
        {
            request = request.header(
                "X-Xieshang-Signature",
                sign::webhook_signature(secret, timestamp, &body),
            );
        }
        if let Some(traceparent) = crate::trace::outgoing(message) {
            request = request.header("traceparent", traceparent);
        }
        let response = request
            .body(body)
            .send()
            .await
            .map_err(|error| secrets.transport(NAME, error))?;
        let status = response.status();
        if !status.is_success() {
            return Err(http::unsuccessful(NAME, &response, &secrets));
        }
        tracing::debug!(
            adapter = NAME,
            delivery = %message.delivery_id,
            status = status.as_u16(),
            "webhook delivered"
        );
        Ok(Receipt {
            status: Some(status.as_u16()),
        })
    }
}

/// Refuses loopback and private addresses unless configuration allows them, so a target cannot
/// be used to probe the internal network. The check runs again at every send because a name can
/// resolve differently than when the target was saved (DNS rebinding). A refusal is permanent;
/// a name that cannot be resolved right now is retried.
async fn check_destination(
    url: &str,
    allow_private: bool,
    secrets: &Secrets<'_>,
) -> Result<(), NotifyError> {
    match domain::net::ensure_public_destination(url, allow_private).await {
        Ok(()) => Ok(()),
        // Only a refusal names the variable that would allow the address.
        Err(error)
            if error
                .to_string()
                .contains(domain::net::ALLOW_PRIVATE_VARIABLE) =>
        {
            Err(secrets.permanent(format!("WEBHOOK: target refused: {error}"), None))
        }
        Err(error) => Err(secrets.retryable(format!("WEBHOOK: {error}"), None, None)),
    }
}
