//! Authentication: HS256 bearer tokens ([`jwt`]), the signing secret ([`secret`]), and turning a
//! request's `Authorization` header into a [`domain::Actor`].

pub mod jwt;
pub mod secret;

use async_graphql::{ErrorExtensions, ServerError};
use axum::http::{HeaderMap, header::AUTHORIZATION};
use domain::{Actor, Db, DomainError};

pub use jwt::{Claims, JwtError};
pub use secret::Secret;

/// Seconds since the Unix epoch, now.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The caller of a request: [`Actor::Anonymous`] without an `Authorization` header, the token's
/// principal with a valid one, and an `UNAUTHENTICATED` error (never anonymity) for a header
/// that is not a valid bearer token of this instance or whose claims do not resolve.
pub async fn actor(db: &Db, secret: &Secret, headers: &HeaderMap) -> Result<Actor, ServerError> {
    actor_until(db, secret, headers)
        .await
        .map(|(actor, _expires)| actor)
}

/// Like [`actor`], but also returns the token's `exp` (seconds since the Unix epoch; `None` for
/// an anonymous caller), for connections that outlive a single request and must end when the
/// token does.
pub async fn actor_until(
    db: &Db,
    secret: &Secret,
    headers: &HeaderMap,
) -> Result<(Actor, Option<i64>), ServerError> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Ok((Actor::Anonymous, None));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|value| {
            let (scheme, token) = value.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .ok_or_else(|| unauthenticated("the Authorization header is not `Bearer <token>`"))?;
    let claims = jwt::verify(token, secret.bytes(), now())
        .map_err(|error| unauthenticated(&format!("invalid token: {error}")))?;
    let principal =
        domain::auth::principal(db, &claims.sub, claims.role, &claims.region, claims.member)
            .await
            .map_err(|error| match error {
                DomainError::Invalid { .. } | DomainError::NotFound(_) => {
                    unauthenticated(&format!("the token's claims do not resolve: {error}"))
                }
                other => request_error(graphql::ApiError::from(other).into()),
            })?;
    Ok((Actor::Authenticated(principal), Some(claims.exp)))
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
