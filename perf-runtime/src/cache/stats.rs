//! What `#[cached]` records per cache: per-thread shards on the hit path (no lock, no shared
//! cache line), plus the rare events moka reports from its own threads.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use hdrhistogram::Histogram;

use crate::record::baseline::{Baseline, Subtract};
use crate::record::counter::Counter;
use crate::record::histogram::{self, AtomicHistogram};
use crate::record::sharded::Sharded;

pub(crate) struct CacheShard {
    pub(crate) hits: Counter,
    pub(crate) misses: Counter,
    pub(crate) loads: Counter,
    pub(crate) load_errors: Counter,
    pub(crate) coalesced: Counter,
}

pub(crate) struct CacheStats {
    pub(crate) shards: Sharded<CacheShard>,
    /// Load times, shared by every thread: a load is slow enough that one atomic add is noise.
    pub(crate) load_ns: AtomicHistogram,
    /// Entries moka evicted for size (not expiry, not invalidation).
    pub(crate) evictions: AtomicU64,
    /// Keys loaded by `warm`: one add per `warm`, so no shard is needed.
    pub(crate) warmed: AtomicU64,
    baseline: Baseline<Totals>,
}

#[derive(Clone)]
pub(crate) struct Totals {
    pub(crate) hits: u64,
    pub(crate) misses: u64,
    pub(crate) loads: u64,
    pub(crate) load_errors: u64,
    pub(crate) coalesced: u64,
    pub(crate) evictions: u64,
    pub(crate) warmed: u64,
    pub(crate) load_ns: Histogram<u64>,
}

impl CacheStats {
    pub(crate) fn new() -> Self {
        Self {
            shards: Sharded::new(|| CacheShard {
                hits: Counter::default(),
                misses: Counter::default(),
                loads: Counter::default(),
                load_errors: Counter::default(),
                coalesced: Counter::default(),
            }),
            load_ns: AtomicHistogram::new(),
            evictions: AtomicU64::new(0),
            warmed: AtomicU64::new(0),
            baseline: Baseline::new(),
        }
    }

    fn current(&self) -> Totals {
        let mut t = Totals {
            hits: 0,
            misses: 0,
            loads: 0,
            load_errors: 0,
            coalesced: 0,
            evictions: self.evictions.load(Relaxed),
            warmed: self.warmed.load(Relaxed),
            load_ns: histogram::empty(),
        };
        self.load_ns.add_to(&mut t.load_ns);
        self.shards.for_each(|s| {
            t.hits += s.hits.get();
            t.misses += s.misses.get();
            t.loads += s.loads.get();
            t.load_errors += s.load_errors.get();
            t.coalesced += s.coalesced.get();
        });
        t
    }

    /// What was recorded since the last reset.
    pub(crate) fn totals(&self) -> Totals {
        self.baseline.since(self.current())
    }

    pub(crate) fn reset(&self) {
        self.baseline.reset(self.current());
    }
}

impl Subtract for Totals {
    fn subtract(&mut self, b: &Totals) {
        self.hits -= b.hits;
        self.misses -= b.misses;
        self.loads -= b.loads;
        self.load_errors -= b.load_errors;
        self.coalesced -= b.coalesced;
        self.evictions -= b.evictions;
        self.warmed -= b.warmed;
        self.load_ns.subtract(&b.load_ns).expect("baseline is a subset");
    }
}
