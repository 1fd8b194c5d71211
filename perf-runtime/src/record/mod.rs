//! The recording primitives every attribute shares: per-thread shards of single-writer counters
//! and lock-free histograms, the clock, the on/off switch, reset baselines, and call-site names.

pub mod alloc;
pub(crate) mod baseline;
pub(crate) mod clock;
#[cfg(feature = "cache")]
pub(crate) mod coarse_clock;
pub(crate) mod counter;
pub(crate) mod cpu_clock;
pub(crate) mod enabled;
pub(crate) mod histogram;
pub(crate) mod local_buckets;
pub(crate) mod rng;
pub(crate) mod sharded;
pub(crate) mod site_name;

use std::sync::{Mutex, MutexGuard};

/// Locks a mutex that no code path can leave inconsistent, so poisoning carries no meaning here.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
