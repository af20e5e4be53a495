//! What the three HTTP adapters share: the client, turning transport failures and answers into
//! [`NotifyError`]s, and keeping credentials out of every error message.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use reqwest::{Client, Response, header};

use crate::{Destination, Message, NotifyError, Receipt};

/// How long a robot asks to be left alone after a rate-limit answer: both allow about 20
/// messages a minute, so a minute always clears the window.
pub(super) const ROBOT_BACKOFF: Duration = Duration::from_secs(60);

/// The most of an answer's text kept in an error message.
const MAX_DETAIL_CHARS: usize = 200;

/// The shared client. Redirects are not followed: a webhook that redirects could lead the
/// request to an address the private-target check never saw, and robots never redirect. Unless
/// private targets are allowed, names resolve through [`PublicOnly`].
pub(super) fn client(timeout: Duration, allow_private: bool) -> Result<Client, reqwest::Error> {
    let builder = Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("xieshang/", env!("CARGO_PKG_VERSION")));
    let builder = if allow_private {
        builder
    } else {
        builder.dns_resolver(Arc::new(PublicOnly))
    };
    builder.build()
}

/// Resolves names like the system does, then drops loopback, private and other internal
/// addresses. The check before a send resolves the name separately; a DNS server that answers
/// it with a public address and the connection's lookup with an internal one (rebinding) is
/// stopped here, where the connection's address is chosen. Address literals are checked before
/// the send and never reach a resolver.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let public: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|address| !domain::net::is_internal_address(address.ip()))
                .collect();
            if public.is_empty() {
                return Err("the target's name resolves only to internal addresses".into());
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Credentials of one delivery that must never reach a log line or an error message.
pub(super) struct Secrets<'a> {
    words: Vec<&'a str>,
}

impl<'a> Secrets<'a> {
    /// The destination's URL and secret, plus `extra` (a token or key taken from the URL).
    pub(super) fn of(destination: &'a Destination, extra: &[&'a str]) -> Self {
        let mut words = vec![destination.url.as_str()];
        words.extend(destination.secret.as_deref());
        words.extend(extra.iter().copied());
        words.retain(|word| !word.is_empty());
        Self { words }
    }

    /// `text` with every credential replaced by `[redacted]`.
    pub(super) fn scrub(&self, text: &str) -> String {
        let mut text = text.to_owned();
        // Longest first, so the URL is replaced whole before the token inside it.
        let mut words = self.words.clone();
        words.sort_by_key(|word| std::cmp::Reverse(word.len()));
        for word in words {
            text = text.replace(word, "[redacted]");
        }
        text
    }

    /// A retryable failure with `message` scrubbed.
    pub(super) fn retryable(
        &self,
        message: impl AsRef<str>,
        status: Option<u16>,
        retry_after: Option<Duration>,
    ) -> NotifyError {
        NotifyError::Retryable {
            message: self.scrub(message.as_ref()),
            status,
            retry_after,
        }
    }

    /// A permanent failure with `message` scrubbed.
    pub(super) fn permanent(&self, message: impl AsRef<str>, status: Option<u16>) -> NotifyError {
        NotifyError::Permanent {
            message: self.scrub(message.as_ref()),
            status,
        }
    }

    /// A transport failure (timeout, refused connection, TLS, …): always retryable. The error's
    /// URL is dropped, and its causes are kept for the delivery's `last_error`.
    pub(super) fn transport(&self, adapter: &str, error: reqwest::Error) -> NotifyError {
        let error = error.without_url();
        let what = if error.is_timeout() {
            "timed out"
        } else if error.is_connect() {
            "could not connect"
        } else {
            "request failed"
        };
        let mut message = format!("{adapter}: {what}");
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        self.retryable(message, None, None)
    }
}

/// A non-2xx answer: retryable, honouring `Retry-After` given in seconds.
pub(super) fn unsuccessful(
    adapter: &str,
    response: &Response,
    secrets: &Secrets<'_>,
) -> NotifyError {
    let status = response.status();
    secrets.retryable(
        format!("{adapter}: receiver answered HTTP {}", status.as_u16()),
        Some(status.as_u16()),
        retry_after(response),
    )
}

/// `Retry-After` in seconds (the HTTP-date form is not honoured; backoff applies instead).
fn retry_after(response: &Response) -> Option<Duration> {
    response
        .headers()
        .get(header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// The `{"errcode": …, "errmsg": …}` answer both robots give with HTTP 200.
#[derive(Debug, serde::Deserialize)]
pub(super) struct RobotAnswer {
    /// 0 on success.
    pub errcode: i64,
    /// What went wrong, in the robot's words.
    #[serde(default)]
    pub errmsg: String,
}

/// How a robot's non-zero `errcode` is handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RobotFailure {
    /// Sending too fast: retry after [`ROBOT_BACKOFF`].
    RateLimited,
    /// The target is misconfigured (bad token or key, security setting mismatch): the same
    /// message can never succeed, so it is dead-lettered at once; staff fix the target and
    /// redeliver the dead letters.
    Misconfigured,
    /// Anything else, including "system busy": retry with the usual backoff.
    Other,
}

/// Posts `body` to a robot's `endpoint` and reads its answer (see [`robot_answer`]); the
/// robots differ only in the endpoint, the body and how they number their failures.
pub(super) async fn post_robot(
    client: &Client,
    endpoint: url::Url,
    body: &serde_json::Value,
    secrets: &Secrets<'_>,
    adapter: &str,
    classify: fn(i64) -> RobotFailure,
    message: &Message,
) -> Result<Receipt, NotifyError> {
    let response = client
        .post(endpoint)
        .json(body)
        .send()
        .await
        .map_err(|error| secrets.transport(adapter, error))?;
    let receipt = robot_answer(adapter, response, secrets, classify).await?;
    tracing::debug!(adapter, delivery = %message.delivery_id, "robot message delivered");
    Ok(receipt)
}

/// Reads a robot's answer: a 2xx with `errcode` 0 is success; `classify` decides the rest.
pub(super) async fn robot_answer(
    adapter: &str,
    response: Response,
    secrets: &Secrets<'_>,
    classify: fn(i64) -> RobotFailure,
) -> Result<Receipt, NotifyError> {
    let status = response.status();
    if !status.is_success() {
        return Err(unsuccessful(adapter, &response, secrets));
    }
    let code = Some(status.as_u16());
    let answer: RobotAnswer = response
        .json()
        .await
        .map_err(|_| secrets.retryable(format!("{adapter}: unreadable answer"), code, None))?;
    if answer.errcode == 0 {
        return Ok(Receipt { status: code });
    }
    let detail: String = answer.errmsg.chars().take(MAX_DETAIL_CHARS).collect();
    let message = format!("{adapter}: errcode {}: {detail}", answer.errcode);
    Err(match classify(answer.errcode) {
        RobotFailure::RateLimited => secrets.retryable(message, code, Some(ROBOT_BACKOFF)),
        RobotFailure::Misconfigured => secrets.permanent(message, code),
        RobotFailure::Other => secrets.retryable(message, code, None),
    })
}

/// The value of query parameter `name` in the target's robot URL.
pub(super) fn credential(url: &str, name: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    parsed
        .query_pairs()
        .find(|(key, value)| key == name && !value.is_empty())
        .map(|(_, value)| value.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_url_token_and_secret() {
        let destination = Destination {
            url: "https://oapi.dingtalk.com/robot/send?access_token=tok123".into(),
            secret: Some("SECabc".into()),
        };
        let secrets = Secrets::of(&destination, &["tok123"]);
        let text = "failed for https://oapi.dingtalk.com/robot/send?access_token=tok123 \
                    tok123 SECabc";
        let scrubbed = secrets.scrub(text);
        assert!(
            !scrubbed.contains("tok123") && !scrubbed.contains("SECabc"),
            "{scrubbed}"
        );
        assert_eq!(scrubbed.matches("[redacted]").count(), 3);
    }

    #[test]
    fn credentials_come_from_the_query() {
        let url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k-1&x=y";
        assert_eq!(credential(url, "key").as_deref(), Some("k-1"));
        assert_eq!(credential(url, "access_token"), None);
        assert_eq!(credential("https://x/?key=", "key"), None);
        assert_eq!(credential("not a url", "key"), None);
    }
}

#[cfg(test)]
mod resolver_tests {
    use std::str::FromStr;

    use reqwest::dns::{Name, Resolve};

    use super::PublicOnly;

    #[tokio::test]
    async fn names_resolving_only_to_internal_addresses_are_refused() {
        let name = Name::from_str("localhost").unwrap();
        let refused = PublicOnly.resolve(name).await;
        assert!(refused.is_err(), "localhost resolved to a usable address");
    }
}
