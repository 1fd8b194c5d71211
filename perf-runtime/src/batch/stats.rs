//! What one batcher records. Only a batch's leader records, once per batch and never per key
//! in the callers' path, so shared atomics cost nothing a caller waits on.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use hdrhistogram::Histogram;

use super::config::BatchConfig;
use crate::record::baseline::{Baseline, Subtract};
use crate::record::histogram::{self, AtomicHistogram};
use crate::record::lock;

pub(crate) struct BatchStats {
    pub(crate) name: Box<str>,
    pub(crate) config: BatchConfig,
    /// One-key calls that reached the batcher.
    pub(crate) calls: AtomicU64,
    pub(crate) batch_calls: AtomicU64,
    /// Distinct keys handed to batch calls.
    pub(crate) keys: AtomicU64,
    /// Calls whose key was already in their batch.
    pub(crate) deduplicated: AtomicU64,
    pub(crate) errors: AtomicU64,
    pub(crate) panics: AtomicU64,
    /// Callers dropped before their batch gave them a value.
    pub(crate) cancelled: AtomicU64,
    /// Batch calls run again because their leader was dropped during the call.
    pub(crate) rerun: AtomicU64,
    pub(crate) keys_per_batch: AtomicHistogram,
    /// From a call's arrival to the start of its batch call.
    pub(crate) key_wait_ns: AtomicHistogram,
    pub(crate) batch_ns: AtomicHistogram,
    baseline: Baseline<Totals>,
}

impl std::fmt::Debug for BatchStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchStats").field("name", &self.name).finish_non_exhaustive()
    }
}

static ALL: Mutex<Vec<&'static BatchStats>> = Mutex::new(Vec::new());

/// The stats for `name`, created on first use; batchers with the same name share them.
pub(crate) fn stats_for(name: &str, config: BatchConfig) -> &'static BatchStats {
    let mut all = lock(&ALL);
    if let Some(stats) = all.iter().find(|s| &*s.name == name) {
        return stats;
    }
    let stats: &'static BatchStats = Box::leak(Box::new(BatchStats {
        name: name.into(),
        config,
        calls: AtomicU64::new(0),
        batch_calls: AtomicU64::new(0),
        keys: AtomicU64::new(0),
        deduplicated: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        panics: AtomicU64::new(0),
        cancelled: AtomicU64::new(0),
        rerun: AtomicU64::new(0),
        keys_per_batch: AtomicHistogram::new(),
        key_wait_ns: AtomicHistogram::new(),
        batch_ns: AtomicHistogram::new(),
        baseline: Baseline::new(),
    }));
    all.push(stats);
    stats
}

pub(crate) fn all() -> Vec<&'static BatchStats> {
    lock(&ALL).clone()
}

pub(crate) fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

impl BatchStats {
    fn current(&self) -> Totals {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut t = Totals {
            calls: get(&self.calls),
            batch_calls: get(&self.batch_calls),
            keys: get(&self.keys),
            deduplicated: get(&self.deduplicated),
            errors: get(&self.errors),
            panics: get(&self.panics),
            cancelled: get(&self.cancelled),
            rerun: get(&self.rerun),
            keys_per_batch: histogram::empty(),
            key_wait_ns: histogram::empty(),
            batch_ns: histogram::empty(),
        };
        self.keys_per_batch.add_to(&mut t.keys_per_batch);
        self.key_wait_ns.add_to(&mut t.key_wait_ns);
        self.batch_ns.add_to(&mut t.batch_ns);
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

/// One batcher's counts at one moment.
#[derive(Clone)]
pub(crate) struct Totals {
    pub(crate) calls: u64,
    pub(crate) batch_calls: u64,
    pub(crate) keys: u64,
    pub(crate) deduplicated: u64,
    pub(crate) errors: u64,
    pub(crate) panics: u64,
    pub(crate) cancelled: u64,
    pub(crate) rerun: u64,
    pub(crate) keys_per_batch: Histogram<u64>,
    pub(crate) key_wait_ns: Histogram<u64>,
    pub(crate) batch_ns: Histogram<u64>,
}

impl Subtract for Totals {
    fn subtract(&mut self, base: &Totals) {
        self.calls -= base.calls;
        self.batch_calls -= base.batch_calls;
        self.keys -= base.keys;
        self.deduplicated -= base.deduplicated;
        self.errors -= base.errors;
        self.panics -= base.panics;
        self.cancelled -= base.cancelled;
        self.rerun -= base.rerun;
        // Counts only grow, so every bucket of `base` is at most ours.
        for (h, b) in [
            (&mut self.keys_per_batch, &base.keys_per_batch),
            (&mut self.key_wait_ns, &base.key_wait_ns),
            (&mut self.batch_ns, &base.batch_ns),
        ] {
            h.subtract(b).expect("baseline is a subset");
        }
    }
}
