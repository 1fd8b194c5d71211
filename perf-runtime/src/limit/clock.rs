//! Where a limiter reads the time. The default is the TSC through quanta (as `#[profile]`
//! reads it); a [`ManualClock`] makes every GCRA decision reproducible in a test.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Nanoseconds since some fixed start, never going backwards.
pub trait Clock: Send + Sync + 'static {
    /// Now, in nanoseconds since this clock's start.
    fn now_ns(&self) -> u64;
}

/// The monotonic clock every limiter uses unless given another: raw TSC ticks scaled to
/// nanoseconds since the process first read it.
#[derive(Debug, Clone, Copy, Default)]
pub struct MonotonicClock;

impl Clock for MonotonicClock {
    #[inline(always)]
    fn now_ns(&self) -> u64 {
        monotonic_ns()
    }
}

/// Nanoseconds since this process's first limiter read the clock.
#[inline(always)]
pub(crate) fn monotonic_ns() -> u64 {
    use std::sync::LazyLock;
    static START: LazyLock<u64> = LazyLock::new(crate::record::clock::ticks);
    let start = *START;
    crate::record::clock::nanos_between(start, crate::record::clock::ticks())
}

/// A clock that moves only when told: for tests of exact GCRA decisions.
///
/// ```
/// use std::time::Duration;
/// use perf_runtime::limit::{ManualClock, Quota, RateLimiter};
///
/// let clock = ManualClock::new();
/// let limiter = RateLimiter::with_clock(Quota::per_second(10), clock.clone());
/// assert!(limiter.check().is_ok());
/// assert_eq!(limiter.check().unwrap_err().retry_after, Duration::from_millis(100));
/// clock.advance(Duration::from_millis(100));
/// assert!(limiter.check().is_ok());
/// ```
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    /// A clock at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: std::time::Duration) {
        self.0.fetch_add(u64::try_from(by.as_nanos()).unwrap_or(u64::MAX), Relaxed);
    }
}

impl Clock for ManualClock {
    fn now_ns(&self) -> u64 {
        self.0.load(Relaxed)
    }
}
