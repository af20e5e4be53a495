//! The client's address and a per-address budget for public submissions.
//!
//! Behind a reverse proxy every request comes from the proxy, so `X-Forwarded-For` is believed
//! only when the direct peer is one of `XIESHANG_TRUSTED_PROXIES`; otherwise a client could
//! claim any address and escape the limit. Addresses are compared in canonical form, so a
//! proxy that connects over IPv6 as `::ffff:10.0.0.1` is the trusted `10.0.0.1`.
//!
//! Budgets are kept per [`client_key`]: an IPv4 address, or the /64 network of an IPv6 address
//! (one subscriber usually holds a whole /64 and could otherwise take a fresh budget per
//! address).

use std::{
    net::{IpAddr, Ipv6Addr},
    time::Duration,
};

use axum::http::HeaderMap;

use crate::windows::KeyedWindows;

/// Clients remembered by a limiter unless configured otherwise (`XIESHANG_TRACKED_CLIENTS`).
pub const DEFAULT_TRACKED_CLIENTS: usize = 100_000;

/// The address to account a request to: the peer, or — when the peer is a trusted proxy — the
/// last address in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_address(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let peer = peer?.to_canonical();
    let is_trusted = |address: &IpAddr| {
        trusted
            .iter()
            .any(|proxy| proxy.to_canonical() == address.to_canonical())
    };
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|part| part.trim().parse::<IpAddr>().ok())
        .map(|address| address.to_canonical())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|address| !is_trusted(address))
        .or(Some(peer))
}

/// What a budget is keyed by for an address: the IPv4 address itself, or the /64 network of
/// an IPv6 address (IPv4-mapped addresses count as IPv4).
pub fn client_key(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(network))
        }
        v4 => v4,
    }
}

/// A fixed-window budget per client (see [`client_key`]), in a map of bounded size.
#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    windows: KeyedWindows<Option<IpAddr>>,
}

impl RateLimiter {
    /// At most `limit` admissions per `window` per client, remembering at most
    /// [`DEFAULT_TRACKED_CLIENTS`] clients.
    pub fn new(limit: u32, window: Duration) -> Self {
        Self::with_capacity(limit, window, DEFAULT_TRACKED_CLIENTS)
    }

    /// Like [`RateLimiter::new`], remembering at most `capacity` clients (when full, the client
    /// whose window started first is forgotten).
    pub fn with_capacity(limit: u32, window: Duration, capacity: usize) -> Self {
        Self {
            limit,
            windows: KeyedWindows::new(window, capacity),
        }
    }

    /// Takes one admission for `address`, or refuses when its budget is spent.
    pub fn admit(&self, address: Option<IpAddr>) -> bool {
        self.windows
            .charge(address.map(client_key), 1, u64::from(self.limit))
            .admitted
    }

    /// How many clients are remembered now.
    pub fn tracked(&self) -> usize {
        self.windows.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "203.0.113.9, 10.0.0.2".parse().expect("a header"),
        );
        let trusted = [ip("10.0.0.1"), ip("10.0.0.2")];
        assert_eq!(
            client_address(Some(ip("10.0.0.1")), &headers, &trusted),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            client_address(Some(ip("198.51.100.7")), &headers, &trusted),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(
            client_address(Some(ip("10.0.0.1")), &HeaderMap::new(), &trusted),
            Some(ip("10.0.0.1"))
        );
    }

    #[test]
    fn each_address_has_its_own_budget() {
        let limiter = RateLimiter::new(2, Duration::from_secs(3600));
        let (a, b) = (Some(ip("192.0.2.1")), Some(ip("192.0.2.2")));
        assert!(limiter.admit(a));
        assert!(limiter.admit(a));
        assert!(!limiter.admit(a));
        assert!(limiter.admit(b));
    }

    #[test]
    fn ipv4_mapped_peers_and_forwarded_addresses_match_trusted_proxies() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "203.0.113.9".parse().expect("a header"));
        let trusted = [ip("10.0.0.1")];
        assert_eq!(
            client_address(Some(ip("::ffff:10.0.0.1")), &headers, &trusted),
            Some(ip("203.0.113.9"))
        );
        // A proxy listed in mapped form is recognised when it connects over IPv4, too.
        assert_eq!(
            client_address(Some(ip("10.0.0.1")), &headers, &[ip("::ffff:10.0.0.1")]),
            Some(ip("203.0.113.9"))
        );
        headers.insert(
            "x-forwarded-for",
            "::ffff:198.51.100.7, ::ffff:10.0.0.1"
                .parse()
                .expect("a header"),
        );
        assert_eq!(
            client_address(Some(ip("10.0.0.1")), &headers, &trusted),
            Some(ip("198.51.100.7"))
        );
    }

    #[test]
    fn ipv6_clients_share_a_budget_per_64() {
        let limiter = RateLimiter::new(2, Duration::from_secs(3600));
        assert!(limiter.admit(Some(ip("2001:db8:1:2::1"))));
        assert!(limiter.admit(Some(ip("2001:db8:1:2:ffff::9"))));
        assert!(!limiter.admit(Some(ip("2001:db8:1:2:abcd::1"))));
        assert!(limiter.admit(Some(ip("2001:db8:1:3::1"))));
        assert_eq!(client_key(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
    }

    #[test]
    fn the_limiter_remembers_a_bounded_number_of_clients() {
        let limiter = RateLimiter::with_capacity(1, Duration::from_secs(3600), 1_000);
        for n in 0..50_000u32 {
            let address = IpAddr::V6(Ipv6Addr::from(u128::from(n) << 64));
            assert!(limiter.admit(Some(address)));
        }
        assert_eq!(limiter.tracked(), 1_000);
    }
}
