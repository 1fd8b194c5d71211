//! What a limiter records per name: per-thread shards of single-writer counters (see
//! `record/sharded.rs`), so that counting a decision adds no shared cache line to the GCRA
//! cell's; summed at report time.

use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering::Relaxed};

use hdrhistogram::Histogram;

use super::Quota;
use crate::record::baseline::{Baseline, Subtract};
use crate::record::counter::Counter;
use crate::record::histogram::{self, AtomicHistogram};
use crate::record::lock;
use crate::record::sharded::Sharded;

/// One thread's counters for one name.
#[derive(Default)]
pub(crate) struct LimitShard {
    pub(crate) admitted: Counter,
    pub(crate) rejected: Counter,
    pub(crate) waited: Counter,
    pub(crate) wait_total_ns: Counter,
    pub(crate) key_overflows: Counter,
    pub(crate) fallback_local: Counter,
    pub(crate) fallback_allow: Counter,
    pub(crate) fallback_deny: Counter,
}

/// Where the limiter is declared and how it is configured; report metadata.
#[derive(Clone, Debug)]
pub(crate) struct Meta {
    pub(crate) file: &'static str,
    pub(crate) line: u32,
    pub(crate) quota: Option<Quota>,
    pub(crate) keyed: bool,
    pub(crate) max_keys: usize,
    pub(crate) scope: &'static str,
}

pub(crate) struct LimitStats {
    pub(crate) name: Box<str>,
    pub(crate) meta: Meta,
    pub(crate) shards: Sharded<LimitShard>,
    /// Time each admitted waiter slept (waits are rare and already slow: one shared add).
    pub(crate) wait_ns: AtomicHistogram,
    /// Keys with a bucket of their own now, over every limiter of this name.
    pub(crate) live_keys: AtomicI64,
    baseline: Baseline<Totals>,
}

impl std::fmt::Debug for LimitStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LimitStats").field("name", &self.name).finish_non_exhaustive()
    }
}

static ALL: Mutex<Vec<&'static LimitStats>> = Mutex::new(Vec::new());

/// The stats for `name`, created on first use; limiters of the same name share them. Called
/// once per limiter, so a lock and a scan are fine.
pub(crate) fn stats_for(name: &str, meta: Meta) -> &'static LimitStats {
    let mut all = lock(&ALL);
    if let Some(stats) = all.iter().find(|s| &*s.name == name) {
        return stats;
    }
    let stats: &'static LimitStats = Box::leak(Box::new(LimitStats {
        name: name.into(),
        meta,
        shards: Sharded::new(LimitShard::default),
        wait_ns: AtomicHistogram::new(),
        live_keys: AtomicI64::new(0),
        baseline: Baseline::new(),
    }));
    all.push(stats);
    stats
}

pub(crate) fn all() -> Vec<&'static LimitStats> {
    lock(&ALL).clone()
}

impl LimitStats {
    fn current(&self) -> Totals {
        let mut t = Totals::empty();
        self.wait_ns.add_to(&mut t.wait_ns);
        self.shards.for_each(|s| {
            t.admitted += s.admitted.get();
            t.rejected += s.rejected.get();
            t.waited += s.waited.get();
            t.wait_total_ns += s.wait_total_ns.get();
            t.key_overflows += s.key_overflows.get();
            t.fallback_local += s.fallback_local.get();
            t.fallback_allow += s.fallback_allow.get();
            t.fallback_deny += s.fallback_deny.get();
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

    pub(crate) fn live_keys(&self) -> u64 {
        self.live_keys.load(Relaxed).max(0) as u64
    }

    #[inline(always)]
    pub(crate) fn record(&'static self, f: impl FnOnce(&LimitShard)) {
        self.shards.with(f);
    }

    /// An admission after a sleep of `wait_ns`.
    pub(crate) fn record_wait(&'static self, wait_ns: u64) {
        self.shards.with(|s| {
            s.admitted.add(1);
            s.waited.add(1);
            s.wait_total_ns.add(wait_ns);
        });
        self.wait_ns.record_shared(wait_ns.clamp(1, histogram::MAX_VALUE));
    }
}

/// The sum of all shards of one name at one moment.
#[derive(Clone)]
pub(crate) struct Totals {
    pub(crate) admitted: u64,
    pub(crate) rejected: u64,
    pub(crate) waited: u64,
    pub(crate) wait_total_ns: u64,
    pub(crate) key_overflows: u64,
    pub(crate) fallback_local: u64,
    pub(crate) fallback_allow: u64,
    pub(crate) fallback_deny: u64,
    pub(crate) wait_ns: Histogram<u64>,
}

impl Totals {
    fn empty() -> Self {
        Self {
            admitted: 0,
            rejected: 0,
            waited: 0,
            wait_total_ns: 0,
            key_overflows: 0,
            fallback_local: 0,
            fallback_allow: 0,
            fallback_deny: 0,
            wait_ns: histogram::empty(),
        }
    }
}

impl Subtract for Totals {
    fn subtract(&mut self, base: &Totals) {
        self.admitted -= base.admitted;
        self.rejected -= base.rejected;
        self.waited -= base.waited;
        self.wait_total_ns -= base.wait_total_ns;
        self.key_overflows -= base.key_overflows;
        self.fallback_local -= base.fallback_local;
        self.fallback_allow -= base.fallback_allow;
        self.fallback_deny -= base.fallback_deny;
        self.wait_ns.subtract(&base.wait_ns).expect("baseline is a subset");
    }
}
