//! The robot rate limit: at most `limit` messages per sliding `window` and target.
//!
//! Kept in memory: a target is worked by one process at a time (its lease), so with one replica
//! this window is the target's window. Leases are given back after every round, so with N
//! replicas a robot target can move between them and receive up to N × `limit` messages per
//! window; the robot's own rate-limit answer is then a retryable failure (retried after a
//! minute), so nothing is lost, but the limit is per replica, not global.

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
    time::{Duration, Instant},
};

/// Send times per target.
#[derive(Debug)]
pub(super) struct Throttle {
    limit: usize,
    window: Duration,
    sent: Mutex<HashMap<i64, VecDeque<Instant>>>,
}

impl Throttle {
    /// `limit` messages per `window`; a limit of 0 never throttles.
    pub(super) fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit: usize::try_from(limit).unwrap_or(usize::MAX),
            window,
            sent: Mutex::new(HashMap::new()),
        }
    }

    /// `None` when target `id` may receive a message now, else the instant it may.
    pub(super) fn wait_until(&self, id: i64, now: Instant) -> Option<Instant> {
        if self.limit == 0 {
            return None;
        }
        let mut sent = self.sent.lock().ok()?;
        let times = sent.entry(id).or_default();
        while times
            .front()
            .is_some_and(|sent| now.duration_since(*sent) >= self.window)
        {
            times.pop_front();
        }
        if times.len() < self.limit {
            return None;
        }
        times.front().map(|oldest| *oldest + self.window)
    }

    /// Counts a message to target `id` sent at `now` (failed attempts count too: the robot saw
    /// them).
    pub(super) fn record(&self, id: i64, now: Instant) {
        if self.limit == 0 {
            return;
        }
        if let Ok(mut sent) = self.sent.lock() {
            let times = sent.entry(id).or_default();
            times.push_back(now);
            while times.len() > self.limit {
                times.pop_front();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_limit_messages_per_window_and_names_when_the_next_may_go() {
        let throttle = Throttle::new(2, Duration::from_secs(60));
        let start = Instant::now();
        assert_eq!(throttle.wait_until(1, start), None);
        throttle.record(1, start);
        throttle.record(1, start + Duration::from_secs(10));
        let later = start + Duration::from_secs(20);
        assert_eq!(
            throttle.wait_until(1, later),
            Some(start + Duration::from_secs(60))
        );
        // Other targets have windows of their own.
        assert_eq!(throttle.wait_until(2, later), None);
        // Once the oldest message leaves the window, one more may go.
        assert_eq!(
            throttle.wait_until(1, start + Duration::from_secs(60)),
            None
        );
    }

    #[test]
    fn a_zero_limit_never_throttles() {
        let throttle = Throttle::new(0, Duration::from_secs(60));
        let now = Instant::now();
        for _ in 0..100 {
            throttle.record(1, now);
        }
        assert_eq!(throttle.wait_until(1, now), None);
    }
}
