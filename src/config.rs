//! Configuration from the environment (`XIESHANG_*`, `DATABASE_URL`), one struct per concern.
//! Every default gives the embedded mode, so a bare `xieshang` needs no configuration at all.
//! Errors name the variable at fault. `.env.sample` lists every variable.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

/// Where the data lives. `Debug` is written by hand: `DATABASE_URL` may carry the password.
#[derive(Clone)]
pub struct DatabaseConfig {
    /// `DATABASE_URL`; `None` means the embedded SQLite file.
    pub url: Option<String>,
    /// `XIESHANG_SQLITE_PATH`: the embedded database file (default `./xieshang.db`).
    pub sqlite_path: PathBuf,
    /// `XIESHANG_DB_POOL_SIZE`: connections in the read pool (default 8).
    pub pool_size: u32,
}

impl DatabaseConfig {
    /// Reads the database settings.
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            url: var("DATABASE_URL").filter(|url| !url.trim().is_empty()),
            sqlite_path: var("XIESHANG_SQLITE_PATH")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("xieshang.db")),
            pool_size: parse("XIESHANG_DB_POOL_SIZE", 8)?,
        })
    }

    /// True for the embedded default (no `DATABASE_URL`).
    pub fn is_embedded(&self) -> bool {
        self.url.is_none()
    }

    /// The URL to connect to.
    pub fn connection_url(&self) -> String {
        self.url
            .clone()
            .unwrap_or_else(|| domain::db::sqlite_url(&self.sqlite_path))
    }
}

impl std::fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &self.url.as_deref().map(domain::db::redact_url))
            .field("sqlite_path", &self.sqlite_path)
            .field("pool_size", &self.pool_size)
            .finish()
    }
}

/// How `serve` listens and behaves.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// `XIESHANG_LISTEN` (default `127.0.0.1:8000`).
    pub listen: SocketAddr,
    /// `XIESHANG_DEMO`: load the demo data into an empty database at start-up. Default: on for
    /// the embedded SQLite database, off with `DATABASE_URL`, so that a production database
    /// never receives synthetic data by accident.
    pub demo: bool,
    /// `XIESHANG_CORS_ORIGINS`: comma-separated origins allowed to call the API from a browser
    /// (`*` for any). Default: none, i.e. same-origin only.
    pub cors_origins: Vec<String>,
    /// `XIESHANG_REQUEST_TIMEOUT_SECS`: requests running longer are answered 408 (default 30).
    pub request_timeout: Duration,
    /// `XIESHANG_TRUSTED_PROXIES`: comma-separated proxy addresses whose `X-Forwarded-For` is
    /// believed when rate-limiting public submissions and keying cost budgets (default: none).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// `XIESHANG_PUBLIC_TOPICS_PER_HOUR`: public topics one client address may submit per hour
    /// (default 5).
    pub public_topics_per_hour: u32,
    /// `XIESHANG_QUOTA_COUNTY_MAIN_CONSULTATIONS` (default 6) and
    /// `XIESHANG_QUOTA_LOUNGE_PLANNED_ACTIVITIES` (default 4): the yearly quotas statistics
    /// measure compliance against ("6+X", "4+X").
    pub quotas: domain::statistics::Quotas,
    /// `XIESHANG_WS_INIT_TIMEOUT_SECS` (default 10), `XIESHANG_WS_MAX_MESSAGE_BYTES` (default
    /// 65536), `XIESHANG_WS_MAX_OPERATIONS` (default 20),
    /// `XIESHANG_WS_MAX_CONNECTIONS_PER_CLIENT` (default 10) and
    /// `XIESHANG_WS_PING_INTERVAL_SECS` (default 30), `XIESHANG_WS_REPLAY_EVENTS_PER_SECOND`
    /// (default 500): the limits of GraphQL WebSockets.
    pub websocket: crate::http::ws::WebSocketLimits,
    /// Cost limit, budgets per client and load shedding: see [`budget_options`].
    pub budgets: crate::http::budget::BudgetOptions,
    /// `XIESHANG_INTROSPECTION`: `on` (default), `off` or `authenticated`; GraphiQL,
    /// `/schema.graphql` and the GraphiQL links in robot messages follow it.
    pub introspection: crate::http::introspection::Introspection,
    /// `XIESHANG_APQ_MAX_DOCUMENTS` (default 1000; 0 turns APQ registration off),
    /// `XIESHANG_APQ_MAX_DOCUMENT_BYTES` (default 16384) and `XIESHANG_TRUSTED_DOCUMENTS` (a JSON
    /// manifest file; default none): persisted documents.
    pub persisted: crate::http::persisted::PersistedOptions,
    /// `XIESHANG_PUBLIC_CACHE_MAX_AGE_SECS`: `max-age` of anonymous GET responses shared caches
    /// may store (default 60; 0 for none).
    pub public_cache_max_age: u32,
    /// `XIESHANG_READY_HEARTBEAT_SECS`: `/readyz` fails when the event pump's or the
    /// dispatcher's loop has not ticked for this long (default 30).
    pub ready_heartbeat_max_age: Duration,
    /// `XIESHANG_METRICS_LISTEN`: where Prometheus metrics are served (`GET /metrics`), on a
    /// listener of their own so that they are never public by accident (default: off).
    pub metrics_listen: Option<SocketAddr>,
    /// `XIESHANG_UPLOAD_MAX_BYTES`: the largest file `importRecords` accepts (default 20 MiB).
    pub upload_max_bytes: u64,
    /// `XIESHANG_IMPORT_MAX_ROWS` (default 200,000) and `XIESHANG_IMPORT_MAX_UNPACKED_BYTES`
    /// (default 256 MiB): what an import reads at most.
    pub import_limits: records::Limits,
    /// `XIESHANG_IMPORT_JOB_RETENTION_DAYS`: how long an import job and its report (which
    /// quotes cells) are kept after it started (default 7, 1 to 3650).
    pub import_job_retention: Duration,
}

impl ServerConfig {
    /// Reads the server settings; `embedded` tells the default of `XIESHANG_DEMO`.
    pub fn from_env(embedded: bool) -> Result<Self, ConfigError> {
        let listen = var("XIESHANG_LISTEN").unwrap_or_else(|| "127.0.0.1:8000".to_owned());
        let listen = listen.parse().map_err(|_| ConfigError {
            variable: "XIESHANG_LISTEN",
            message: format!("{listen:?} is not an address like 127.0.0.1:8000"),
        })?;
        Ok(Self {
            listen,
            demo: flag("XIESHANG_DEMO", embedded)?,
            cors_origins: var("XIESHANG_CORS_ORIGINS")
                .map(|origins| {
                    origins
                        .split(',')
                        .map(|origin| origin.trim().to_owned())
                        .filter(|origin| !origin.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            request_timeout: Duration::from_secs(parse("XIESHANG_REQUEST_TIMEOUT_SECS", 30)?),
            trusted_proxies: addresses("XIESHANG_TRUSTED_PROXIES")?,
            public_topics_per_hour: parse("XIESHANG_PUBLIC_TOPICS_PER_HOUR", 5)?,
            quotas: domain::statistics::Quotas {
                county_main_consultations: parse("XIESHANG_QUOTA_COUNTY_MAIN_CONSULTATIONS", 6)?,
                lounge_planned_activities: parse("XIESHANG_QUOTA_LOUNGE_PLANNED_ACTIVITIES", 4)?,
            },
            websocket: websocket_limits()?,
            budgets: budget_options()?,
            introspection: introspection()?,
            persisted: persisted()?,
            public_cache_max_age: parse("XIESHANG_PUBLIC_CACHE_MAX_AGE_SECS", 60)?,
            ready_heartbeat_max_age: Duration::from_secs(within(
                "XIESHANG_READY_HEARTBEAT_SECS",
                crate::app::DEFAULT_READY_HEARTBEAT_MAX_AGE.as_secs(),
                1..=86_400,
            )?),
            metrics_listen: metrics_listen()?,
            upload_max_bytes: within(
                "XIESHANG_UPLOAD_MAX_BYTES",
                20 * 1024 * 1024,
                1..=1024 * 1024 * 1024,
            )?,
            import_limits: import_limits()?,
            import_job_retention: Duration::from_secs(
                within("XIESHANG_IMPORT_JOB_RETENTION_DAYS", 7, 1..=3650)? * 86_400,
            ),
        })
    }
}

/// What an import reads at most; each limit at least 1.
pub fn import_limits() -> Result<records::Limits, ConfigError> {
    let defaults = records::Limits::default();
    Ok(records::Limits {
        max_rows: usize::try_from(within(
            "XIESHANG_IMPORT_MAX_ROWS",
            defaults.max_rows as u64,
            1..=10_000_000,
        )?)
        .unwrap_or(defaults.max_rows),
        max_unpacked_bytes: within(
            "XIESHANG_IMPORT_MAX_UNPACKED_BYTES",
            defaults.max_unpacked_bytes,
            1..=16 * 1024 * 1024 * 1024,
        )?,
    })
}

/// `XIESHANG_METRICS_LISTEN`: an address, or unset/empty for no metrics listener.
fn metrics_listen() -> Result<Option<SocketAddr>, ConfigError> {
    let Some(text) = var("XIESHANG_METRICS_LISTEN").filter(|text| !text.trim().is_empty()) else {
        return Ok(None);
    };
    text.trim().parse().map(Some).map_err(|_| ConfigError {
        variable: "XIESHANG_METRICS_LISTEN",
        message: format!("{text:?} is not an address like 127.0.0.1:9100"),
    })
}

/// The WebSocket limits; each must be at least 1 (a zero would refuse every socket).
fn websocket_limits() -> Result<crate::http::ws::WebSocketLimits, ConfigError> {
    let defaults = crate::http::ws::WebSocketLimits::default();
    let count = |variable, default: usize| -> Result<usize, ConfigError> {
        let value = within(variable, default as u64, 1..=1_000_000)?;
        usize::try_from(value).map_err(|_| ConfigError {
            variable,
            message: format!("{value} is too large"),
        })
    };
    Ok(crate::http::ws::WebSocketLimits {
        init_timeout: Duration::from_secs(within(
            "XIESHANG_WS_INIT_TIMEOUT_SECS",
            defaults.init_timeout.as_secs(),
            1..=3600,
        )?),
        max_message_bytes: within(
            "XIESHANG_WS_MAX_MESSAGE_BYTES",
            defaults.max_message_bytes as u64,
            1024..=16 * 1024 * 1024,
        )? as usize,
        max_operations: count("XIESHANG_WS_MAX_OPERATIONS", defaults.max_operations)?,
        max_connections_per_client: count(
            "XIESHANG_WS_MAX_CONNECTIONS_PER_CLIENT",
            defaults.max_connections_per_client,
        )?,
        ping_interval: Duration::from_secs(within(
            "XIESHANG_WS_PING_INTERVAL_SECS",
            defaults.ping_interval.as_secs(),
            1..=3600,
        )?),
        replay_per_second: within(
            "XIESHANG_WS_REPLAY_EVENTS_PER_SECOND",
            u64::from(defaults.replay_per_second),
            1..=1_000_000,
        )? as u32,
    })
}

/// The trusted-documents manifest at `path` (`XIESHANG_TRUSTED_DOCUMENTS`), every key checked
/// to be the SHA-256 of its document.
pub fn trusted_documents(
    path: &str,
) -> Result<crate::http::persisted::TrustedDocuments, ConfigError> {
    crate::http::persisted::TrustedDocuments::load(std::path::Path::new(path)).map_err(|message| {
        ConfigError {
            variable: "XIESHANG_TRUSTED_DOCUMENTS",
            message,
        }
    })
}

/// `XIESHANG_INTROSPECTION`: `on`, `off` or `authenticated`.
fn introspection() -> Result<crate::http::introspection::Introspection, ConfigError> {
    match var("XIESHANG_INTROSPECTION").filter(|text| !text.trim().is_empty()) {
        None => Ok(crate::http::introspection::Introspection::On),
        Some(text) => text.parse().map_err(|message| ConfigError {
            variable: "XIESHANG_INTROSPECTION",
            message,
        }),
    }
}

/// The APQ bounds, and the trusted-documents manifest, checked now so that a bad file stops
/// start-up instead of refusing requests later.
fn persisted() -> Result<crate::http::persisted::PersistedOptions, ConfigError> {
    use crate::http::persisted::PersistedOptions;
    use std::sync::Arc;
    let defaults = PersistedOptions::default();
    let trusted = var("XIESHANG_TRUSTED_DOCUMENTS")
        .filter(|path| !path.trim().is_empty())
        .map(|path| trusted_documents(path.trim()).map(Arc::new))
        .transpose()?;
    Ok(PersistedOptions {
        max_documents: parse("XIESHANG_APQ_MAX_DOCUMENTS", defaults.max_documents)?,
        max_document_bytes: parse(
            "XIESHANG_APQ_MAX_DOCUMENT_BYTES",
            defaults.max_document_bytes,
        )?,
        trusted,
    })
}

/// How session updates reach integrators: event retention, the outbox dispatcher and its
/// adapters. Defaults suit production; tests shorten the waits.
#[derive(Clone, Debug)]
pub struct NotifyConfig {
    /// `XIESHANG_ALLOW_PRIVATE_TARGETS`: accept webhook targets on loopback or private
    /// addresses (default off, so the server cannot be pointed at the internal network).
    pub allow_private_targets: bool,
    /// `XIESHANG_EVENT_RETENTION_DAYS`: how long outbox events stay readable by cursor
    /// (default 90); an older cursor is `EVENT_CURSOR_EXPIRED`.
    pub event_retention: Duration,
    /// `XIESHANG_DINGTALK_BASE_URL` (default `https://oapi.dingtalk.com`): where DingTalk robot
    /// messages go; tests point it at a local receiver.
    pub dingtalk_base_url: String,
    /// `XIESHANG_WECOM_BASE_URL` (default `https://qyapi.weixin.qq.com`): likewise for WeCom.
    pub wecom_base_url: String,
    /// `XIESHANG_PUBLIC_URL`: the service's address as people reach it, for links in robot
    /// messages (default `http://` + `XIESHANG_LISTEN`).
    pub public_url: Option<String>,
    /// `XIESHANG_NOTIFY_TIMEOUT_SECS`: how long one delivery may take (default 10).
    pub timeout: Duration,
    /// `XIESHANG_MAX_TARGETS_PER_OWNER` (default 20) and `XIESHANG_MAX_TARGETS_PER_REGION`
    /// (default 50): notification targets one caller, or one committee, may have; one more is
    /// refused with the user error `LIMIT_EXCEEDED`.
    pub target_limits: domain::write::notification_targets::TargetLimits,
    /// `XIESHANG_DELIVERY_MAX_ATTEMPTS`: attempts before a delivery is dead-lettered (default 8).
    pub max_attempts: u32,
    /// `XIESHANG_DELIVERY_BACKOFF_MS`: the first retry waits up to this long, doubling each
    /// time up to ten minutes, with full jitter (default 1000).
    pub backoff_base: Duration,
    /// `XIESHANG_DISPATCH_LEASE_SECS`: how long a replica owns a target between renewals; a
    /// dead replica's targets are taken over after this (default 30).
    pub lease: Duration,
    /// `XIESHANG_ROBOT_MESSAGES_PER_MINUTE`: messages one DingTalk/WeCom robot is sent per
    /// minute at most; bursts are folded into digests (default 20).
    pub robot_messages_per_minute: u32,
}

impl NotifyConfig {
    /// Reads the notification settings.
    pub fn from_env() -> Result<Self, ConfigError> {
        let retention_days: u64 = parse("XIESHANG_EVENT_RETENTION_DAYS", 90)?;
        if retention_days == 0 {
            return Err(ConfigError {
                variable: "XIESHANG_EVENT_RETENTION_DAYS",
                message: "must be at least 1".to_owned(),
            });
        }
        let max_attempts = parse("XIESHANG_DELIVERY_MAX_ATTEMPTS", 8)?;
        if max_attempts == 0 {
            return Err(ConfigError {
                variable: "XIESHANG_DELIVERY_MAX_ATTEMPTS",
                message: "must be at least 1".to_owned(),
            });
        }
        let robot_messages_per_minute = parse("XIESHANG_ROBOT_MESSAGES_PER_MINUTE", 20)?;
        if robot_messages_per_minute == 0 {
            return Err(ConfigError {
                variable: "XIESHANG_ROBOT_MESSAGES_PER_MINUTE",
                message: "must be at least 1".to_owned(),
            });
        }
        let timeout_secs = within("XIESHANG_NOTIFY_TIMEOUT_SECS", 10, 1..=300)?;
        let lease_secs = within("XIESHANG_DISPATCH_LEASE_SECS", 30, 1..=3600)?;
        let backoff_ms = within("XIESHANG_DELIVERY_BACKOFF_MS", 1000, 1..=3_600_000)?;
        Ok(Self {
            allow_private_targets: flag("XIESHANG_ALLOW_PRIVATE_TARGETS", false)?,
            event_retention: Duration::from_secs(retention_days * 24 * 3600),
            dingtalk_base_url: var("XIESHANG_DINGTALK_BASE_URL")
                .unwrap_or_else(|| "https://oapi.dingtalk.com".to_owned()),
            wecom_base_url: var("XIESHANG_WECOM_BASE_URL")
                .unwrap_or_else(|| "https://qyapi.weixin.qq.com".to_owned()),
            public_url: var("XIESHANG_PUBLIC_URL").filter(|url| !url.trim().is_empty()),
            timeout: Duration::from_secs(timeout_secs),
            max_attempts,
            backoff_base: Duration::from_millis(backoff_ms),
            lease: Duration::from_secs(lease_secs),
            robot_messages_per_minute,
            target_limits: domain::write::notification_targets::TargetLimits {
                per_owner: within("XIESHANG_MAX_TARGETS_PER_OWNER", 20, 1..=100_000)?,
                per_region: within("XIESHANG_MAX_TARGETS_PER_REGION", 50, 1..=100_000)?,
            },
        })
    }
}

/// How the service logs.
#[derive(Clone, Debug)]
pub struct LogConfig {
    /// `XIESHANG_LOG`: a tracing filter such as `info` or `xieshang=debug` (default `info`).
    pub filter: String,
    /// `XIESHANG_LOG_FORMAT`: `text` (default) or `json`.
    pub json: bool,
}

impl LogConfig {
    /// Reads the log settings.
    pub fn from_env() -> Result<Self, ConfigError> {
        let format = var("XIESHANG_LOG_FORMAT").unwrap_or_else(|| "text".to_owned());
        let json = match format.as_str() {
            "text" => false,
            "json" => true,
            other => {
                return Err(ConfigError {
                    variable: "XIESHANG_LOG_FORMAT",
                    message: format!("{other:?} is neither text nor json"),
                });
            }
        };
        Ok(Self {
            filter: var("XIESHANG_LOG").unwrap_or_else(|| "info".to_owned()),
            json,
        })
    }
}

/// The variable holding the token signing secret.
pub const JWT_SECRET_VARIABLE: &str = "XIESHANG_JWT_SECRET";

/// Fewest bytes a token signing secret may have.
pub const MIN_SECRET_BYTES: usize = 32;

/// How callers authenticate.
#[derive(Clone, Debug)]
pub struct AuthConfig {
    /// `XIESHANG_JWT_SECRET`: the HS256 key tokens are signed with (at least 32 bytes). Unset:
    /// a random secret kept beside the embedded SQLite database, and an error with
    /// `DATABASE_URL` (see [`crate::auth::secret::resolve`]).
    pub secret: Option<crate::auth::Secret>,
    /// The OpenID Connect provider whose tokens are accepted (`XIESHANG_OIDC_*`); none unless
    /// `XIESHANG_OIDC_ISSUER` is set.
    pub oidc: Option<crate::auth::oidc::OidcConfig>,
    /// `XIESHANG_TOKEN_MAX_TTL`: the longest lifetime `xieshang token` issues and `serve`
    /// accepts for a service token, e.g. `90d` (the default), `24h`, `3600`.
    pub token_max_ttl: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            secret: None,
            oidc: None,
            token_max_ttl: crate::auth::DEFAULT_TOKEN_MAX_TTL,
        }
    }
}

/// Seconds in a duration such as `90`, `90s`, `15m`, `24h` or `7d`; `None` for anything else
/// (zero and negative numbers included).
pub fn duration_secs(text: &str) -> Option<i64> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().last() {
        Some((index, 's')) => (&text[..index], 1),
        Some((index, 'm')) => (&text[..index], 60),
        Some((index, 'h')) => (&text[..index], 3600),
        Some((index, 'd')) => (&text[..index], 86_400),
        _ => (text, 1),
    };
    number
        .parse::<i64>()
        .ok()
        .filter(|number| *number > 0)
        .and_then(|number| number.checked_mul(unit))
}

fn token_max_ttl() -> Result<Duration, ConfigError> {
    let Some(text) = var("XIESHANG_TOKEN_MAX_TTL").filter(|text| !text.trim().is_empty()) else {
        return Ok(crate::auth::DEFAULT_TOKEN_MAX_TTL);
    };
    duration_secs(&text)
        .and_then(|secs| u64::try_from(secs).ok())
        .map(Duration::from_secs)
        .ok_or_else(|| ConfigError {
            variable: "XIESHANG_TOKEN_MAX_TTL",
            message: format!("{text:?} is not a lifetime such as 90d, 24h or 3600"),
        })
}

impl AuthConfig {
    /// Reads the authentication settings.
    pub fn from_env() -> Result<Self, ConfigError> {
        let oidc = oidc_config()?;
        let token_max_ttl = token_max_ttl()?;
        let Some(secret) = var(JWT_SECRET_VARIABLE).filter(|secret| !secret.is_empty()) else {
            return Ok(Self {
                secret: None,
                oidc,
                token_max_ttl,
            });
        };
        if secret.len() < MIN_SECRET_BYTES {
            return Err(ConfigError {
                variable: JWT_SECRET_VARIABLE,
                message: format!(
                    "the secret has {} bytes; at least {MIN_SECRET_BYTES} are required \
                     (e.g. `openssl rand -hex 32`)",
                    secret.len()
                ),
            });
        }
        Ok(Self {
            secret: Some(crate::auth::Secret::new(secret.into_bytes())),
            oidc,
            token_max_ttl,
        })
    }
}

/// `XIESHANG_OIDC_ISSUER` (required to accept provider tokens), `XIESHANG_OIDC_AUDIENCE`
/// (required with it), `XIESHANG_JWKS_URL` (optional: skips discovery),
/// `XIESHANG_OIDC_LEEWAY_SECS` (default 30, at most 300) and `XIESHANG_OIDC_JWKS_REFRESH_SECS`
/// (default 30, 1..=3600).
fn oidc_config() -> Result<Option<crate::auth::oidc::OidcConfig>, ConfigError> {
    let present = |name: &str| var(name).filter(|value| !value.trim().is_empty());
    // Checked even without an issuer, so that a typo is reported before it matters.
    let leeway = Duration::from_secs(within("XIESHANG_OIDC_LEEWAY_SECS", 30, 0..=300)?);
    let refresh_interval =
        Duration::from_secs(within("XIESHANG_OIDC_JWKS_REFRESH_SECS", 30, 1..=3600)?);
    let Some(issuer) = present("XIESHANG_OIDC_ISSUER") else {
        for dependent in ["XIESHANG_OIDC_AUDIENCE", "XIESHANG_JWKS_URL"] {
            if present(dependent).is_some() {
                return Err(ConfigError {
                    variable: "XIESHANG_OIDC_ISSUER",
                    message: format!("must be set when {dependent} is"),
                });
            }
        }
        return Ok(None);
    };
    let audience = present("XIESHANG_OIDC_AUDIENCE").ok_or_else(|| ConfigError {
        variable: "XIESHANG_OIDC_AUDIENCE",
        message: "must be set with XIESHANG_OIDC_ISSUER (the audience your provider puts in \
                  `aud` for xieshang)"
            .to_owned(),
    })?;
    let jwks_url = present("XIESHANG_JWKS_URL")
        .map(|text| {
            url::Url::parse(text.trim()).map_err(|error| ConfigError {
                variable: "XIESHANG_JWKS_URL",
                message: format!("{text:?}: {error}"),
            })
        })
        .transpose()?;
    Ok(Some(crate::auth::oidc::OidcConfig {
        issuer: issuer.trim().to_owned(),
        audience: audience.trim().to_owned(),
        jwks_url,
        leeway,
        refresh_interval,
    }))
}

/// A configuration variable with an unusable value.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    /// The environment variable at fault.
    pub variable: &'static str,
    /// What is wrong with its value.
    pub message: String,
}

fn addresses(variable: &'static str) -> Result<Vec<std::net::IpAddr>, ConfigError> {
    var(variable)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse().map_err(|_| ConfigError {
                variable,
                message: format!("{part:?} is not an IP address"),
            })
        })
        .collect()
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn parse<T: std::str::FromStr>(variable: &'static str, default: T) -> Result<T, ConfigError> {
    match var(variable) {
        None => Ok(default),
        Some(text) => text.trim().parse().map_err(|_| ConfigError {
            variable,
            message: format!("{text:?} is not a valid number"),
        }),
    }
}

/// A number in `range`, so that a typo cannot turn the dispatcher into one that fails every
/// send (a zero timeout) or lets two replicas hold one target (a zero lease).
fn within(
    variable: &'static str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, ConfigError> {
    let value = parse(variable, default)?;
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(ConfigError {
            variable,
            message: format!("{value} is outside {}..={}", range.start(), range.end()),
        })
    }
}

fn flag(variable: &'static str, default: bool) -> Result<bool, ConfigError> {
    match var(variable).as_deref().map(str::trim) {
        None | Some("") => Ok(default),
        Some("1" | "true" | "on" | "yes") => Ok(true),
        Some("0" | "false" | "off" | "no") => Ok(false),
        Some(other) => Err(ConfigError {
            variable,
            message: format!("{other:?} is not on/off (use 1/0, true/false, on/off)"),
        }),
    }
}

/// The cost limit, budgets and load shedding; `0` switches a limit off.
/// `XIESHANG_MAX_QUERY_COST` (default 200000), `XIESHANG_ANONYMOUS_COST_PER_MINUTE` (1000000),
/// `XIESHANG_AUTHENTICATED_COST_PER_MINUTE` (5000000), `XIESHANG_MAX_CONCURRENT_EXECUTIONS`
/// (32), `XIESHANG_ANONYMOUS_COST_IN_FLIGHT` (200000), `XIESHANG_EXECUTION_QUEUE_MS` (100, at
/// most 10000) and `XIESHANG_TRACKED_CLIENTS` (100000, at least 1).
fn budget_options() -> Result<crate::http::budget::BudgetOptions, ConfigError> {
    let defaults = crate::http::budget::BudgetOptions::default();
    let limit = |variable, default: Option<u64>| {
        parse(variable, default.unwrap_or(0)).map(|value| (value > 0).then_some(value))
    };
    let slots = |variable, default: Option<usize>| {
        parse(variable, default.unwrap_or(0)).map(|value| (value > 0).then_some(value))
    };
    let tracked_clients = parse("XIESHANG_TRACKED_CLIENTS", defaults.tracked_clients)?;
    if tracked_clients == 0 {
        return Err(ConfigError {
            variable: "XIESHANG_TRACKED_CLIENTS",
            message: "must be at least 1".into(),
        });
    }
    Ok(crate::http::budget::BudgetOptions {
        max_query_cost: limit("XIESHANG_MAX_QUERY_COST", defaults.max_query_cost)?,
        anonymous_per_minute: limit(
            "XIESHANG_ANONYMOUS_COST_PER_MINUTE",
            defaults.anonymous_per_minute,
        )?,
        authenticated_per_minute: limit(
            "XIESHANG_AUTHENTICATED_COST_PER_MINUTE",
            defaults.authenticated_per_minute,
        )?,
        max_concurrent: slots(
            "XIESHANG_MAX_CONCURRENT_EXECUTIONS",
            defaults.max_concurrent,
        )?,
        anonymous_cost_in_flight: limit(
            "XIESHANG_ANONYMOUS_COST_IN_FLIGHT",
            defaults.anonymous_cost_in_flight,
        )?,
        queue_wait: Duration::from_millis(within("XIESHANG_EXECUTION_QUEUE_MS", 100, 0..=10_000)?),
        tracked_clients,
    })
}

#[cfg(test)]
mod database_debug_tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_database_password() {
        let config = DatabaseConfig {
            url: Some("postgres://xieshang:s3cr3t-pw@db.internal:5432/xieshang".to_owned()),
            sqlite_path: PathBuf::from("xieshang.db"),
            pool_size: 8,
        };
        let shown = format!("{config:?} {config:#?}");
        assert!(!shown.contains("s3cr3t-pw"), "{shown}");
        assert!(shown.contains("db.internal"), "{shown}");
    }
}
