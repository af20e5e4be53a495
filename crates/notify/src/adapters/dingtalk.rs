//! `DINGTALK`: a markdown message to a DingTalk custom group robot (自定义机器人).
//!
//! The target stores the robot URL as DingTalk shows it
//! (`https://oapi.dingtalk.com/robot/send?access_token=…`); only its `access_token` is used, and
//! the message goes to the configured base URL. With a secret, the request is signed as the
//! robot's 加签 security setting requires.
//!
//! Answers with `errcode != 0`: rate limits (130101 "send too fast", 130102, 410100) are retried
//! after a minute; 300001/300005 (no such token: the robot was removed or the URL mistyped) and
//! 310000 (signature, keyword or IP allow-list mismatch) are permanent, because the same message
//! can only succeed once the target is reconfigured, after which staff redeliver the dead
//! letters; anything else is retried.

use std::sync::Arc;

use reqwest::Client;

use super::{
    AdapterConfig,
    http::{self, RobotFailure, Secrets},
    render, sign,
};
use crate::{Adapter, Destination, Message, NotifyError, Receipt};

const NAME: &str = "DINGTALK";

/// DingTalk rejects messages above about 20,000 bytes; stay well below.
const MAX_MARKDOWN_BYTES: usize = 16_000;

/// Posts markdown to DingTalk robots.
pub(super) struct DingTalkAdapter {
    client: Client,
    config: Arc<AdapterConfig>,
    base_url: String,
}

impl DingTalkAdapter {
    pub(super) fn new(client: Client, config: Arc<AdapterConfig>, base_url: String) -> Self {
        Self {
            client,
            config,
            base_url,
        }
    }
}

fn classify(errcode: i64) -> RobotFailure {
    match errcode {
        130101 | 130102 | 410100 => RobotFailure::RateLimited,
        300001 | 300005 | 310000 => RobotFailure::Misconfigured,
        _ => RobotFailure::Other,
    }
}

#[async_trait::async_trait]
impl Adapter for DingTalkAdapter {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn deliver(
        &self,
        destination: &Destination,
        message: &Message,
    ) -> Result<Receipt, NotifyError> {
        let Some(token) = http::credential(&destination.url, "access_token") else {
            return Err(Secrets::of(destination, &[])
                .permanent("DINGTALK: robot URL has no access_token parameter", None));
        };
        let secrets = Secrets::of(destination, &[&token]);
        let mut endpoint = url::Url::parse(&format!("{}/robot/send", self.base_url))
            .map_err(|_| secrets.permanent("DINGTALK: base URL is malformed", None))?;
        {
            let mut query = endpoint.query_pairs_mut();
            query.append_pair("access_token", &token);
            if let Some(secret) = destination
                .secret
                .as_deref()
                .filter(|secret| !secret.is_empty())
            {
                let timestamp = chrono::Utc::now().timestamp_millis();
                // The query serializer percent-encodes the Base64 once: DingTalk's "URL-encoded".
                query.append_pair("timestamp", &timestamp.to_string());
                query.append_pair("sign", &sign::dingtalk_sign(secret, timestamp));
            }
        }
        let rendered = render(message, self.config.graphiql_url(), MAX_MARKDOWN_BYTES);
        let body = serde_json::json!({
            "msgtype": "markdown",
            "markdown": { "title": rendered.title, "text": rendered.text },
        });
        http::post_robot(
            &self.client,
            endpoint,
            &body,
            &secrets,
            NAME,
            classify,
            message,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_retry_and_bad_credentials_are_permanent() {
        assert_eq!(classify(130101), RobotFailure::RateLimited);
        assert_eq!(classify(300001), RobotFailure::Misconfigured);
        assert_eq!(classify(310000), RobotFailure::Misconfigured);
        assert_eq!(classify(-1), RobotFailure::Other);
    }
}
