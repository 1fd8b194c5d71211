//! Per-thread recording slots.
//!
//! Each thread that calls a profiled fn gets its own [`Shard`] for that fn, found through a
//! thread-local vector indexed by the fn's id: no map lookup, no lock, no shared cache line. A
//! thread that exits hands its shards back to their fn, and the next new thread reuses them, so
//! the memory follows the number of live threads, not of threads ever started.

use std::cell::UnsafeCell;

use crate::counter::Counter;
use crate::histogram::AtomicHistogram;
use crate::stats::FnStats;

pub(crate) struct Shard {
    pub(crate) calls: Counter,
    pub(crate) errors: Counter,
    pub(crate) panics: Counter,
    pub(crate) cancelled: Counter,
    pub(crate) slow_calls: Counter,
    pub(crate) total_ns: Counter,
    pub(crate) busy_total_ns: Counter,
    pub(crate) wall: AtomicHistogram,
    pub(crate) busy: AtomicHistogram,
}

impl Shard {
    pub(crate) fn new() -> Self {
        Self {
            calls: Counter::default(),
            errors: Counter::default(),
            panics: Counter::default(),
            cancelled: Counter::default(),
            slow_calls: Counter::default(),
            total_ns: Counter::default(),
            busy_total_ns: Counter::default(),
            wall: AtomicHistogram::new(),
            busy: AtomicHistogram::new(),
        }
    }
}

#[derive(Default)]
struct LocalShards(Vec<Option<(&'static FnStats, &'static Shard)>>);

impl Drop for LocalShards {
    fn drop(&mut self) {
        for (stats, shard) in self.0.drain(..).flatten() {
            stats.release_shard(shard);
        }
    }
}

thread_local! {
    static LOCAL: UnsafeCell<LocalShards> = const { UnsafeCell::new(LocalShards(Vec::new())) };
}

/// Runs `record` on this thread's shard of `stats`.
#[inline(always)]
pub(crate) fn with_shard(stats: &'static FnStats, record: impl FnOnce(&Shard)) {
    let shard = LOCAL.try_with(|local| {
        // SAFETY: the borrow ends before this closure returns and nothing in it can re-enter.
        let local = unsafe { &mut *local.get() };
        match local.0.get(stats.id) {
            Some(Some((_, shard))) => *shard,
            _ => attach(local, stats),
        }
    });
    match shard {
        Ok(shard) => record(shard),
        // The thread is being torn down and its locals are gone (a profiled fn called from
        // another thread-local's destructor): record under the fn's own lock instead.
        Err(_) => stats.with_shared_shard(record),
    }
}

#[cold]
#[inline(never)]
fn attach(local: &mut LocalShards, stats: &'static FnStats) -> &'static Shard {
    if local.0.len() <= stats.id {
        local.0.resize(stats.id + 1, None);
    }
    let shard = stats.acquire_shard();
    local.0[stats.id] = Some((stats, shard));
    shard
}
