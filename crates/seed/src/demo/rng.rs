//! A tiny deterministic pseudo-random generator (splitmix64).
//!
//! Why not `rand`: the demo data must be identical on every run, every platform and every
//! version of our dependencies (test templates are keyed on `seed::DEMO_VERSION`), and
//! `rand` does not promise stable streams across versions. splitmix64 is a dozen lines, passes
//! the usual statistical tests for this kind of use, and is fully specified here.

/// splitmix64 (Steele, Lea, Flood 2014), as used to seed xoshiro generators.
#[derive(Clone, Debug)]
pub(crate) struct Rng {
    state: u64,
}

impl Rng {
    /// A generator for one part of the data set. Each table gets its own stream (`stream` is a
    /// short label), so changing how one table is generated does not reshuffle the others.
    pub(crate) fn new(stream: &str) -> Self {
        // FNV-1a of the label, mixed with a fixed seed.
        let label = stream
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
                (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
            });
        Self {
            state: label ^ 0x2020_1231_0000_0110,
        }
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0). The modulo bias is below 2⁻³² for the small `n`
    /// used here, which is irrelevant for demo data.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// A number in `low..=high`.
    pub(crate) fn range(&mut self, low: i64, high: i64) -> i64 {
        if high <= low {
            return low;
        }
        // The span of every range used here is small, so it fits an i64 comfortably.
        let span = (high - low + 1) as u64;
        low + self.below(span) as i64
    }

    /// An index into a slice of length `len` (0 when empty).
    pub(crate) fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// True with probability `percent` / 100.
    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One element of a non-empty slice (the first one for an empty slice would be a bug, so
    /// callers pass constant, non-empty tables).
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let index = self.index(items.len());
        &items[index.min(items.len().saturating_sub(1))]
    }

    /// One word of a non-empty word list.
    pub(crate) fn word(&mut self, words: &[&'static str]) -> &'static str {
        let index = self.index(words.len());
        words[index.min(words.len().saturating_sub(1))]
    }

    /// Fisher–Yates shuffle.
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.index(i + 1);
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let first: Vec<u64> = {
            let mut rng = Rng::new("members");
            (0..4).map(|_| rng.next_u64()).collect()
        };
        let again: Vec<u64> = {
            let mut rng = Rng::new("members");
            (0..4).map(|_| rng.next_u64()).collect()
        };
        let other = Rng::new("lounges").next_u64();
        assert_eq!(first, again);
        assert_ne!(first[0], other);
    }

    #[test]
    fn ranges_stay_in_bounds() {
        let mut rng = Rng::new("bounds");
        for _ in 0..1000 {
            let value = rng.range(-3, 5);
            assert!((-3..=5).contains(&value));
        }
    }
}
