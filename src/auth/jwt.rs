//! HS256 JSON Web Tokens (RFC 7519), just what xieshang needs: compact serialization, the header
//! `{"alg":"HS256","typ":"JWT"}`, and the claims `sub`, `role`, `region`, `member`, `exp`.
//!
//! Verification checks, in order: three base64url (unpadded) parts; a header naming `HS256`
//! (anything else, `none` included, is refused); the HMAC-SHA256 signature, compared in constant
//! time; then the claims and their expiry.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use domain::Role;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The only header xieshang writes.
const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

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

/// The claims as they appear in JSON.
#[derive(Serialize, Deserialize)]
struct WireClaims {
    sub: String,
    role: String,
    region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    member: Option<i64>,
    exp: i64,
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

fn mac(secret: &[u8], signing_input: &str) -> Result<Hmac<Sha256>, JwtError> {
    // HMAC takes keys of any length, so this never fails.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| JwtError::Signature)?;
    mac.update(signing_input.as_bytes());
    Ok(mac)
}

/// Signs `claims` with `secret`.
pub fn sign(claims: &Claims, secret: &[u8]) -> Result<String, JwtError> {
    let payload = serde_json::to_vec(&WireClaims {
        sub: claims.sub.clone(),
        role: claims.role.as_str().to_owned(),
        region: claims.region.clone(),
        member: claims.member,
        exp: claims.exp,
    })
    .map_err(|error| JwtError::Claims(error.to_string()))?;
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(HEADER),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let signature = mac(secret, &signing_input)?.finalize().into_bytes();
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
    ))
}

/// Verifies `token` against `secret` at time `now` (seconds since the epoch) and returns its
/// claims.
pub fn verify(token: &str, secret: &[u8], now: i64) -> Result<Claims, JwtError> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    let decode = |part: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| JwtError::Malformed)
    };
    let header: WireHeader =
        serde_json::from_slice(&decode(header)?).map_err(|_| JwtError::Malformed)?;
    if header.alg != "HS256" || header.typ.as_deref().is_some_and(|typ| typ != "JWT") {
        return Err(JwtError::Algorithm);
    }
    let signature = decode(signature)?;
    let signing_input = &token[..token.len() - signature_len(token)];
    mac(secret, signing_input)?
        .verify_slice(&signature)
        .map_err(|_| JwtError::Signature)?;

    let claims: WireClaims = serde_json::from_slice(&decode(payload)?)
        .map_err(|error| JwtError::Claims(error.to_string()))?;
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
    Ok(Claims {
        sub: claims.sub,
        role,
        region: claims.region,
        member: claims.member,
        exp: claims.exp,
    })
}

/// Length of the signature part plus its leading dot.
fn signature_len(token: &str) -> usize {
    token.rsplit('.').next().map_or(0, |part| part.len() + 1)
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
        let token = sign(&claims(), SECRET).unwrap();
        assert_eq!(verify(&token, SECRET, NOW), Ok(claims()));
        let header = token.split('.').next().unwrap();
        assert_eq!(URL_SAFE_NO_PAD.decode(header).unwrap(), HEADER.as_bytes());

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

    #[test]
    fn claims_are_checked_after_the_signature() {
        let sign_raw = |payload: &str| {
            let input = format!("{}.{}", part(HEADER), part(payload));
            let signature = mac(SECRET, &input).unwrap().finalize().into_bytes();
            format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
        };
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
