//! The two signatures: the webhook's hex HMAC over `timestamp.body`, and DingTalk's 加签.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// HMAC-SHA256 of `parts` (concatenated) keyed with `key`.
fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this never fails; an empty MAC would only make the
    // receiver reject the message, never leak anything.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return Vec::new();
    };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

/// The `X-Xieshang-Signature` header value: `sha256=` and the lowercase hex HMAC-SHA256 of
/// `timestamp + "." + body` keyed with the target's secret.
pub(super) fn webhook_signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mac = hmac_sha256(
        secret.as_bytes(),
        &[timestamp.to_string().as_bytes(), b".", body],
    );
    let mut header = String::with_capacity(7 + mac.len() * 2);
    header.push_str("sha256=");
    for byte in mac {
        header.push_str(&format!("{byte:02x}"));
    }
    header
}

/// DingTalk's `sign` parameter before URL encoding: Base64 of HMAC-SHA256 keyed with the secret
/// over `timestamp + "\n" + secret` (`timestamp` in milliseconds).
pub(super) fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    let mac = hmac_sha256(
        secret.as_bytes(),
        &[
            timestamp_ms.to_string().as_bytes(),
            b"\n",
            secret.as_bytes(),
        ],
    );
    STANDARD.encode(mac)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_signature_matches_a_known_value() {
        // Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac s3cret
        assert_eq!(
            webhook_signature("s3cret", 1_700_000_000, br#"{"a":1}"#),
            "sha256=1698a50bc74d1ff1db85c4e0a5297c2ad9fdba245d5737cdb789e4cc6e098940"
        );
    }

    #[test]
    fn dingtalk_sign_matches_a_known_value() {
        // Computed independently with DingTalk's documented Python recipe:
        // base64.b64encode(hmac.new(b"SEC000", b"1700000000000\nSEC000", sha256).digest())
        assert_eq!(
            dingtalk_sign("SEC000", 1_700_000_000_000),
            "ltBBey5eZrWKh1cPzFIdz3v3xpkc4Tjx4lLsPSHqdtA="
        );
    }
}
