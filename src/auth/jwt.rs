//! This instance's service tokens (`xieshang token`): HS256 JSON Web Tokens (RFC 7519) signed
//! and checked with the `jsonwebtoken` crate. The claims are `sub`, `role`, `region`, `member`
//! and `exp`, plus `iss` and `aud` ([`ISSUER`], [`AUDIENCE`]), `iat` and a random `jti` that
//! `revokeServiceToken` names.
//!
//! Verification checks, in order: a header naming `HS256` (anything else, `none` included, is
//! refused, so the secret is never used with another algorithm); the signature; then the
//! claims and their expiry. Tokens issued before `iss`, `aud`, `iat` and `jti` existed are
//! still accepted until they expire ([`Verified::legacy`]); when present, `iss` and `aud` must
//! be this instance's.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use domain::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};

/// `iss` of every service token.
pub const ISSUER: &str = "xieshang";

/// `aud` of every service token.
pub const AUDIENCE: &str = "xieshang";

/// What a token says about its bearer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claims {
    /// Subject: a user or system name.
    pub sub: String,
    /// Role.
    pub role: Role,
    /// GB/T 2260 code of the caller's region (committee).
    pub region: String,
    /// The member the caller is; required for [`Role::Member`].
    pub member: Option<i64>,
    /// Expiry, in seconds since the Unix epoch.
    pub exp: i64,
}

/// A verified token: its claims and its identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// What it says about its bearer.
    pub claims: Claims,
    /// Its id, for revocation; `None` for a legacy token.
    pub jti: Option<String>,
    /// When it was issued; `None` for a legacy token.
    pub iat: Option<i64>,
}

impl Verified {
    /// Whether the token predates `iss`, `aud`, `iat` and `jti` (accepted until it expires, but
    /// it cannot be revoked).
    pub fn legacy(&self) -> bool {
        self.jti.is_none() || self.iat.is_none()
    }
}

/// The claims as they appear in JSON.
#[derive(Serialize, Deserialize)]
struct WireClaims {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    aud: Option<String>,
    sub: String,
    role: String,
    region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    member: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iat: Option<i64>,
    exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    jti: Option<String>,
}

#[derive(Deserialize)]
struct WireHeader {
    alg: String,
    #[serde(default)]
    typ: Option<String>,
}

/// Why a token was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// Not three base64url parts with a JSON header and payload.
    #[error("malformed token")]
    Malformed,
    /// The header names an algorithm other than HS256 (e.g. `none`) or a type other than JWT.
    #[error("unsupported token algorithm or type (only HS256 JWTs are accepted)")]
    Algorithm,
    /// The signature does not match: tampered with, or signed with another secret.
    #[error("bad signature")]
    Signature,
    /// The token's `exp` lies in the past.
    #[error("token expired")]
    Expired,
    /// A claim is missing or unusable.
    #[error("bad claims: {0}")]
    Claims(String),
}

/// Signs `claims` with `secret`, issued at `now` with a fresh random `jti`; returns the token
/// and its `jti`.
pub fn sign_at(claims: &Claims, secret: &[u8], now: i64) -> Result<(String, String), JwtError> {
    let jti = new_jti().map_err(|error| JwtError::Claims(error.to_string()))?;
    let wire = WireClaims {
        iss: Some(ISSUER.to_owned()),
        aud: Some(AUDIENCE.to_owned()),
        sub: claims.sub.clone(),
        role: claims.role.as_str().to_owned(),
        region: claims.region.clone(),
        member: claims.member,
        iat: Some(now),
        exp: claims.exp,
        jti: Some(jti.clone()),
    };
    let mut header = Header::new(Algorithm::HS256);
    header.typ = Some("JWT".to_owned());
    let key = EncodingKey::from_secret(secret).map_err(|_| JwtError::Signature)?;
    let token = jsonwebtoken::encode(&header, &wire, &key)
        .map_err(|error| JwtError::Claims(error.to_string()))?;
    Ok((token, jti))
}

/// Signs `claims` with `secret`, issued now.
pub fn sign(claims: &Claims, secret: &[u8]) -> Result<String, JwtError> {
    sign_at(claims, secret, super::now()).map(|(token, _jti)| token)
}

/// 128 random bits as 32 hexadecimal digits.
fn new_jti() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

/// Verifies `token` against `secret` at time `now` (seconds since the epoch) and returns its
/// claims.
pub fn verify(token: &str, secret: &[u8], now: i64) -> Result<Claims, JwtError> {
    verify_token(token, secret, now).map(|verified| verified.claims)
}

/// Verifies `token` against `secret` at time `now` and returns its claims and identity.
pub fn verify_token(token: &str, secret: &[u8], now: i64) -> Result<Verified, JwtError> {
    let header = token.split('.').next().ok_or(JwtError::Malformed)?;
    let header: WireHeader = URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or(JwtError::Malformed)?;
    if header.alg != "HS256" || header.typ.as_deref().is_some_and(|typ| typ != "JWT") {
        return Err(JwtError::Algorithm);
    }
    let mut validation = Validation::new(Algorithm::HS256);
    // Expiry is checked below against `now`; `aud` and `iss` are optional for legacy tokens.
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let key = DecodingKey::from_secret(secret).map_err(|_| JwtError::Signature)?;
    let claims = jsonwebtoken::decode::<WireClaims>(token, &key, &validation)
        .map_err(|error| match error.kind() {
            ErrorKind::InvalidSignature => JwtError::Signature,
            ErrorKind::InvalidAlgorithm => JwtError::Algorithm,
            ErrorKind::Json(error) => JwtError::Claims(error.to_string()),
            _ => JwtError::Malformed,
        })?
        .claims;
    if claims.iss.as_deref().is_some_and(|iss| iss != ISSUER) {
        return Err(JwtError::Claims("`iss` is not this instance".into()));
    }
    if claims.aud.as_deref().is_some_and(|aud| aud != AUDIENCE) {
        return Err(JwtError::Claims("`aud` is not this instance".into()));
    }
    let role = Role::parse(&claims.role)
        .filter(|role| role.as_str() == claims.role)
        .ok_or_else(|| JwtError::Claims(format!("unknown role {:?}", claims.role)))?;
    if !domain::regions::is_region_code(&claims.region) {
        return Err(JwtError::Claims(format!(
            "region {:?} is not a six-digit code",
            claims.region
        )));
    }
    if role == Role::Member && claims.member.is_none() {
        return Err(JwtError::Claims("a MEMBER token needs `member`".into()));
    }
    if claims.exp <= now {
        return Err(JwtError::Expired);
    }
    Ok(Verified {
        claims: Claims {
            sub: claims.sub,
            role,
            region: claims.region,
            member: claims.member,
            exp: claims.exp,
        },
        jti: claims.jti,
        iat: claims.iat,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
    const NOW: i64 = 1_800_000_000;

    fn claims() -> Claims {
        Claims {
            sub: "alice".into(),
            role: Role::CountyStaff,
            region: "330212".into(),
            member: None,
            exp: NOW + 3600,
        }
    }

    fn part(json: &str) -> String {
        URL_SAFE_NO_PAD.encode(json)
    }

    #[test]
    fn round_trip() {
        let (token, jti) = sign_at(&claims(), SECRET, NOW - 10).unwrap();
        let verified = verify_token(&token, SECRET, NOW).unwrap();
        assert_eq!(verified.claims, claims());
        assert_eq!(verified.jti.as_deref(), Some(jti.as_str()));
        assert_eq!(verified.iat, Some(NOW - 10));
        assert!(!verified.legacy());
        assert_eq!(jti.len(), 32);
        let (_, other) = sign_at(&claims(), SECRET, NOW).unwrap();
        assert_ne!(jti, other, "every token gets its own jti");
        let header = token.split('.').next().unwrap();
        let header: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
        assert_eq!(header["alg"], "HS256");

        let member = Claims {
            role: Role::Member,
            member: Some(7),
            ..claims()
        };
        let token = sign(&member, SECRET).unwrap();
        assert_eq!(verify(&token, SECRET, NOW), Ok(member));
    }

    #[test]
    fn tampered_payload_is_refused() {
        let token = sign(&claims(), SECRET).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let forged = part(&format!(
            r#"{{"sub":"alice","role":"PROVINCE_STAFF","region":"330000","exp":{}}}"#,
            NOW + 3600
        ));
        let tampered = format!("{}.{}.{}", parts[0], forged, parts[2]);
        assert_eq!(verify(&tampered, SECRET, NOW), Err(JwtError::Signature));
    }

    #[test]
    fn wrong_secret_is_refused() {
        let token = sign(&claims(), b"another secret of thirty-two bytes!").unwrap();
        assert_eq!(verify(&token, SECRET, NOW), Err(JwtError::Signature));
    }

    #[test]
    fn expired_is_refused() {
        let token = sign(
            &Claims {
                exp: NOW - 1,
                ..claims()
            },
            SECRET,
        )
        .unwrap();
        assert_eq!(verify(&token, SECRET, NOW), Err(JwtError::Expired));
    }

    #[test]
    fn alg_none_and_other_algorithms_are_refused() {
        let payload = part(&format!(
            r#"{{"sub":"a","role":"PROVINCE_STAFF","region":"330000","exp":{}}}"#,
            NOW + 3600
        ));
        let none = format!("{}.{payload}.", part(r#"{"alg":"none","typ":"JWT"}"#));
        assert_eq!(verify(&none, SECRET, NOW), Err(JwtError::Algorithm));
        let hs512 = format!("{}.{payload}.AAAA", part(r#"{"alg":"HS512","typ":"JWT"}"#));
        assert_eq!(verify(&hs512, SECRET, NOW), Err(JwtError::Algorithm));
    }

    #[test]
    fn malformed_is_refused() {
        for token in [
            "",
            "abc",
            "a.b",
            "a.b.c.d",
            "!!!.???.***",
            &format!("{}.e30.AAAA", part("not json")),
        ] {
            assert_eq!(
                verify(token, SECRET, NOW),
                Err(JwtError::Malformed),
                "{token}"
            );
        }
    }

    fn sign_raw(payload: &str) -> String {
        let value: serde_json::Value = serde_json::from_str(payload).unwrap();
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &value,
            &EncodingKey::from_secret(SECRET).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn legacy_tokens_without_iss_aud_iat_jti_are_accepted_until_they_expire() {
        let exp = NOW + 60;
        let legacy = sign_raw(&format!(
            r#"{{"sub":"old","role":"CITY_STAFF","region":"330200","exp":{exp}}}"#
        ));
        let verified = verify_token(&legacy, SECRET, NOW).unwrap();
        assert!(verified.legacy());
        assert_eq!(verified.claims.sub, "old");
        assert_eq!(verify_token(&legacy, SECRET, exp), Err(JwtError::Expired));
    }

    #[test]
    fn another_issuer_or_audience_is_refused() {
        let exp = NOW + 60;
        for payload in [
            format!(
                r#"{{"iss":"elsewhere","sub":"a","role":"CITY_STAFF","region":"330200","exp":{exp}}}"#
            ),
            format!(
                r#"{{"aud":"account","sub":"a","role":"CITY_STAFF","region":"330200","exp":{exp}}}"#
            ),
        ] {
            assert!(
                matches!(
                    verify(&sign_raw(&payload), SECRET, NOW),
                    Err(JwtError::Claims(_))
                ),
                "{payload}"
            );
        }
    }

    #[test]
    fn claims_are_checked_after_the_signature() {
        let exp = NOW + 60;
        for payload in [
            format!(r#"{{"sub":"a","role":"ADMIN","region":"330000","exp":{exp}}}"#),
            format!(r#"{{"sub":"a","role":"MEMBER","region":"330000","exp":{exp}}}"#),
            format!(r#"{{"sub":"a","role":"CITY_STAFF","region":"3302","exp":{exp}}}"#),
            r#"{"sub":"a","role":"CITY_STAFF","region":"330200"}"#.to_owned(),
        ] {
            assert!(
                matches!(
                    verify(&sign_raw(&payload), SECRET, NOW),
                    Err(JwtError::Claims(_))
                ),
                "{payload}"
            );
        }
    }
}
