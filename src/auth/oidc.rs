//! Tokens from an OpenID Connect provider: xieshang is a resource server. A provider token is a
//! JWT signed with one of the provider's published keys (its JWKS), found through discovery
//! (`<issuer>/.well-known/openid-configuration`) or configured directly.
//!
//! Verification accepts only RS256, ES256 and EdDSA, and only with a key of the matching type:
//! the algorithm a token names never chooses how its signature is checked on its own, so a
//! token "signed" with HS256 and the provider's public key as the secret is refused. `iss` and
//! `aud` must match exactly; `exp` and `nbf` are checked with a small leeway. A token whose
//! `kid` is not in the cached key set makes the provider's keys be fetched again — at most once
//! per refresh interval, so that a flood of made-up `kid`s cannot make xieshang hammer the
//! provider — which lets the provider rotate its keys without a restart.
//!
//! A provider authenticates people; what they may do comes from xieshang's own
//! `role_assignments` (see [`domain::roles`]).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use jsonwebtoken::{
    Algorithm, DecodingKey, Validation,
    jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet, PublicKeyUse},
};
use serde::Deserialize;
use tokio::sync::{Mutex, RwLock};
use url::Url;

/// How xieshang trusts one provider (`XIESHANG_OIDC_*`).
#[derive(Clone, Debug)]
pub struct OidcConfig {
    /// `XIESHANG_OIDC_ISSUER`: the provider's issuer identifier, compared exactly with `iss`.
    pub issuer: String,
    /// `XIESHANG_OIDC_AUDIENCE`: the audience xieshang's tokens must name in `aud`.
    pub audience: String,
    /// `XIESHANG_JWKS_URL`: the key set, when discovery is not used.
    pub jwks_url: Option<Url>,
    /// `XIESHANG_OIDC_LEEWAY_SECS`: clock skew allowed on `exp` and `nbf` (default 30 s).
    pub leeway: Duration,
    /// `XIESHANG_OIDC_JWKS_REFRESH_SECS`: the shortest time between two fetches of the key set
    /// caused by unknown `kid`s (default 30 s).
    pub refresh_interval: Duration,
}

/// Why a provider token was refused. Messages name no key material.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// Not a JWT, or its header cannot be read.
    #[error("malformed token")]
    Malformed,
    /// The header names an algorithm other than RS256, ES256 or EdDSA.
    #[error("unsupported algorithm {0:?}: provider tokens must use RS256, ES256 or EdDSA")]
    Algorithm(String),
    /// The header has no `kid`.
    #[error("the token names no key (`kid`)")]
    NoKeyId,
    /// No key of the provider's set has the token's `kid`, even after fetching the set again.
    #[error("unknown signing key {0:?}")]
    UnknownKey(String),
    /// The key named by `kid` is not of the type the algorithm needs.
    #[error("the key {0:?} does not fit the token's algorithm")]
    KeyMismatch(String),
    /// Signature, issuer, audience, expiry or a required claim failed.
    #[error("{0}")]
    Invalid(String),
    /// The provider could not be reached or answered nonsense.
    #[error("the identity provider is unavailable: {0}")]
    Provider(String),
}

/// The claims xieshang reads from a provider token; the provider's other claims are ignored.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct ProviderClaims {
    /// Issuer.
    pub iss: String,
    /// Subject: the provider's stable id of the person.
    pub sub: String,
    /// Expiry, seconds since the Unix epoch.
    pub exp: i64,
}

/// One trusted provider: its settings and its cached key set.
pub struct Provider {
    config: OidcConfig,
    jwks_url: Url,
    client: reqwest::Client,
    keys: RwLock<Arc<JwkSet>>,
    /// When the key set was last fetched; guards the refresh rate.
    fetched_at: Mutex<Instant>,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("issuer", &self.config.issuer)
            .field("jwks_url", &self.jwks_url.as_str())
            .finish()
    }
}

/// The part of the discovery document xieshang needs.
#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

impl Provider {
    /// Finds the key set (discovery unless `jwks_url` is set) and fetches it once, so that a
    /// misconfigured provider stops start-up instead of refusing every sign-in later.
    pub async fn connect(config: OidcConfig) -> Result<Self, OidcError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| OidcError::Provider(error.to_string()))?;
        let jwks_url = match &config.jwks_url {
            Some(url) => url.clone(),
            None => discover(&client, &config.issuer).await?,
        };
        require_https(&jwks_url)?;
        let keys = fetch_keys(&client, &jwks_url).await?;
        Ok(Self {
            config,
            jwks_url,
            client,
            keys: RwLock::new(Arc::new(keys)),
            fetched_at: Mutex::new(Instant::now()),
        })
    }

    /// The issuer tokens of this provider carry.
    pub fn issuer(&self) -> &str {
        &self.config.issuer
    }

    /// Verifies `token` at the current time and returns its claims.
    pub async fn verify(&self, token: &str) -> Result<ProviderClaims, OidcError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| OidcError::Malformed)?;
        let algorithm = header.alg;
        if !matches!(
            algorithm,
            Algorithm::RS256 | Algorithm::ES256 | Algorithm::EdDSA
        ) {
            return Err(OidcError::Algorithm(format!("{algorithm:?}")));
        }
        let kid = header.kid.ok_or(OidcError::NoKeyId)?;
        let jwk = self.key(&kid).await?;
        if !fits(&jwk, algorithm) {
            return Err(OidcError::KeyMismatch(kid));
        }
        let key = DecodingKey::from_jwk(&jwk).map_err(|_| OidcError::KeyMismatch(kid))?;
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = self.config.leeway.as_secs();
        jsonwebtoken::decode::<ProviderClaims>(token, &key, &validation)
            .map(|data| data.claims)
            .map_err(|error| OidcError::Invalid(error.to_string()))
    }

    /// The key with this `kid`, fetching the set again (rate-limited) when it is unknown.
    async fn key(&self, kid: &str) -> Result<Jwk, OidcError> {
        if let Some(jwk) = self.keys.read().await.find(kid) {
            return Ok(jwk.clone());
        }
        {
            // One fetch at a time, and none within the refresh interval of the last one.
            let mut fetched_at = self.fetched_at.lock().await;
            if fetched_at.elapsed() >= self.config.refresh_interval {
                *fetched_at = Instant::now();
                let keys = fetch_keys(&self.client, &self.jwks_url).await?;
                tracing::info!(
                    issuer = %self.config.issuer,
                    keys = keys.keys.len(),
                    "fetched the identity provider's keys again for an unknown kid"
                );
                *self.keys.write().await = Arc::new(keys);
            }
        }
        self.keys
            .read()
            .await
            .find(kid)
            .cloned()
            .ok_or_else(|| OidcError::UnknownKey(kid.to_owned()))
    }
}

/// Whether `jwk` is a key `algorithm` may be checked with: RSA for RS256, P-256 for ES256,
/// Ed25519 for EdDSA; a signing key (not one marked for encryption) whose own `alg`, if it has
/// one, is the token's. A symmetric (`oct`) key fits nothing.
fn fits(jwk: &Jwk, algorithm: Algorithm) -> bool {
    if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
        return false;
    }
    if let Some(own) = jwk.common.key_algorithm
        && own.to_string() != format!("{algorithm:?}")
    {
        return false;
    }
    match (&jwk.algorithm, algorithm) {
        (AlgorithmParameters::RSA(_), Algorithm::RS256) => true,
        (AlgorithmParameters::EllipticCurve(params), Algorithm::ES256) => {
            params.curve == EllipticCurve::P256
        }
        (AlgorithmParameters::OctetKeyPair(params), Algorithm::EdDSA) => {
            params.curve == EllipticCurve::Ed25519
        }
        _ => false,
    }
}

/// `<issuer>/.well-known/openid-configuration`, whose `issuer` must be the configured one.
async fn discover(client: &reqwest::Client, issuer: &str) -> Result<Url, OidcError> {
    let base = Url::parse(issuer)
        .map_err(|error| OidcError::Provider(format!("issuer {issuer:?}: {error}")))?;
    require_https(&base)?;
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let discovery: Discovery = get_json(client, &url).await?;
    if discovery.issuer != issuer {
        return Err(OidcError::Provider(format!(
            "discovery names the issuer {:?}, not {issuer:?}",
            discovery.issuer
        )));
    }
    Url::parse(&discovery.jwks_uri)
        .map_err(|error| OidcError::Provider(format!("jwks_uri: {error}")))
}

async fn fetch_keys(client: &reqwest::Client, url: &Url) -> Result<JwkSet, OidcError> {
    get_json(client, url.as_str()).await
}

async fn get_json<T: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    url: &str,
) -> Result<T, OidcError> {
    let response = client
        .get(url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|error| OidcError::Provider(format!("{url}: {error}")))?;
    response
        .json()
        .await
        .map_err(|error| OidcError::Provider(format!("{url}: {error}")))
}

/// Keys must come over TLS, except from the machine itself (a provider or proxy on loopback).
fn require_https(url: &Url) -> Result<(), OidcError> {
    let loopback = match url.host() {
        Some(url::Host::Domain(host)) => host == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if url.scheme() == "https" || (url.scheme() == "http" && loopback) {
        Ok(())
    } else {
        Err(OidcError::Provider(format!(
            "{url}: keys are only fetched over https (or http on loopback)"
        )))
    }
}
