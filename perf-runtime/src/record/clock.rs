//! The hot path reads raw ticks (the TSC where it is invariant, else the monotonic clock) and
//! scales once per call: two `rdtsc` cost far less than two `Instant::now()`.

use std::sync::LazyLock;

static CLOCK: LazyLock<quanta::Clock> = LazyLock::new(quanta::Clock::new);

/// Raw ticks; only differences of two readings, passed through [`nanos_between`], mean anything.
#[inline(always)]
pub(crate) fn ticks() -> u64 {
    CLOCK.raw()
}

/// Nanoseconds between two [`ticks`] readings (0 if the clock appears to go backwards).
#[inline(always)]
pub(crate) fn nanos_between(start: u64, end: u64) -> u64 {
    CLOCK.delta_as_nanos(start, end)
}

/// Calibrates the clock now rather than inside the first profiled call.
pub(crate) fn warm_up() {
    LazyLock::force(&CLOCK);
}
