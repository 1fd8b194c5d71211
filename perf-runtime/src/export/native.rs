//! Prometheus native histogram buckets of `perf_call_duration_seconds`, and how HdrHistogram
//! counts fall into them.
//!
//! Schema 3: each power of two is cut into 8 buckets, so a bucket's upper bound is 2^(1/8) ≈
//! 1.0905× its lower one. `histogram_quantile` interpolates inside the bucket that holds the
//! rank, the same bucket that holds the report's percentile (both count by the HdrHistogram
//! bucket's highest value), so PromQL's quantile is within 9.05% of the report's. Schema 2
//! (2^(1/4), 19%) would miss the 10% goal; schema 4 would double the buckets for no need.
//!
//! Bucket `i` holds values in (2^((i-1)/8), 2^(i/8)] seconds; 0 ns goes to the zero bucket.
//! Times run from 1 ns to 2^42 ns (73 minutes): indices -239 to 97, so one fn's counts fit in a
//! dense array of 337 slots, reused from fn to fn.

use std::sync::LazyLock;

/// The native histogram schema: 2^3 buckets per power of two.
pub(crate) const SCHEMA: i32 = 3;

/// Breadth of the zero bucket: 2^-128 s, client_golang's default, so our histograms add up
/// with theirs without widening it. Only calls timed at 0 ns fall in it; being above 0, it
/// also marks the histogram as native for every Prometheus version (2.42 tells native from
/// classic by a zero threshold or a sparse bucket).
pub(crate) const ZERO_THRESHOLD: f64 = 2.938_735_877_055_719e-39;

/// The bucket of 1 ns: ceil(8 · log2(1e-9)).
const MIN_INDEX: i32 = -239;
/// The bucket of 2^42 ns, the largest time recorded: ceil(8 · log2(2^42 / 1e9)).
const MAX_INDEX: i32 = 97;
const LEN: usize = (MAX_INDEX - MIN_INDEX + 1) as usize;

/// 2^(r/8) for r in 0..8.
const ROOTS: [f64; 8] = [
    1.0,
    1.090_507_732_665_257_7,
    1.189_207_115_002_721,
    1.296_839_554_651_009_6,
    std::f64::consts::SQRT_2,
    1.542_210_825_407_940_8,
    1.681_792_830_507_429,
    1.834_008_086_409_342_5,
];

/// The upper bound of bucket `MIN_INDEX + k` in whole nanoseconds, rounded down: an integer
/// time `v` is at or below the real bound exactly when it is at or below this one.
static BOUNDS_NS: LazyLock<[u64; LEN]> = LazyLock::new(|| {
    std::array::from_fn(|k| {
        let i = MIN_INDEX + k as i32;
        // Powers of two exactly, so whole-octave bounds (2^q s) are exact.
        (1e9 * ROOTS[i.rem_euclid(8) as usize] * 2f64.powi(i.div_euclid(8))).floor() as u64
    })
});

/// The upper bound, in seconds, of bucket `index`.
#[cfg(test)]
pub(crate) fn upper_bound(index: i32) -> f64 {
    ROOTS[index.rem_euclid(8) as usize] * 2f64.powi(index.div_euclid(8))
}

/// One fn's counts by native bucket.
#[derive(Debug)]
pub(crate) struct NativeBuckets {
    counts: Box<[u64; LEN]>,
    /// Calls timed at 0 ns.
    pub(crate) zero: u64,
    /// The slots touched since the last clear: `lo..hi`.
    lo: usize,
    hi: usize,
}

impl NativeBuckets {
    pub(crate) fn new() -> Self {
        Self { counts: Box::new([0; LEN]), zero: 0, lo: LEN, hi: 0 }
    }

    pub(crate) fn clear(&mut self) {
        if self.lo < self.hi {
            self.counts[self.lo..self.hi].fill(0);
        }
        self.zero = 0;
        (self.lo, self.hi) = (LEN, 0);
    }

    /// The slot of a time in ns; `None` for 0, which the zero bucket holds.
    #[inline]
    fn slot(highest_ns: u64) -> Option<usize> {
        if highest_ns == 0 {
            return None;
        }
        Some(BOUNDS_NS.partition_point(|&b| b < highest_ns).min(LEN - 1))
    }

    /// Adds `n` calls of an HdrHistogram bucket whose highest value is `highest_ns`. The
    /// bucket is placed whole by that value, as the classic buckets and the report's
    /// percentiles place it: one whose 0.1% straddles a native bound counts above the bound.
    #[inline]
    pub(crate) fn add(&mut self, highest_ns: u64, n: u64) {
        match Self::slot(highest_ns) {
            None => self.zero += n,
            Some(s) => {
                self.counts[s] += n;
                self.lo = self.lo.min(s);
                self.hi = self.hi.max(s + 1);
            }
        }
    }

    /// Takes away what a reset's baseline saw (never below zero: a reset may race the read).
    pub(crate) fn subtract(&mut self, highest_ns: u64, n: u64) {
        match Self::slot(highest_ns) {
            None => self.zero = self.zero.saturating_sub(n),
            Some(s) => self.counts[s] = self.counts[s].saturating_sub(n),
        }
    }

    /// Calls counted, the zero bucket included.
    pub(crate) fn total(&self) -> u64 {
        self.zero + self.counts[self.lo.min(self.hi)..self.hi].iter().sum::<u64>()
    }

    /// The runs of consecutive non-empty buckets, lowest first: (index of the first, counts).
    pub(crate) fn spans(&self) -> impl Iterator<Item = (i32, &[u64])> + '_ {
        let mut at = self.lo;
        std::iter::from_fn(move || {
            while at < self.hi && self.counts[at] == 0 {
                at += 1;
            }
            if at >= self.hi {
                return None;
            }
            let start = at;
            while at < self.hi && self.counts[at] != 0 {
                at += 1;
            }
            Some((MIN_INDEX + start as i32, &self.counts[start..at]))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(ns: u64) -> Option<i32> {
        NativeBuckets::slot(ns).map(|s| MIN_INDEX + s as i32)
    }

    #[test]
    fn buckets_are_schema_3() {
        assert_eq!(index(0), None);
        assert_eq!(index(1), Some(MIN_INDEX));
        // 1 s is the upper bound of bucket 0: inclusive.
        assert_eq!(index(1_000_000_000), Some(0));
        assert_eq!(index(1_000_000_001), Some(1));
        assert_eq!(index(2_000_000_000), Some(8));
        assert_eq!(index(500_000_000), Some(-8));
        assert_eq!(index(1 << 42), Some(MAX_INDEX));
        // Against log2, away from bounds.
        for ns in [3u64, 999, 12_345, 5_123_456, 53_800_000, 987_654_321_000] {
            let expected = (8.0 * (ns as f64 / 1e9).log2()).ceil() as i32;
            assert_eq!(index(ns), Some(expected), "{ns} ns");
            let i = expected;
            assert!(upper_bound(i - 1) < ns as f64 / 1e9 && ns as f64 / 1e9 <= upper_bound(i));
        }
        for (r, root) in ROOTS.iter().enumerate() {
            assert!((root - 2f64.powf(r as f64 / 8.0)).abs() < 1e-15);
        }
    }

    #[test]
    fn spans_are_runs_of_non_empty_buckets() {
        let mut b = NativeBuckets::new();
        for (ns, n) in [(0, 2), (1_000_000_000, 3), (1_000_000_001, 1), (2_000_000_000, 5)] {
            b.add(ns, n);
        }
        assert_eq!(b.total(), 11);
        assert_eq!(b.zero, 2);
        let spans: Vec<(i32, Vec<u64>)> = b.spans().map(|(i, c)| (i, c.to_vec())).collect();
        assert_eq!(spans, [(0, vec![3, 1]), (8, vec![5])]);
        b.subtract(1_000_000_001, 4);
        let spans: Vec<(i32, Vec<u64>)> = b.spans().map(|(i, c)| (i, c.to_vec())).collect();
        assert_eq!(spans, [(0, vec![3]), (8, vec![5])]);
        b.clear();
        assert_eq!(b.total(), 0);
        assert_eq!(b.spans().count(), 0);
    }
}
