//! The counting both cache kinds share; every function is one shard update.

use super::stats::CacheStats;
use crate::record::{clock, enabled};

#[inline(always)]
pub(crate) fn hit(stats: &'static CacheStats) {
    if enabled::is_enabled() {
        stats.shards.with(|s| s.hits.add(1));
    }
}

#[inline(always)]
pub(crate) fn miss(stats: &'static CacheStats) {
    if enabled::is_enabled() {
        stats.shards.with(|s| s.misses.add(1));
    }
}

pub(crate) fn coalesced(stats: &'static CacheStats) {
    if enabled::is_enabled() {
        stats.shards.with(|s| s.coalesced.add(1));
    }
}

/// `loaded` keys of one `warm`.
pub(crate) fn warmed(stats: &'static CacheStats, loaded: u64) {
    if enabled::is_enabled() {
        stats.warmed.fetch_add(loaded, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Clock ticks at the start of a load.
pub(crate) fn load_started() -> u64 {
    clock::ticks()
}

pub(crate) fn load_done(stats: &'static CacheStats, started: u64, error: bool) {
    if enabled::is_enabled() {
        let ns = clock::nanos_between(started, clock::ticks());
        stats.load_ns.record_shared(ns);
        stats.shards.with(|s| {
            s.loads.add(1);
            if error {
                s.load_errors.add(1);
            }
        });
    }
}
