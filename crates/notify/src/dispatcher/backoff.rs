//! When to try a failed delivery again: exponential backoff with full jitter.
//!
//! Full jitter (a random wait between zero and the exponential bound) spreads the retries of
//! many deliveries that failed together, e.g. when a receiver comes back after an outage, instead
//! of sending them all again at the same instant.

use std::time::Duration;

/// The longest `Retry-After` we honour; a receiver asking for more is waited on for this long.
/// An hour: a receiver (or anyone who can answer for it) must not park a target's stream for a
/// day with one header.
const RETRY_AFTER_LIMIT: Duration = Duration::from_secs(3600);

/// The wait before the next attempt, after `failed` failed attempts (1 for the first failure):
/// random in `[0, min(cap, base·2^(failed-1))]`, and never shorter than what the receiver asked
/// for with `retry_after`.
pub(super) fn delay(
    failed: i32,
    base: Duration,
    cap: Duration,
    retry_after: Option<Duration>,
) -> Duration {
    let exponent = u32::try_from(failed.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    let bound = base.saturating_mul(1 << exponent).min(cap);
    let jittered = bound.mul_f64(fastrand::f64());
    let asked = retry_after.unwrap_or_default().min(RETRY_AFTER_LIMIT);
    jittered.max(asked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_up_to_the_cap_with_jitter_below_the_bound() {
        let base = Duration::from_secs(1);
        let cap = Duration::from_secs(600);
        for failed in 1..=40 {
            let bound = base.saturating_mul(1 << (failed - 1).min(30)).min(cap);
            for _ in 0..50 {
                assert!(delay(failed, base, cap, None) <= bound);
            }
        }
        // Jitter: the waits differ (one thousand equal draws would be a broken generator).
        let draws: std::collections::HashSet<_> =
            (0..1000).map(|_| delay(10, base, cap, None)).collect();
        assert!(draws.len() > 1);
    }

    #[test]
    fn honours_retry_after_as_a_minimum() {
        let asked = Duration::from_secs(90);
        for _ in 0..50 {
            let wait = delay(
                1,
                Duration::from_secs(1),
                Duration::from_secs(600),
                Some(asked),
            );
            assert_eq!(wait, asked);
        }
        let huge = Some(Duration::from_secs(10 * 24 * 3600));
        assert_eq!(
            delay(1, Duration::ZERO, Duration::ZERO, huge),
            RETRY_AFTER_LIMIT
        );
        // A day is asked for, an hour is waited.
        let day = Some(Duration::from_secs(24 * 3600));
        assert_eq!(
            delay(1, Duration::ZERO, Duration::ZERO, day),
            Duration::from_secs(3600)
        );
    }
}
