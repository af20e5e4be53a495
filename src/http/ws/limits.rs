//! The limits every GraphQL WebSocket lives under, and the per-client count of open sockets.
//!
//! async-graphql bounds none of these by itself (it has a keepalive timeout for the legacy
//! protocol only), so a client could otherwise hold sockets open without ever sending
//! `connection_init`, send 64 MiB messages, open thousands of subscriptions on one socket or
//! open thousands of sockets.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

/// The WebSocket settings (`XIESHANG_WS_*`, see `crate::config::ServerConfig`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebSocketLimits {
    /// How long a new socket may go without sending `connection_init` before it is closed with
    /// 4408 (`XIESHANG_WS_INIT_TIMEOUT_SECS`, default 10).
    pub init_timeout: Duration,
    /// Largest message (and frame) a client may send; a larger one closes the socket with 1009
    /// (`XIESHANG_WS_MAX_MESSAGE_BYTES`, default 64 KiB).
    pub max_message_bytes: usize,
    /// Operations (subscriptions, queries, mutations) running at once on one socket; one more
    /// is answered with an `error` message coded `TOO_MANY_OPERATIONS`
    /// (`XIESHANG_WS_MAX_OPERATIONS`, default 20).
    pub max_operations: usize,
    /// Sockets open at once from one client address (IPv6 by /64); one more is refused with
    /// HTTP 429 before the upgrade (`XIESHANG_WS_MAX_CONNECTIONS_PER_CLIENT`, default 10).
    pub max_connections_per_client: usize,
    /// How often the server pings; a socket from which nothing (not even a pong) arrived for
    /// two intervals is closed with 1011 (`XIESHANG_WS_PING_INTERVAL_SECS`, default 30).
    pub ping_interval: Duration,
    /// Events one subscription replays per second at most when it resumes from a cursor
    /// (`XIESHANG_WS_REPLAY_EVENTS_PER_SECOND`, default 500); `serve` hands it to the event
    /// feed, which paces the replay (`domain::feed`).
    pub replay_per_second: u32,
}

impl Default for WebSocketLimits {
    fn default() -> Self {
        Self {
            init_timeout: Duration::from_secs(10),
            max_message_bytes: 64 * 1024,
            max_operations: 20,
            max_connections_per_client: 10,
            ping_interval: Duration::from_secs(30),
            replay_per_second: 500,
        }
    }
}

/// Close code for a socket that did not send `connection_init` in time
/// (`graphql-transport-ws`'s "Connection initialisation timeout").
pub const INIT_TIMEOUT: u16 = 4408;
/// Close code for a message over the size limit (RFC 6455 "Message Too Big").
pub const MESSAGE_TOO_BIG: u16 = 1009;
/// Close code for a peer that stopped answering pings (as the `websockets` library does).
pub const KEEPALIVE_TIMEOUT: u16 = 1011;
/// The `extensions.code` of an operation refused because the socket runs too many.
pub const TOO_MANY_OPERATIONS: &str = "TOO_MANY_OPERATIONS";

/// How many sockets each client has open. Entries exist only while a client has a socket open,
/// so the map never holds more entries than there are open sockets.
#[derive(Debug, Default)]
pub struct ClientSockets {
    open: Mutex<HashMap<Option<IpAddr>, usize>>,
}

impl ClientSockets {
    /// Counts a socket for `client` until the returned guard drops, unless the client already
    /// has `limit` open.
    pub fn open(self: &Arc<Self>, client: Option<IpAddr>, limit: usize) -> Option<ClientSocket> {
        let key = client_key(client);
        let mut open = self.open.lock().ok()?;
        let count = open.entry(key).or_insert(0);
        if *count >= limit {
            if *count == 0 {
                open.remove(&key);
            }
            return None;
        }
        *count += 1;
        Some(ClientSocket {
            sockets: Arc::clone(self),
            key,
        })
    }

    /// How many sockets `client` has open.
    pub fn count(&self, client: Option<IpAddr>) -> usize {
        let key = client_key(client);
        self.open
            .lock()
            .map(|open| open.get(&key).copied().unwrap_or(0))
            .unwrap_or(0)
    }
}

/// One open socket of a client; dropping it frees the place.
#[derive(Debug)]
pub struct ClientSocket {
    sockets: Arc<ClientSockets>,
    key: Option<IpAddr>,
}

impl Drop for ClientSocket {
    fn drop(&mut self) {
        if let Ok(mut open) = self.sockets.open.lock()
            && let Some(count) = open.get_mut(&self.key)
        {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.key);
            }
        }
    }
}

/// The address sockets are counted under: IPv6 clients by their /64, the smallest block one
/// subscriber is usually given, so that one client cannot escape the limit by rotating through
/// its addresses.
fn client_key(client: Option<IpAddr>) -> Option<IpAddr> {
    match client? {
        IpAddr::V6(address) => match address.to_ipv4_mapped() {
            Some(v4) => Some(IpAddr::V4(v4)),
            None => {
                let prefix = u128::from(address) & !((1u128 << 64) - 1);
                Some(IpAddr::V6(prefix.into()))
            }
        },
        v4 => Some(v4),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().expect("an address"))
    }

    #[test]
    fn a_client_holds_at_most_the_limit_and_places_free_on_drop() {
        let sockets = Arc::new(ClientSockets::default());
        let first = sockets.open(ip("192.0.2.1"), 2);
        let second = sockets.open(ip("192.0.2.1"), 2);
        assert!(first.is_some() && second.is_some());
        assert!(sockets.open(ip("192.0.2.1"), 2).is_none());
        assert!(sockets.open(ip("192.0.2.2"), 2).is_some());
        drop(first);
        assert_eq!(sockets.count(ip("192.0.2.1")), 1);
        assert!(sockets.open(ip("192.0.2.1"), 2).is_some());
    }

    #[test]
    fn ipv6_clients_are_counted_per_64() {
        let sockets = Arc::new(ClientSockets::default());
        let _a = sockets.open(ip("2001:db8:1:2::1"), 1);
        assert!(sockets.open(ip("2001:db8:1:2:ffff::9"), 1).is_none());
        assert!(sockets.open(ip("2001:db8:1:3::1"), 1).is_some());
    }

    #[test]
    fn closed_clients_leave_no_entry() {
        let sockets = Arc::new(ClientSockets::default());
        drop(sockets.open(ip("192.0.2.1"), 1));
        assert!(sockets.open.lock().expect("lock").is_empty());
    }
}
