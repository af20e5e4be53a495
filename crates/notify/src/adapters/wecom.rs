//! `WECOM`: a markdown message to a WeCom (企业微信) group robot.
//!
//! The target stores the robot URL as WeCom shows it
//! (`https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`); only its `key` is used, and the
//! message goes to the configured base URL. WeCom robots have no signing; the key is the
//! credential.
//!
//! Answers with `errcode != 0`: 45009 (frequency limit) is retried after a minute; 93000
//! (invalid webhook key: the robot was removed or the URL mistyped) is permanent, because only
//! reconfiguring the target helps, after which staff redeliver the dead letters; anything else
//! is retried.

use std::sync::Arc;

use reqwest::Client;

use super::{
    AdapterConfig,
    http::{self, RobotFailure, Secrets},
    render,
};
use crate::{Adapter, Destination, Message, NotifyError, Receipt};

const NAME: &str = "WECOM";

/// WeCom's limit for `markdown.content`, in UTF-8 bytes.
const MAX_MARKDOWN_BYTES: usize = 4096;

/// Posts markdown to WeCom robots.
pub(super) struct WecomAdapter {
    client: Client,
    config: Arc<AdapterConfig>,
    base_url: String,
}

impl WecomAdapter {
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
        45009 => RobotFailure::RateLimited,
        93000 => RobotFailure::Misconfigured,
        _ => RobotFailure::Other,
    }
}

#[async_trait::async_trait]
impl Adapter for WecomAdapter {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn deliver(
        &self,
        destination: &Destination,
        message: &Message,
    ) -> Result<Receipt, NotifyError> {
        let Some(key) = http::credential(&destination.url, "key") else {
            return Err(Secrets::of(destination, &[])
                .permanent("WECOM: robot URL has no key parameter", None));
        };
        let secrets = Secrets::of(destination, &[&key]);
        let mut endpoint = url::Url::parse(&format!("{}/cgi-bin/webhook/send", self.base_url))
            .map_err(|_| secrets.permanent("WECOM: base URL is malformed", None))?;
        endpoint.query_pairs_mut().append_pair("key", &key);
        // WeCom shows no separate title, so the heading inside the markdown carries it.
        let rendered = render(message, self.config.graphiql_url(), MAX_MARKDOWN_BYTES);
        let body = serde_json::json!({
            "msgtype": "markdown",
            "markdown": { "content": rendered.text },
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
    fn frequency_limit_retries_and_a_bad_key_is_permanent() {
        assert_eq!(classify(45009), RobotFailure::RateLimited);
        assert_eq!(classify(93000), RobotFailure::Misconfigured);
        assert_eq!(classify(-1), RobotFailure::Other);
    }
}
