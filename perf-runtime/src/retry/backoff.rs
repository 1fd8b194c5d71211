//! The delay schedules: how long to wait before each retry, before jitter.

/// Delays of 10s at most unless the attribute gives a `max`.
pub(crate) const DEFAULT_MAX_NS: u64 = 10_000_000_000;

/// A retry schedule, as written in `#[retry(backoff = ...)]`. Delays are nanoseconds.
///
/// ```
/// use perf_runtime::retry::Backoff;
///
/// let b = Backoff::Exponential { base_ns: 50_000_000, factor: 2.0, max_ns: 300_000_000 };
/// let ms: Vec<u64> = (1..=4).map(|n| b.delay_ns(n) / 1_000_000).collect();
/// assert_eq!(ms, [50, 100, 200, 300]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Backoff {
    /// Retry at once.
    None,
    /// The same delay before every retry.
    Fixed {
        /// The delay.
        delay_ns: u64,
    },
    /// `base`, `base + step`, `base + 2 step`, ... capped at `max`.
    Linear {
        /// First delay.
        base_ns: u64,
        /// Added for every further retry.
        step_ns: u64,
        /// Cap.
        max_ns: u64,
    },
    /// `base`, `base * factor`, `base * factor²`, ... capped at `max`.
    Exponential {
        /// First delay.
        base_ns: u64,
        /// Growth per retry, at least 1.
        factor: f64,
        /// Cap.
        max_ns: u64,
    },
    /// `base` times 1, 1, 2, 3, 5, 8, ... capped at `max`.
    Fibonacci {
        /// First delay.
        base_ns: u64,
        /// Cap.
        max_ns: u64,
    },
}

impl Backoff {
    /// `#[retry]` without `backoff`: exponential from 100ms, factor 2, capped at 10s.
    pub const DEFAULT: Self =
        Self::Exponential { base_ns: 100_000_000, factor: 2.0, max_ns: DEFAULT_MAX_NS };

    /// The delay before retry `n` (1 for the first retry), before jitter.
    pub fn delay_ns(&self, n: u32) -> u64 {
        let n = n.max(1);
        match *self {
            Self::None => 0,
            Self::Fixed { delay_ns } => delay_ns,
            Self::Linear { base_ns, step_ns, max_ns } => {
                base_ns.saturating_add(step_ns.saturating_mul(u64::from(n - 1))).min(max_ns)
            }
            Self::Exponential { base_ns, factor, max_ns } => {
                // f64 keeps 53 bits, exact for any delay below 104 days; `as` saturates.
                let d = base_ns as f64 * factor.powi((n - 1).min(i32::MAX as u32) as i32);
                (d as u64).min(max_ns)
            }
            Self::Fibonacci { base_ns, max_ns } => {
                let (mut a, mut b) = (1u64, 1u64);
                for _ in 1..n {
                    (a, b) = (b, a.saturating_add(b));
                    if a.saturating_mul(base_ns) >= max_ns {
                        break;
                    }
                }
                a.saturating_mul(base_ns).min(max_ns)
            }
        }
    }

    /// The first delay: the floor of decorrelated jitter.
    pub(crate) fn base_ns(&self) -> u64 {
        self.delay_ns(1)
    }

    /// No delay, jittered or not, goes above this.
    pub fn max_ns(&self) -> u64 {
        match *self {
            Self::None => 0,
            Self::Fixed { delay_ns } => delay_ns,
            Self::Linear { max_ns, .. }
            | Self::Exponential { max_ns, .. }
            | Self::Fibonacci { max_ns, .. } => max_ns,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Backoff;

    fn schedule(b: Backoff) -> Vec<u64> {
        (1..=7).map(|n| b.delay_ns(n)).collect()
    }

    #[test]
    fn schedules() {
        assert_eq!(schedule(Backoff::None), [0; 7]);
        assert_eq!(schedule(Backoff::Fixed { delay_ns: 5 }), [5; 7]);
        let linear = Backoff::Linear { base_ns: 10, step_ns: 5, max_ns: 30 };
        assert_eq!(schedule(linear), [10, 15, 20, 25, 30, 30, 30]);
        let exp = Backoff::Exponential { base_ns: 10, factor: 2.0, max_ns: 500 };
        assert_eq!(schedule(exp), [10, 20, 40, 80, 160, 320, 500]);
        let exp = Backoff::Exponential { base_ns: 100, factor: 1.5, max_ns: u64::MAX };
        assert_eq!(schedule(exp)[..4], [100, 150, 225, 337]);
        let fib = Backoff::Fibonacci { base_ns: 10, max_ns: 100 };
        assert_eq!(schedule(fib), [10, 10, 20, 30, 50, 80, 100]);
    }

    #[test]
    fn huge_retry_numbers_saturate_at_max() {
        let max_ns = 10_000_000_000;
        for b in [
            Backoff::Exponential { base_ns: 1, factor: 10.0, max_ns },
            Backoff::Fibonacci { base_ns: 1_000_000, max_ns },
            Backoff::Linear { base_ns: 1, step_ns: u64::MAX, max_ns },
        ] {
            assert_eq!(b.delay_ns(u32::MAX), max_ns, "{b:?}");
            assert_eq!(b.max_ns(), max_ns);
        }
    }
}
