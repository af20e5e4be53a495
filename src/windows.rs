//! Fixed-window counters per key in a map of bounded size, for the public-submission limiter
//! and the cost budgets.
//!
//! Why not `governor`: its keyed store grows with every key it has seen, and its
//! `retain_recent` scans the whole table. Here every call does a bounded amount of work: it
//! forgets at most [`EXPIRED_PER_CALL`] expired windows, then looks up one key; when the map is
//! full, a new key evicts the window that started first. Eviction forgets a client's spending,
//! so a flood of new keys can at worst give an old client a fresh window — it can never make
//! the map grow or refuse a client that has not spent its budget.

use std::{
    collections::{BTreeMap, HashMap},
    hash::Hash,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Expired windows forgotten per call, oldest first.
const EXPIRED_PER_CALL: usize = 4;

/// The outcome of a charge against a key's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Charge {
    /// Whether the amount fitted in the window and was taken.
    pub admitted: bool,
    /// What is left of the window's limit after this charge.
    pub remaining: u64,
    /// How long until the window starts afresh.
    pub resets_in: Duration,
}

/// Counters per key, each over a fixed window that starts at the key's first charge.
#[derive(Debug)]
pub struct KeyedWindows<K> {
    window: Duration,
    capacity: usize,
    state: Mutex<State<K>>,
}

#[derive(Debug)]
struct State<K> {
    entries: HashMap<K, Entry>,
    /// Every entry's (window start, sequence number), oldest first, for eviction.
    order: BTreeMap<(Instant, u64), K>,
    next: u64,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    started: Instant,
    sequence: u64,
    used: u64,
}

impl<K: Hash + Eq + Clone> KeyedWindows<K> {
    /// Windows of `window`, for at most `capacity` keys at once (at least 1).
    pub fn new(window: Duration, capacity: usize) -> Self {
        Self {
            window,
            capacity: capacity.max(1),
            state: Mutex::new(State {
                entries: HashMap::new(),
                order: BTreeMap::new(),
                next: 0,
            }),
        }
    }

    /// Takes `amount` from `key`'s window if the window's total stays within `limit`;
    /// otherwise takes nothing and says when the window resets.
    pub fn charge(&self, key: K, amount: u64, limit: u64) -> Charge {
        self.charge_at(key, amount, limit, Instant::now())
    }

    /// [`KeyedWindows::charge`] at a given instant (for tests).
    pub fn charge_at(&self, key: K, amount: u64, limit: u64, now: Instant) -> Charge {
        let Ok(mut state) = self.state.lock() else {
            // A panic while holding the lock: refuse rather than admit unmetered.
            return Charge {
                admitted: false,
                remaining: 0,
                resets_in: self.window,
            };
        };
        state.forget_expired(now, self.window);
        let entry = match state.entries.get(&key).copied() {
            Some(entry) if now.saturating_duration_since(entry.started) < self.window => entry,
            Some(expired) => {
                state.order.remove(&(expired.started, expired.sequence));
                state.start(key.clone(), now)
            }
            None => {
                if state.entries.len() >= self.capacity {
                    state.evict_oldest();
                }
                state.start(key.clone(), now)
            }
        };
        let resets_in = (entry.started + self.window).saturating_duration_since(now);
        let total = entry.used.saturating_add(amount);
        if total > limit {
            return Charge {
                admitted: false,
                remaining: limit.saturating_sub(entry.used),
                resets_in,
            };
        }
        if let Some(stored) = state.entries.get_mut(&key) {
            stored.used = total;
        }
        Charge {
            admitted: true,
            remaining: limit - total,
            resets_in,
        }
    }

    /// How many keys are remembered now.
    pub fn len(&self) -> usize {
        self.state.lock().map_or(0, |state| state.entries.len())
    }

    /// Whether no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<K: Hash + Eq + Clone> State<K> {
    /// Opens a fresh window for `key` at `now`.
    fn start(&mut self, key: K, now: Instant) -> Entry {
        let entry = Entry {
            started: now,
            sequence: self.next,
            used: 0,
        };
        self.next += 1;
        self.order.insert((now, entry.sequence), key.clone());
        self.entries.insert(key, entry);
        entry
    }

    /// Forgets up to [`EXPIRED_PER_CALL`] windows that have ended, oldest first.
    fn forget_expired(&mut self, now: Instant, window: Duration) {
        for _ in 0..EXPIRED_PER_CALL {
            match self.order.first_key_value() {
                Some(((started, _), _)) if now.saturating_duration_since(*started) >= window => {
                    self.evict_oldest();
                }
                _ => break,
            }
        }
    }

    /// Forgets the window that started first.
    fn evict_oldest(&mut self) {
        if let Some((_, key)) = self.order.pop_first() {
            self.entries.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn a_window_admits_up_to_its_limit_then_resets() {
        let windows = KeyedWindows::new(MINUTE, 10);
        let start = Instant::now();
        assert!(windows.charge_at("a", 7, 10, start).admitted);
        let refused = windows.charge_at("a", 4, 10, start + Duration::from_secs(20));
        assert!(!refused.admitted);
        assert_eq!(refused.remaining, 3);
        assert_eq!(refused.resets_in, Duration::from_secs(40));
        assert!(windows.charge_at("a", 3, 10, start).admitted);
        assert!(windows.charge_at("a", 10, 10, start + MINUTE).admitted);
        assert!(windows.charge_at("b", 10, 10, start).admitted);
    }

    #[test]
    fn the_map_never_grows_beyond_its_capacity() {
        let windows = KeyedWindows::new(MINUTE, 100);
        let start = Instant::now();
        for key in 0..10_000u32 {
            assert!(windows.charge_at(key, 1, 1, start).admitted);
            assert!(windows.len() <= 100);
        }
        // The newest keys are remembered; the oldest were evicted and start afresh.
        assert!(!windows.charge_at(9_999, 1, 1, start).admitted);
        assert!(windows.charge_at(0, 1, 1, start).admitted);
    }

    #[test]
    fn expired_windows_are_forgotten_a_few_per_call() {
        let windows = KeyedWindows::new(MINUTE, 1_000);
        let start = Instant::now();
        for key in 0..100u32 {
            windows.charge_at(key, 1, 1, start);
        }
        windows.charge_at(1_000, 1, 1, start + MINUTE);
        assert_eq!(windows.len(), 100 + 1 - EXPIRED_PER_CALL);
    }
}
