//! Authentication: this instance's HS256 service tokens ([`jwt`], signed with [`secret`]),
//! tokens of an OpenID Connect provider ([`oidc`]), and turning a request's `Authorization`
//! header into a [`domain::Actor`].

pub mod jwt;
pub mod oidc;
pub mod secret;

use std::{sync::Arc, time::Duration};

use async_graphql::{ErrorExtensions, ServerError};
use axum::http::{HeaderMap, header::AUTHORIZATION};
use domain::{Actor, Db, DomainError, service_tokens::DenyList};

pub use jwt::{Claims, JwtError};
pub use secret::Secret;

/// Seconds since the Unix epoch, now.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The longest lifetime of a service token unless `XIESHANG_TOKEN_MAX_TTL` says otherwise.
pub const DEFAULT_TOKEN_MAX_TTL: Duration = Duration::from_secs(90 * 24 * 3600);

/// How bearer tokens are checked: this instance's service tokens always, and the tokens of one
/// OpenID Connect provider when one is configured.
#[derive(Clone, Debug)]
pub struct Verifier {
    secret: Secret,
    provider: Option<Arc<oidc::Provider>>,
    /// Service tokens whose `exp - iat` is longer are refused (`XIESHANG_TOKEN_MAX_TTL`).
    max_ttl: Duration,
    /// Revoked service tokens; set by [`crate::app::AppState`], which has the database.
    revoked: Option<DenyList>,
}

impl Verifier {
    /// Service tokens signed with `secret`, and provider tokens when `provider` is given.
    pub fn new(secret: Secret, provider: Option<Arc<oidc::Provider>>) -> Self {
        Self {
            secret,
            provider,
            max_ttl: DEFAULT_TOKEN_MAX_TTL,
            revoked: None,
        }
    }

    /// Refuses service tokens issued for longer than `max_ttl`.
    pub fn with_max_ttl(self, max_ttl: Duration) -> Self {
        Self { max_ttl, ..self }
    }

    /// Refuses the service tokens on `revoked`.
    pub fn with_deny_list(self, revoked: DenyList) -> Self {
        Self {
            revoked: Some(revoked),
            ..self
        }
    }

    /// Loads the revoked service tokens now rather than on the first request that needs them.
    pub async fn preload(&self) -> Result<(), DomainError> {
        match &self.revoked {
            Some(revoked) => revoked.load().await,
            None => Ok(()),
        }
    }

    /// The revoked service tokens, when this verifier checks them.
    pub fn deny_list(&self) -> Option<&DenyList> {
        self.revoked.as_ref()
    }

    /// The service-token secret.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }
}

impl From<Secret> for Verifier {
    fn from(secret: Secret) -> Self {
        Self::new(secret, None)
    }
}

/// The caller of a request: [`Actor::Anonymous`] without an `Authorization` header, the token's
/// principal with a valid one, and an `UNAUTHENTICATED` error (never anonymity) for a header
/// that is not a valid bearer token of this instance or its provider, or whose claims do not
/// resolve.
pub async fn actor(
    db: &Db,
    verifier: &Verifier,
    headers: &HeaderMap,
) -> Result<Actor, ServerError> {
    actor_until(db, verifier, headers)
        .await
        .map(|(actor, _expires)| actor)
}

/// Like [`actor`], but also returns the token's `exp` (seconds since the Unix epoch; `None` for
/// an anonymous caller), for connections that outlive a single request and must end when the
/// token does.
pub async fn actor_until(
    db: &Db,
    verifier: &Verifier,
    headers: &HeaderMap,
) -> Result<(Actor, Option<i64>), ServerError> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Ok((Actor::Anonymous, None));
    };
    let token = bearer(value)
        .ok_or_else(|| unauthenticated("the Authorization header is not `Bearer <token>`"))?;
    // Only a token whose header names an asymmetric algorithm goes to the provider; every other
    // one (HS256 included, whatever its `iss`) must be this instance's own.
    if let Some(provider) = &verifier.provider
        && names_asymmetric_algorithm(token)
    {
        return provider_actor(db, provider, token).await;
    }
    let verified = jwt::verify_token(token, verifier.secret.bytes(), now())
        .map_err(|error| unauthenticated(&format!("invalid token: {error}")))?;
    check_service_token(verifier, &verified).await?;
    let claims = verified.claims;
    let mut principal =
        domain::auth::principal(db, &claims.sub, claims.role, &claims.region, claims.member)
            .await
            .map_err(|error| match error {
                DomainError::Invalid { .. } | DomainError::NotFound(_) => {
                    unauthenticated(&format!("the token's claims do not resolve: {error}"))
                }
                other => request_error(graphql::ApiError::from(other).into()),
            })?;
    principal.token_id = verified.jti;
    Ok((Actor::Authenticated(principal), Some(claims.exp)))
}

/// Whether the request's `Authorization` header carries a token of this instance or of its
/// identity provider that verifies now: signature, issuer, audience, lifetime and revocation.
/// Who the caller is, and whether they hold any role, does not matter, and no query runs.
/// The HTTP layer asks before it believes a caller's `traceparent`.
pub async fn authenticates(verifier: &Verifier, headers: &HeaderMap) -> bool {
    let Some(token) = headers.get(AUTHORIZATION).and_then(bearer) else {
        return false;
    };
    if let Some(provider) = &verifier.provider
        && names_asymmetric_algorithm(token)
    {
        return provider.verify(token).await.is_ok();
    }
    match jwt::verify_token(token, verifier.secret.bytes(), now()) {
        Ok(verified) => check_service_token(verifier, &verified).await.is_ok(),
        Err(_) => false,
    }
}

/// The token of a `Bearer <token>` header value.
fn bearer(value: &axum::http::HeaderValue) -> Option<&str> {
    let (scheme, token) = value.to_str().ok()?.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// A verified service token is still refused when it was issued for longer than the maximum
/// lifetime or has been revoked. A legacy token (no `iat`/`jti`) is accepted until it expires,
/// with a warning.
async fn check_service_token(
    verifier: &Verifier,
    verified: &jwt::Verified,
) -> Result<(), ServerError> {
    if let Some(iat) = verified.iat {
        let lifetime = verified.claims.exp.saturating_sub(iat);
        let max = i64::try_from(verifier.max_ttl.as_secs()).unwrap_or(i64::MAX);
        if lifetime > max {
            return Err(unauthenticated(
                "the token's lifetime exceeds XIESHANG_TOKEN_MAX_TTL; issue a shorter one",
            ));
        }
    }
    match (&verified.jti, &verifier.revoked) {
        (Some(jti), Some(revoked)) => {
            let is_revoked = revoked
                .contains(jti)
                .await
                .map_err(|error| request_error(graphql::ApiError::from(error).into()))?;
            if is_revoked {
                return Err(unauthenticated("the token has been revoked"));
            }
        }
        (Some(_), None) => {}
        (None, _) => warn_legacy(&verified.claims.sub),
    }
    Ok(())
}

/// Logs, once per process, that a service token without `iss`/`aud`/`iat`/`jti` was used.
fn warn_legacy(subject: &str) {
    static WARNED: std::sync::Once = std::sync::Once::new();
    WARNED.call_once(|| {
        tracing::warn!(
            subject,
            "a service token issued before tokens carried iss, aud, iat and jti was accepted; \
             it cannot be revoked: issue a new one with `xieshang token`"
        );
    });
    tracing::debug!(subject, "legacy service token accepted");
}

/// A provider token's caller: the principal of the subject's role assignments (its highest
/// role, over the union of that role's regions; see [`domain::roles`]), or public access only
/// ([`Actor::Anonymous`]) for a subject nobody has granted a role.
async fn provider_actor(
    db: &Db,
    provider: &oidc::Provider,
    token: &str,
) -> Result<(Actor, Option<i64>), ServerError> {
    let claims = provider.verify(token).await.map_err(|error| match error {
        oidc::OidcError::Provider(_) => {
            tracing::warn!(%error, "identity provider unavailable");
            unauthenticated("the identity provider's keys are unavailable; try again later")
        }
        other => unauthenticated(&format!("invalid token: {other}")),
    })?;
    let principal = domain::roles::principal_for(db, &claims.iss, &claims.sub)
        .await
        .map_err(|error| request_error(graphql::ApiError::from(error).into()))?;
    let actor = principal.map_or(Actor::Anonymous, Actor::Authenticated);
    Ok((actor, Some(claims.exp)))
}

/// Whether the token's header names RS256, ES256 or EdDSA (or another non-HMAC algorithm the
/// provider path will refuse with a clear message).
fn names_asymmetric_algorithm(token: &str) -> bool {
    jsonwebtoken::decode_header(token).is_ok_and(|header| {
        !matches!(
            header.alg,
            jsonwebtoken::Algorithm::HS256
                | jsonwebtoken::Algorithm::HS384
                | jsonwebtoken::Algorithm::HS512
        )
    })
}

/// A request error with `extensions.code = "UNAUTHENTICATED"`.
pub fn unauthenticated(message: &str) -> ServerError {
    request_error(
        async_graphql::Error::new(message).extend_with(|_, extensions| {
            extensions.set("code", "UNAUTHENTICATED");
        }),
    )
}

/// A field-less (request) error carrying the error's message and extensions.
fn request_error(error: async_graphql::Error) -> ServerError {
    let mut server_error = ServerError::new(error.message, None);
    server_error.extensions = error.extensions;
    server_error
}
