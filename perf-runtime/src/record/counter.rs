use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// A counter with a single writer at a time and any number of readers.
///
/// `add` is a plain load and store: no locked instruction, so no cache-line ping-pong between
/// cores. Exclusive writing is guaranteed by the shard it lives in (see `shard.rs`).
#[derive(Default)]
pub(crate) struct Counter(AtomicU64);

impl Counter {
    #[inline(always)]
    pub(crate) fn add(&self, n: u64) {
        self.0.store(self.0.load(Relaxed).wrapping_add(n), Relaxed);
    }

    #[inline(always)]
    pub(crate) fn set(&self, n: u64) {
        self.0.store(n, Relaxed);
    }

    #[inline(always)]
    pub(crate) fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }
}
