//! The client's address and a per-address budget for public submissions.
//!
//! Behind a reverse proxy every request comes from the proxy, so `X-Forwarded-For` is believed
//! only when the direct peer is one of `XIESHANG_TRUSTED_PROXIES`; otherwise a client could
//! claim any address and escape the limit.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

use axum::http::HeaderMap;

/// The address to account a request to: the peer, or — when the peer is a trusted proxy — the
/// last address in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_address(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|part| part.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|address| !trusted.contains(address))
        .or(Some(peer))
}

/// A fixed-window budget per client address.
#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    window: Duration,
    counts: Mutex<HashMap<Option<IpAddr>, (Instant, u32)>>,
}

impl RateLimiter {
    /// At most `limit` admissions per `window` per address.
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one admission for `address`, or refuses when its budget is spent.
    pub fn admit(&self, address: Option<IpAddr>) -> bool {
        let Ok(mut counts) = self.counts.lock() else {
            return false;
        };
        let now = Instant::now();
        if counts.len() > 100_000 {
            counts.retain(|_, (started, _)| now.duration_since(*started) < self.window);
        }
        let entry = counts.entry(address).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            return false;
        }
        entry.1 += 1;
        true
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
}
