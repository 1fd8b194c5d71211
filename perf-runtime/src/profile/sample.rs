//! Sampling: time one call in N, count them all.
//!
//! A hot tiny fn pays mostly for the two clock reads and the histogram record. With
//! `#[profile(sample = 64)]` (or the process default, env `PERF_SAMPLE` / `Config::sample`)
//! every call, error and panic is still counted exactly, but only about one call in N reads the
//! clock. The gap to the next timed call is drawn at random in `1..=2N-1` (mean N) on each timed
//! call, per thread and per fn, so a call pattern with period N cannot line up with the
//! sampling and hide its slow phase.

use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

use crate::record::rng;

/// The process default for fns without `sample = N`; 0 until read from the environment.
static DEFAULT: AtomicU32 = AtomicU32::new(0);

/// Sets the process default: time one call in `every` of fns that give no `sample` of their
/// own (1 times every call).
pub(crate) fn set_default(every: u32) {
    DEFAULT.store(every.max(1), Relaxed);
}

/// One call in how many is timed, for a site whose attribute said `site_sample` (0: not said).
#[inline(always)]
pub(crate) fn every(site_sample: u32) -> u32 {
    if site_sample != 0 {
        return site_sample;
    }
    match DEFAULT.load(Relaxed) {
        0 => default_from_env(),
        every => every,
    }
}

#[cold]
#[inline(never)]
fn default_from_env() -> u32 {
    let every = match std::env::var("PERF_SAMPLE") {
        Ok(v) => v.trim().parse::<u32>().unwrap_or_else(|_| {
            eprintln!("perf: PERF_SAMPLE={v:?} is not a whole number; timing every call");
            1
        }),
        Err(_) => 1,
    };
    // A concurrent `set_default` wins over the environment.
    let _ = DEFAULT.compare_exchange(0, every.max(1), Relaxed, Relaxed);
    DEFAULT.load(Relaxed)
}

/// Calls to skip before the next timed one: uniform in `1..=2N-1`, so N on average.
#[cold]
pub(crate) fn next_gap(every: u32) -> u64 {
    rng::between(1, 2 * u64::from(every) - 1)
}
