//! What a breaker reads the time from: the TSC-backed monotonic clock, or a [`ManualClock`]
//! that a test moves by hand, so that state machines can be checked exactly.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use crate::record::clock;

static ORIGIN: LazyLock<u64> = LazyLock::new(clock::ticks);

/// Nanoseconds since the first breaker read the clock.
#[inline(always)]
pub(crate) fn real_now_ns() -> u64 {
    clock::nanos_between(*ORIGIN, clock::ticks())
}

/// A clock that moves only when told to: give it to a breaker
/// ([`Builder::clock`](super::Builder::clock), [`set_clock`](super::set_clock)) before its first
/// call, and its windows, slow calls and open time follow it.
///
/// ```
/// use std::time::Duration;
/// use perf_runtime::breaker::ManualClock;
///
/// let clock = ManualClock::new();
/// clock.advance(Duration::from_secs(2));
/// assert_eq!(clock.now(), Duration::from_secs(2));
/// ```
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    /// A clock at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(by.as_nanos() as u64, Relaxed);
    }

    /// The time since the clock's zero.
    pub fn now(&self) -> Duration {
        Duration::from_nanos(self.now_ns())
    }

    #[inline(always)]
    pub(crate) fn now_ns(&self) -> u64 {
        self.0.load(Relaxed)
    }
}
