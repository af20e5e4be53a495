//! The replay rate of one subscription.
//!
//! A subscription that resumes from an old cursor replays the outbox page by page, as fast as
//! its client reads. Without a bound, a few clients resuming from the start of a 90-day log
//! keep the database busy for everyone; the pacer spaces the pages so that one subscription
//! replays at most a set number of events per second. Idle time earns no credit, so a reader
//! never bursts beyond one page.

use std::time::Duration;

use tokio::time::Instant;

/// Spaces the replay pages of one subscription.
#[derive(Clone, Debug)]
pub(crate) struct ReplayPacer {
    per_second: Option<u32>,
    next: Option<Instant>,
}

impl ReplayPacer {
    /// At most `per_second` events a second; `None` does not limit.
    pub(crate) fn new(per_second: Option<u32>) -> Self {
        Self {
            per_second: per_second.filter(|rate| *rate > 0),
            next: None,
        }
    }

    /// How long to wait at `now` before reading the next page.
    pub(crate) fn wait(&self, now: Instant) -> Duration {
        self.next
            .map_or(Duration::ZERO, |next| next.saturating_duration_since(now))
    }

    /// Records that a page of `events` was replayed at `now`.
    pub(crate) fn replayed(&mut self, now: Instant, events: usize) {
        let Some(per_second) = self.per_second else {
            return;
        };
        let start = self.next.map_or(now, |next| next.max(now));
        let spacing = Duration::from_secs_f64(events as f64 / f64::from(per_second));
        self.next = Some(start + spacing);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_spaced_by_their_size_over_the_rate() {
        let start = Instant::now();
        let mut pacer = ReplayPacer::new(Some(500));
        assert_eq!(pacer.wait(start), Duration::ZERO);
        pacer.replayed(start, 500);
        assert_eq!(pacer.wait(start), Duration::from_secs(1));
        assert_eq!(
            pacer.wait(start + Duration::from_millis(400)),
            Duration::from_millis(600)
        );
        // The next page is read on time: it is due one second after the first was.
        let second = start + Duration::from_secs(1);
        pacer.replayed(second, 250);
        assert_eq!(pacer.wait(second), Duration::from_millis(500));
    }

    #[test]
    fn idle_time_earns_no_burst() {
        let start = Instant::now();
        let mut pacer = ReplayPacer::new(Some(100));
        pacer.replayed(start, 100);
        let much_later = start + Duration::from_secs(3600);
        assert_eq!(pacer.wait(much_later), Duration::ZERO);
        pacer.replayed(much_later, 100);
        assert_eq!(pacer.wait(much_later), Duration::from_secs(1));
    }

    #[test]
    fn no_rate_means_no_wait() {
        let start = Instant::now();
        for rate in [None, Some(0)] {
            let mut pacer = ReplayPacer::new(rate);
            pacer.replayed(start, 1_000_000);
            assert_eq!(pacer.wait(start), Duration::ZERO);
        }
    }
}
