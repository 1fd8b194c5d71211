//! Adaptive sampling: `#[profile(sample = "auto")]`, the default of `#[profile]` on an `impl`,
//! `trait` or `mod`.
//!
//! Profiling a whole impl puts the attribute on its tiny hot fns too (getters, `Index::index`,
//! iterator steps), where two clock reads and a histogram record cost more than the fn. Such a
//! fn starts out timing every call; each time a thread has recorded another [`WINDOW`] calls of
//! it, the mean of that thread's calls so far is checked, and once it is under [`SHORT_NS`]
//! the fn switches, for good and for every thread, to timing one call in N (see `sample.rs`),
//! N chosen so that the timed calls' overhead stays small next to the time of the N calls.
//! Calls, errors and panics stay exact: only the timing is sampled. A fn whose calls are slow,
//! or that never gets [`WINDOW`] calls on one thread, keeps timing every call.
//!
//! The mean is cumulative, so one call stretched by a preemption delays the switch by at most
//! its own length divided by [`SHORT_NS`] calls rather than blocking it.

use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

/// The `sample` value a call site carries for `sample = "auto"`.
pub(crate) const AUTO: u32 = u32::MAX;

/// Calls a thread records between two looks at the mean: a power of two, so the check is a mask.
pub(crate) const WINDOW: u64 = 1024;

/// A mean call under this is short: a timed call's overhead (two clock reads and a record,
/// some 20–40 ns) would be a few percent of it or more.
pub(crate) const SHORT_NS: u64 = 1_000;

/// The time the N calls between two timed ones should add up to: one timed call's overhead
/// then stays around 1% of it.
const TARGET_NS: u64 = 4_000;

/// The longest gap: a fn that switches still gets a timed call in 1024 on average.
pub(crate) const MAX_EVERY: u32 = 1024;

/// The decision of one profiled name: 0 while every call is timed, N once one in N is.
#[derive(Debug, Default)]
pub(crate) struct Adaptive(AtomicU32);

impl Adaptive {
    /// One call in how many to time now.
    #[inline(always)]
    pub(crate) fn every(&self) -> u32 {
        self.0.load(Relaxed).max(1)
    }

    /// The sampling rate chosen, if the fn switched.
    pub(crate) fn switched(&self) -> Option<u32> {
        match self.0.load(Relaxed) {
            0 => None,
            every => Some(every),
        }
    }

    /// Looks at a thread's totals after a timed call: at each [`WINDOW`] calls, while the fn
    /// still times every call, switches it if their mean is short.
    #[inline(always)]
    pub(crate) fn observe(&self, calls: u64, total_ns: u64) {
        if calls & (WINDOW - 1) == 0 && self.0.load(Relaxed) == 0 {
            self.decide(calls, total_ns);
        }
    }

    #[cold]
    #[inline(never)]
    fn decide(&self, calls: u64, total_ns: u64) {
        let every = every_for(total_ns / calls.max(1));
        if every > 1 {
            self.0.store(every, Relaxed);
        }
    }
}

/// One call in how many to time for calls of `mean_ns`: 1 (all) unless the calls are short,
/// then the smallest power of two whose N calls add up to [`TARGET_NS`] or more, at least 2.
pub(crate) fn every_for(mean_ns: u64) -> u32 {
    if mean_ns >= SHORT_NS {
        return 1;
    }
    let every = TARGET_NS.div_ceil(mean_ns.max(1)).next_power_of_two().clamp(2, MAX_EVERY.into());
    u32::try_from(every).unwrap_or(MAX_EVERY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_calls_get_a_gap_that_grows_as_they_shrink() {
        assert_eq!(every_for(5_000), 1);
        assert_eq!(every_for(SHORT_NS), 1);
        assert_eq!(every_for(999), 8);
        assert_eq!(every_for(100), 64);
        assert_eq!(every_for(30), 256);
        assert_eq!(every_for(3), MAX_EVERY);
        assert_eq!(every_for(0), MAX_EVERY);
    }

    #[test]
    fn switches_once_at_a_window_whose_mean_is_short() {
        let a = Adaptive::default();
        a.observe(WINDOW - 1, 1);
        assert_eq!(a.switched(), None, "between windows nothing is decided");
        a.observe(WINDOW, WINDOW * 50_000);
        assert_eq!(a.switched(), None, "slow calls keep timing every call");
        a.observe(2 * WINDOW, 2 * WINDOW * 100);
        assert_eq!(a.switched(), Some(64));
        a.observe(3 * WINDOW, 3 * WINDOW * 10);
        assert_eq!(a.every(), 64, "the decision is made once");
    }
}
