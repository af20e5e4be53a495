//! Where the server may send notifications.
//!
//! A notification target makes the server send HTTP requests to a URL a caller chose. Left
//! unchecked, that lets anyone with a token aim the server at the internal network (a database
//! admin page, a cloud metadata endpoint at 169.254.169.254): server-side request forgery. So a
//! target's host must be, and resolve only to, public addresses unless the operator turns
//! `XIESHANG_ALLOW_PRIVATE_TARGETS` on (tests do, to reach a local receiver).
//!
//! The check runs when a target is created or changed, and adapters may run it again right
//! before sending, since a name can resolve differently later (DNS rebinding).

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    time::Duration,
};

use url::{Host, Url};

use crate::DomainError;

/// The variable that lets targets point at loopback or private addresses.
pub const ALLOW_PRIVATE_VARIABLE: &str = "XIESHANG_ALLOW_PRIVATE_TARGETS";

/// How long resolving a target's host name may take before the target is refused.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// Parses an absolute `http`/`https` URL with a host; anything else is `INVALID` on `url`. The
/// messages never repeat the URL: robot URLs carry credentials.
pub fn parse_http_url(text: &str) -> Result<Url, DomainError> {
    let parsed = Url::parse(text.trim())
        .map_err(|error| DomainError::invalid("url", format!("not a valid URL ({error})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(DomainError::invalid(
            "url",
            format!(
                "must be an http or https URL (got scheme {:?})",
                parsed.scheme()
            ),
        ));
    }
    if parsed.host().is_none() {
        return Err(DomainError::invalid("url", "must name a host"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(DomainError::invalid(
            "url",
            "must not carry a user name or password; put the signing secret in `secret`",
        ));
    }
    Ok(parsed)
}

/// Refuses `url` unless it is an `http`/`https` URL whose host is public: not `localhost`, not
/// an internal address, and not a name that resolves to one. With `allow_private` only the URL's
/// form is checked.
pub async fn ensure_public_destination(url: &str, allow_private: bool) -> Result<(), DomainError> {
    let parsed = parse_http_url(url)?;
    if allow_private {
        return Ok(());
    }
    match parsed.host() {
        Some(Host::Ipv4(ip)) => refuse_internal(&ip.to_string(), &[IpAddr::V4(ip)]),
        Some(Host::Ipv6(ip)) => refuse_internal(&ip.to_string(), &[IpAddr::V6(ip)]),
        Some(Host::Domain(name)) => {
            if is_local_name(name) {
                return Err(refused(name));
            }
            let port = parsed.port_or_known_default().unwrap_or(80);
            let resolved =
                tokio::time::timeout(LOOKUP_TIMEOUT, tokio::net::lookup_host((name, port)))
                    .await
                    .map_err(|_| {
                        DomainError::invalid("url", format!("resolving {name} timed out"))
                    })?
                    .map_err(|error| {
                        DomainError::invalid("url", format!("cannot resolve {name}: {error}"))
                    })?;
            let addresses: Vec<IpAddr> = resolved.map(|address: SocketAddr| address.ip()).collect();
            if addresses.is_empty() {
                return Err(DomainError::invalid(
                    "url",
                    format!("{name} resolves to no address"),
                ));
            }
            refuse_internal(name, &addresses)
        }
        None => Err(DomainError::invalid("url", "must name a host")),
    }
}

/// Refuses `host` when any of its addresses is internal: one private answer is enough to be
/// aimed inward.
fn refuse_internal(host: &str, addresses: &[IpAddr]) -> Result<(), DomainError> {
    if addresses
        .iter()
        .any(|address| is_internal_address(*address))
    {
        return Err(refused(host));
    }
    Ok(())
}

fn refused(host: &str) -> DomainError {
    DomainError::invalid(
        "url",
        format!(
            "{host} is a loopback, private or otherwise internal address; notification targets \
             must be reachable on the public internet (the operator may set \
             {ALLOW_PRIVATE_VARIABLE}=on to allow internal targets, e.g. for tests)"
        ),
    )
}

/// `localhost` and names below it, which resolvers answer with loopback addresses (RFC 6761).
fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

/// Whether the server must not send to `address`: loopback, private, link-local, shared
/// (CGNAT), unspecified, multicast, broadcast or reserved IPv4; loopback, unspecified,
/// unique-local, link-local, site-local or multicast IPv6; IPv6 forms that embed an internal
/// IPv4 address (mapped, compatible, NAT64, 6to4); and IPv6 ranges that translate or tunnel to
/// an address we cannot see (local-use NAT64 `64:ff9b:1::/48`, IPv4-translated
/// `::ffff:0:0:0/96`, Teredo `2001::/32`), refused whole.
pub fn is_internal_address(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => is_internal_v6(v6),
    }
}

fn is_internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_broadcast()
        // 0.0.0.0/8: "this network".
        || a == 0
        // 100.64.0.0/10: carrier-grade NAT (shared address space).
        || (a == 100 && (b & 0xc0) == 64)
        // 192.0.0.0/24: IETF protocol assignments.
        || (a == 192 && b == 0 && c == 0)
        // 198.18.0.0/15: benchmarking networks.
        || (a == 198 && (b & 0xfe) == 18)
        // 240.0.0.0/4: reserved.
        || a >= 240
}

fn is_internal_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_internal_v4(v4);
    }
    let segments = ip.segments();
    let embedded = |high: u16, low: u16| {
        Ipv4Addr::new((high >> 8) as u8, high as u8, (low >> 8) as u8, low as u8)
    };
    // ::/96 holds ::, ::1 and the deprecated IPv4-compatible addresses: none is a public host.
    if segments[..6] == [0; 6] {
        return true;
    }
    // 64:ff9b::/96: NAT64 to the embedded IPv4 address.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_internal_v4(embedded(segments[6], segments[7]));
    }
    // 64:ff9b:1::/48: local-use NAT64 (RFC 8215), translated by the operator's own gateway to
    // any IPv4 address, internal ones included.
    if segments[..3] == [0x64, 0xff9b, 1] {
        return true;
    }
    // ::ffff:0:0:0/96: IPv4-translated addresses (SIIT, RFC 2765), another embedding of IPv4.
    if segments[..6] == [0, 0, 0, 0, 0xffff, 0] {
        return true;
    }
    // 2001::/32: Teredo, tunnelled to an obfuscated IPv4 address behind a relay.
    if segments[..2] == [0x2001, 0] {
        return true;
    }
    // 2002::/16: 6to4 relaying to the embedded IPv4 address.
    if segments[0] == 0x2002 {
        return is_internal_v4(embedded(segments[1], segments[2]));
    }
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_unique_local()
        || ip.is_unicast_link_local()
        // fec0::/10: deprecated site-local.
        || (segments[0] & 0xffc0) == 0xfec0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn internal(text: &str) -> bool {
        is_internal_address(text.parse().unwrap())
    }

    #[test]
    fn internal_ipv4_ranges_are_recognised() {
        for address in [
            "127.0.0.1",
            "127.255.0.9",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "0.0.0.0",
            "0.1.2.3",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.0.8",
            "198.18.0.1",
        ] {
            assert!(internal(address), "{address} is internal");
        }
        for address in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "100.63.255.255",
            "47.96.0.1",
            "198.20.0.1",
        ] {
            assert!(!internal(address), "{address} is public");
        }
    }

    #[test]
    fn internal_ipv6_ranges_and_embedded_ipv4_are_recognised() {
        for address in [
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a00:1",
            "2002:c0a8:101::1",
            "64:ff9b:1::808:808",
            "64:ff9b:1:ffff::1",
            "::ffff:0:808:808",
            "::ffff:0:a00:1",
            "2001::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
        ] {
            assert!(internal(address), "{address} is internal");
        }
        for address in [
            "2400:3200::1",
            "2001:4860:4860::8888",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "64:ff9b:2::1",
            "2001:1::1",
            "2001:db9::1",
        ] {
            assert!(!internal(address), "{address} is public");
        }
    }

    fn refused_with_hint(result: Result<(), DomainError>) -> bool {
        matches!(
            result,
            Err(DomainError::Invalid { ref field, ref message })
                if field == "url" && message.contains(ALLOW_PRIVATE_VARIABLE)
        )
    }

    #[tokio::test]
    async fn internal_hosts_are_refused_unless_allowed() {
        for url in [
            "http://127.0.0.1:8080/hook",
            "https://localhost/hook",
            "http://LOCALHOST./hook",
            "http://api.localhost/hook",
            "http://[::1]/hook",
            "http://[::ffff:192.168.0.1]/hook",
            "http://10.0.0.5/hook",
            "http://169.254.169.254/latest/meta-data",
            // The WHATWG parser reads these as 127.0.0.1.
            "http://2130706433/hook",
            "http://0x7f.1/hook",
        ] {
            assert!(
                refused_with_hint(ensure_public_destination(url, false).await),
                "{url} must be refused"
            );
            assert!(
                ensure_public_destination(url, true).await.is_ok(),
                "{url} is allowed with {ALLOW_PRIVATE_VARIABLE}"
            );
        }
        assert!(
            ensure_public_destination("https://8.8.8.8/hook", false)
                .await
                .is_ok()
        );
        assert!(
            ensure_public_destination("https://[2400:3200::1]/hook", false)
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn only_http_urls_with_a_host_and_no_credentials_pass() {
        for url in [
            "ftp://8.8.8.8/x",
            "file:///etc/passwd",
            "not a url",
            "https://user:pass@8.8.8.8/hook",
            "mailto:someone@example.com",
            "",
        ] {
            for allow in [false, true] {
                assert!(
                    matches!(
                        ensure_public_destination(url, allow).await,
                        Err(DomainError::Invalid { ref field, .. }) if field == "url"
                    ),
                    "{url} must be refused"
                );
            }
        }
    }

    #[test]
    fn one_internal_answer_refuses_a_name() {
        let public: IpAddr = "8.8.8.8".parse().unwrap();
        let private: IpAddr = "10.0.0.1".parse().unwrap();
        assert!(refuse_internal("example.com", &[public]).is_ok());
        assert!(refused_with_hint(refuse_internal(
            "example.com",
            &[public, private]
        )));
    }
}
