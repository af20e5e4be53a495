//! What the three HTTP adapters share: the client, turning transport failures and answers into
//! [`NotifyError`]s, and keeping credentials out of every error message.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use reqwest::{Client, Response, header};

use crate::{Destination, ErrorClass, Message, NotifyError, Receipt};

/// How long a robot asks to be left alone after a rate-limit answer: both allow about 20
/// messages a minute, so a minute always clears the window.
pub(super) const ROBOT_BACKOFF: Duration = Duration::from_secs(60);

/// The most of an answer's text kept in an error message.
const MAX_DETAIL_CHARS: usize = 200;

/// The shared client. Redirects are not followed: a webhook that redirects could lead the
/// request to an address the private-target check never saw, and robots never redirect. Unless
/// private targets are allowed, names resolve through [`PublicOnly`]. Proxy variables
/// (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`) are ignored: through a proxy the connection's
/// address is the proxy's and the private-address guard would never see where the request
/// really goes.
pub(super) fn client(timeout: Duration, allow_private: bool) -> Result<Client, reqwest::Error> {
    let builder = Client::builder()
        .no_proxy()
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
            class: None,
        }
    }

    /// A permanent failure with `message` scrubbed.
    pub(super) fn permanent(&self, message: impl AsRef<str>, status: Option<u16>) -> NotifyError {
        NotifyError::Permanent {
            message: self.scrub(message.as_ref()),
            status,
        }
    }

    /// A transport failure (timeout, refused connection, DNS, TLS, …): always retryable, with
    /// its [`ErrorClass`]. The message names the class only: the error chain names addresses
    /// and libraries, which is no business of whoever reads `lastError` or a test result; it
    /// goes to the debug log instead (without the URL).
    pub(super) fn transport(&self, adapter: &str, error: reqwest::Error) -> NotifyError {
        let error = error.without_url();
        let class = classify(&error);
        tracing::debug!(adapter, ?class, error = %self.scrub(&chain(&error)), "transport failure");
        let what = match class {
            ErrorClass::Timeout => "timed out",
            ErrorClass::ConnectionRefused => "could not connect",
            ErrorClass::Dns => "could not resolve the host name to a public address",
            ErrorClass::Tls => "the TLS handshake failed",
            ErrorClass::HttpStatus => "the answer could not be read",
        };
        NotifyError::Retryable {
            message: format!("{adapter}: {what}"),
            status: None,
            retry_after: None,
            class: Some(class),
        }
    }
}

/// An error and its causes, one line.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Sorts a transport failure into an [`ErrorClass`] by walking its causes: I/O error kinds
/// first, then what hyper and rustls say (they expose no types to match on through reqwest).
fn classify(error: &reqwest::Error) -> ErrorClass {
    if error.is_timeout() {
        return ErrorClass::Timeout;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    let mut text = String::new();
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::TimedOut => return ErrorClass::Timeout,
                std::io::ErrorKind::ConnectionRefused => return ErrorClass::ConnectionRefused,
                _ => {}
            }
        }
        text.push_str(&cause.to_string().to_ascii_lowercase());
        text.push(' ');
        source = cause.source();
    }
    if text.contains("dns error")
        || text.contains("resolves only to internal")
        || text.contains("failed to lookup")
        || text.contains("name or service not known")
    {
        ErrorClass::Dns
    } else if text.contains("tls")
        || text.contains("certificate")
        || text.contains("handshake")
        || text.contains("invalid peer")
        || text.contains("received corrupt message")
    {
        ErrorClass::Tls
    } else if error.is_connect() || error.is_request() {
        ErrorClass::ConnectionRefused
    } else {
        ErrorClass::HttpStatus
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

    /// The client never goes through a proxy named in the environment. The variables are set
    /// for a child run of this very test (a test may not change its own process environment
    /// safely), which then checks the client it builds.
    #[test]
    fn proxy_variables_are_ignored() {
        const CHILD: &str = "XIESHANG_TEST_PROXY_CHILD";
        if std::env::var_os(CHILD).is_some() {
            for allow_private in [false, true] {
                let client = client(Duration::from_secs(1), allow_private).expect("a client");
                let shown = format!("{client:?}");
                assert!(!shown.contains("proxies"), "{shown}");
            }
            return;
        }
        let status = std::process::Command::new(std::env::current_exe().expect("the test binary"))
            .args([
                "adapters::http::tests::proxy_variables_are_ignored",
                "--exact",
                "--test-threads=1",
            ])
            .env(CHILD, "1")
            .env("HTTP_PROXY", "http://127.0.0.1:9")
            .env("HTTPS_PROXY", "http://127.0.0.1:9")
            .env("ALL_PROXY", "http://127.0.0.1:9")
            .env("http_proxy", "http://127.0.0.1:9")
            .env("https_proxy", "http://127.0.0.1:9")
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .status()
            .expect("the child test runs");
        assert!(status.success(), "the client picked up a proxy variable");
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
