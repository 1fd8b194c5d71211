//! Jitter: spreading retries of many callers apart, with the definitions of the AWS
//! architecture blog ("Exponential Backoff And Jitter", 2015).

use super::backoff::Backoff;
use crate::record::rng;

/// How a delay from the [`Backoff`] schedule is randomized. A jittered delay never exceeds
/// the schedule's `max` (unlike an additive jitter, which can reach twice it).
///
/// ```
/// use perf_runtime::retry::{Backoff, Jitter};
///
/// let b = Backoff::Fixed { delay_ns: 1_000 };
/// let mut prev = 0;
/// for _ in 0..100 {
///     let d = Jitter::Equal.delay_ns(&b, 1, &mut prev);
///     assert!((500..=1_000).contains(&d));
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    /// The schedule's delay `d`, exactly.
    None,
    /// Uniform in `0..=d`.
    Full,
    /// `d/2` plus uniform in `0..=d/2`.
    Equal,
    /// Uniform in `base..=3 × previous delay`, capped at `max`: each delay depends on the last
    /// one rather than on the retry number.
    Decorrelated,
}

impl Jitter {
    /// The delay before retry `n` (1 for the first). `prev_ns` carries the previous delay
    /// between the retries of one call (0 before the first) for [`Jitter::Decorrelated`].
    pub fn delay_ns(self, backoff: &Backoff, n: u32, prev_ns: &mut u64) -> u64 {
        let d = match self {
            Self::None => backoff.delay_ns(n),
            Self::Full => rng::between(0, backoff.delay_ns(n)),
            Self::Equal => {
                let d = backoff.delay_ns(n);
                d - d / 2 + rng::between(0, d / 2)
            }
            Self::Decorrelated => {
                let base = backoff.base_ns();
                let prev = if *prev_ns == 0 { base } else { *prev_ns };
                rng::between(base, prev.saturating_mul(3)).min(backoff.max_ns())
            }
        };
        *prev_ns = d;
        d
    }
}

#[cfg(test)]
mod tests {
    use super::{Backoff, Jitter};

    const SAMPLES: usize = 20_000;
    const EXP: Backoff = Backoff::Exponential { base_ns: 1_000, factor: 2.0, max_ns: 20_000 };

    /// Min, max and mean of the delay before retry `n` over many calls.
    fn spread(jitter: Jitter, n: u32) -> (u64, u64, f64) {
        let (mut lo, mut hi, mut sum) = (u64::MAX, 0, 0u64);
        for _ in 0..SAMPLES {
            let mut prev = 0;
            let mut d = 0;
            for i in 1..=n {
                d = jitter.delay_ns(&EXP, i, &mut prev);
            }
            lo = lo.min(d);
            hi = hi.max(d);
            sum += d;
        }
        (lo, hi, sum as f64 / SAMPLES as f64)
    }

    #[test]
    fn none_is_the_schedule() {
        assert_eq!(spread(Jitter::None, 3), (4_000, 4_000, 4_000.0));
    }

    #[test]
    fn full_spans_zero_to_the_delay() {
        let (lo, hi, mean) = spread(Jitter::Full, 3);
        assert!(lo < 100 && hi <= 4_000 && hi > 3_900, "{lo} {hi}");
        assert!((mean - 2_000.0).abs() < 100.0, "{mean}");
        // At the cap the bound is the cap, not more.
        let (_, hi, _) = spread(Jitter::Full, 9);
        assert!(hi <= 20_000 && hi > 19_000, "{hi}");
    }

    #[test]
    fn equal_spans_half_to_the_delay() {
        let (lo, hi, mean) = spread(Jitter::Equal, 3);
        assert!((2_000..2_100).contains(&lo) && (3_900..=4_000).contains(&hi), "{lo} {hi}");
        assert!((mean - 3_000.0).abs() < 100.0, "{mean}");
        let (_, hi, _) = spread(Jitter::Equal, 9);
        assert!(hi <= 20_000, "{hi}");
    }

    #[test]
    fn decorrelated_stays_between_base_and_cap() {
        for n in [1, 2, 5, 12] {
            let (lo, hi, _) = spread(Jitter::Decorrelated, n);
            assert!(lo >= 1_000 && hi <= 20_000, "retry {n}: {lo} {hi}");
        }
        // The first retry draws from base..=3 base.
        let (lo, hi, mean) = spread(Jitter::Decorrelated, 1);
        assert!(lo < 1_100 && hi > 2_900 && hi <= 3_000, "{lo} {hi}");
        assert!((mean - 2_000.0).abs() < 100.0, "{mean}");
        // Later retries reach the cap.
        assert_eq!(spread(Jitter::Decorrelated, 12).1, 20_000);
    }

    #[test]
    fn no_backoff_means_no_delay() {
        for j in [Jitter::None, Jitter::Full, Jitter::Equal, Jitter::Decorrelated] {
            let mut prev = 0;
            assert_eq!(j.delay_ns(&Backoff::None, 4, &mut prev), 0);
        }
    }
}
