//! The HTTP adapters: signed webhooks, DingTalk group robots and WeCom group robots.
//!
//! All three share one [`reqwest::Client`] (one connection pool, one timeout) built by
//! [`HttpAdapters::new`]. Robot base URLs are configuration so tests, and intranets that reach
//! DingTalk or WeCom through a gateway, can point them elsewhere; the robot URL a target stores
//! is only read for its credential (`access_token` or `key`).
//!
//! Target URLs, access tokens, keys and secrets are credentials: they never appear in a log line
//! or in a [`NotifyError`] message (reqwest errors are stripped of their URL, and every message
//! is scrubbed of the destination's URL, token and secret before it leaves this module).

mod dingtalk;
mod http;
mod render;
mod sign;
mod webhook;
mod wecom;

use std::{sync::Arc, time::Duration};

use entity::enums::NotificationAdapter;

use crate::{Adapter, AdapterRegistry};

pub use render::{Rendered, render};

/// Where the HTTP adapters send and what they put in messages.
#[derive(Clone, Debug)]
pub struct AdapterConfig {
    /// DingTalk's API root; robot messages go to `{dingtalk_base_url}/robot/send`.
    pub dingtalk_base_url: String,
    /// WeCom's API root; robot messages go to `{wecom_base_url}/cgi-bin/webhook/send`.
    pub wecom_base_url: String,
    /// This server's public address, for the links in robot messages (GraphiQL is the only UI).
    pub public_url: String,
    /// How long one delivery may take, connecting included, before it counts as failed.
    pub timeout: Duration,
    /// Whether webhook targets on loopback or private addresses may be called (tests, intranet
    /// deployments); off by default so a target cannot be used to probe the internal network.
    pub allow_private_targets: bool,
    /// Whether robot messages link to GraphiQL: off when the server does not serve it
    /// (`XIESHANG_INTROSPECTION=off`).
    pub graphiql_links: bool,
}

impl AdapterConfig {
    /// Where robot messages link to, if anywhere.
    fn graphiql_url(&self) -> Option<&str> {
        self.graphiql_links.then_some(self.public_url.as_str())
    }
}

impl Default for AdapterConfig {
    fn default() -> Self {
        Self {
            dingtalk_base_url: "https://oapi.dingtalk.com".to_owned(),
            wecom_base_url: "https://qyapi.weixin.qq.com".to_owned(),
            public_url: "http://127.0.0.1:8000".to_owned(),
            timeout: Duration::from_secs(10),
            allow_private_targets: false,
            graphiql_links: true,
        }
    }
}

/// Why the HTTP adapters could not be built.
#[derive(Debug, thiserror::Error)]
pub enum AdapterConfigError {
    /// A configured base URL is not an absolute `http(s)` URL.
    #[error("{setting} is not an absolute http(s) URL: {value:?}")]
    InvalidUrl {
        /// Which setting.
        setting: &'static str,
        /// What it holds (base URLs carry no credentials).
        value: String,
    },
    /// The HTTP client could not be built (e.g. no TLS backend).
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// The production [`AdapterRegistry`]: one adapter per [`NotificationAdapter`] kind, sharing
/// one HTTP client.
#[derive(Clone)]
pub struct HttpAdapters {
    webhook: Arc<webhook::WebhookAdapter>,
    dingtalk: Arc<dingtalk::DingTalkAdapter>,
    wecom: Arc<wecom::WecomAdapter>,
}

impl std::fmt::Debug for HttpAdapters {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("HttpAdapters")
            .finish_non_exhaustive()
    }
}

impl HttpAdapters {
    /// Checks the configuration and builds the shared client.
    pub fn new(config: AdapterConfig) -> Result<Self, AdapterConfigError> {
        let dingtalk_base = base_url("dingtalk_base_url", &config.dingtalk_base_url)?;
        let wecom_base = base_url("wecom_base_url", &config.wecom_base_url)?;
        base_url("public_url", &config.public_url)?;
        let client = http::client(config.timeout, config.allow_private_targets)
            .map_err(|error| AdapterConfigError::Client(error.without_url().to_string()))?;
        let config = Arc::new(config);
        Ok(Self {
            webhook: Arc::new(webhook::WebhookAdapter::new(client.clone(), config.clone())),
            dingtalk: Arc::new(dingtalk::DingTalkAdapter::new(
                client.clone(),
                config.clone(),
                dingtalk_base,
            )),
            wecom: Arc::new(wecom::WecomAdapter::new(client, config, wecom_base)),
        })
    }
}

impl AdapterRegistry for HttpAdapters {
    fn adapter(&self, kind: NotificationAdapter) -> Arc<dyn Adapter> {
        match kind {
            NotificationAdapter::Webhook => self.webhook.clone(),
            NotificationAdapter::Dingtalk => self.dingtalk.clone(),
            NotificationAdapter::Wecom => self.wecom.clone(),
        }
    }
}

/// `value` as an absolute `http(s)` URL without a trailing slash, so paths can be appended.
fn base_url(setting: &'static str, value: &str) -> Result<String, AdapterConfigError> {
    let invalid = || AdapterConfigError::InvalidUrl {
        setting,
        value: value.to_owned(),
    };
    let parsed = url::Url::parse(value).map_err(|_| invalid())?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.cannot_be_a_base() {
        return Err(invalid());
    }
    Ok(value.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphiql_links_follow_the_setting() {
        let config = AdapterConfig::default();
        assert_eq!(config.graphiql_url(), Some("http://127.0.0.1:8000"));
        let config = AdapterConfig {
            graphiql_links: false,
            ..AdapterConfig::default()
        };
        assert_eq!(config.graphiql_url(), None);
    }

    #[test]
    fn base_urls_must_be_http() {
        assert!(HttpAdapters::new(AdapterConfig::default()).is_ok());
        for bad in ["oapi.dingtalk.com", "ftp://example.com", "mailto:a@b.c"] {
            let config = AdapterConfig {
                dingtalk_base_url: bad.to_owned(),
                ..AdapterConfig::default()
            };
            assert!(
                matches!(
                    HttpAdapters::new(config),
                    Err(AdapterConfigError::InvalidUrl {
                        setting: "dingtalk_base_url",
                        ..
                    })
                ),
                "{bad}"
            );
        }
        assert_eq!(
            base_url("x", "http://127.0.0.1:9/").ok().as_deref(),
            Some("http://127.0.0.1:9")
        );
    }

    #[test]
    fn registry_hands_out_the_adapter_of_each_kind() {
        let adapters = HttpAdapters::new(AdapterConfig::default()).expect("default config");
        for kind in NotificationAdapter::ALL {
            assert_eq!(adapters.adapter(*kind).name(), kind.as_str());
        }
    }
}
