//! Everything recorded for one profiled name, and how its shards add up.

use hdrhistogram::Histogram;

use super::shard::{ALLOC_BYTES, ALLOC_COUNT, BUSY, CPU, KINDS, Shard, WALL};
use super::slow::Slowest;
use crate::record::baseline::{Baseline, Subtract};
use crate::record::histogram::{self, AtomicHistogram};
use crate::record::sharded::Sharded;

/// Where a profiled fn is defined; kept as report metadata.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Meta {
    pub(crate) file: &'static str,
    pub(crate) line: u32,
    pub(crate) is_async: bool,
    /// The attribute's `sample = N`; 0 when it gave none (the process default applies),
    /// `adaptive::AUTO` for `sample = "auto"`.
    pub(crate) sample: u32,
    /// The attribute's `cpu = true`.
    pub(crate) cpu: bool,
    /// `#[profile(budget = ...)]`, read only when a report is checked.
    pub(crate) budget: &'static [crate::report::budget::Clause],
}

pub(crate) struct FnStats {
    pub(crate) name: Box<str>,
    pub(crate) meta: Meta,
    pub(crate) shards: Sharded<Shard>,
    /// The part of each histogram (by kind, see `shard.rs`) that the shards' own buckets
    /// did not take.
    pub(crate) hist: [AtomicHistogram; KINDS],
    baseline: Baseline<Totals>,
    pub(crate) slowest: Slowest,
    /// Callees past the few each shard counts in place.
    pub(crate) edges: crate::calls::edge::SharedEdges,
    /// For `sample = "auto"`: whether the calls were short enough to sample, and how.
    pub(crate) adaptive: super::adaptive::Adaptive,
}

/// The sum of all shards of one fn at one moment.
#[derive(Clone)]
pub(crate) struct Totals {
    pub(crate) calls: u64,
    pub(crate) errors: u64,
    pub(crate) panics: u64,
    pub(crate) cancelled: u64,
    pub(crate) slow_calls: u64,
    pub(crate) total_ns: u64,
    pub(crate) busy_total_ns: u64,
    pub(crate) wall: Histogram<u64>,
    pub(crate) busy: Histogram<u64>,
    pub(crate) alloc_count: Histogram<u64>,
    pub(crate) alloc_bytes: Histogram<u64>,
    pub(crate) alloc_count_total: u64,
    pub(crate) alloc_bytes_total: u64,
    pub(crate) freed_bytes_total: u64,
    pub(crate) cpu: Histogram<u64>,
    pub(crate) cpu_total_ns: u64,
    pub(crate) self_ns: u64,
    pub(crate) busy_self_ns: u64,
}

impl std::fmt::Debug for FnStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FnStats").field("name", &self.name).finish()
    }
}

impl FnStats {
    pub(crate) fn new(name: Box<str>, meta: Meta) -> Self {
        Self {
            name,
            meta,
            shards: Sharded::new(Shard::new),
            hist: [const { AtomicHistogram::new() }; KINDS],
            baseline: Baseline::new(),
            slowest: Slowest::default(),
            edges: Default::default(),
            adaptive: super::adaptive::Adaptive::default(),
        }
    }

    fn current(&self) -> Totals {
        let mut t = Totals::empty();
        for (kind, h) in self.hist.iter().enumerate() {
            h.add_to(t.histogram(kind));
        }
        self.shards.for_each(|shard| {
            t.calls += shard.calls.get();
            t.errors += shard.errors.get();
            t.panics += shard.panics.get();
            t.cancelled += shard.cancelled.get();
            t.slow_calls += shard.slow_calls.get();
            t.total_ns += shard.total_ns.get();
            t.busy_total_ns += shard.busy_total_ns.get();
            for kind in 0..KINDS {
                shard.buckets.add_to(kind, t.histogram(kind));
            }
            let none = shard.no_alloc_calls.get();
            if none > 0 {
                t.alloc_count.record_n(0, none).expect("0 is within bounds");
                t.alloc_bytes.record_n(0, none).expect("0 is within bounds");
            }
            t.alloc_count_total += shard.alloc_count_total.get();
            t.alloc_bytes_total += shard.alloc_bytes_total.get();
            t.freed_bytes_total += shard.freed_bytes_total.get();
            t.cpu_total_ns += shard.cpu_total_ns.get();
            t.self_ns += shard.self_ns.get();
            t.busy_self_ns += shard.busy_self_ns.get();
        });
        t
    }

    /// What was recorded since the last reset.
    pub(crate) fn totals(&self) -> Totals {
        self.baseline.since(self.current())
    }

    /// Runs `f` on what the last reset saw, for readers that sum the shards themselves (the
    /// Prometheus exporter, which must not build a `Histogram` per fn per scrape).
    pub(crate) fn with_baseline<R>(&self, f: impl FnOnce(Option<&Totals>) -> R) -> R {
        self.baseline.with(f)
    }

    /// Visits every count of the wall-time histogram with the highest value of its bucket,
    /// for exporters that re-bucket counts without building a `Histogram`.
    pub(crate) fn for_each_wall_count(&self, mut visit: impl FnMut(u64, u64)) {
        self.hist[WALL].for_each_count(&mut visit);
        self.shards.for_each(|shard| shard.buckets.for_each_count(WALL, &mut visit));
    }

    pub(crate) fn reset(&self) {
        self.baseline.reset(self.current());
        self.slowest.clear();
        crate::calls::edge::reset(self);
    }
}

impl Totals {
    fn histogram(&mut self, kind: usize) -> &mut Histogram<u64> {
        match kind {
            WALL => &mut self.wall,
            BUSY => &mut self.busy,
            ALLOC_COUNT => &mut self.alloc_count,
            ALLOC_BYTES => &mut self.alloc_bytes,
            CPU => &mut self.cpu,
            _ => unreachable!("a profiled fn has {KINDS} histograms"),
        }
    }

    fn empty() -> Self {
        Self {
            calls: 0,
            errors: 0,
            panics: 0,
            cancelled: 0,
            slow_calls: 0,
            total_ns: 0,
            busy_total_ns: 0,
            wall: histogram::empty(),
            busy: histogram::empty(),
            alloc_count: histogram::empty(),
            alloc_bytes: histogram::empty(),
            alloc_count_total: 0,
            alloc_bytes_total: 0,
            freed_bytes_total: 0,
            cpu: histogram::empty(),
            cpu_total_ns: 0,
            self_ns: 0,
            busy_self_ns: 0,
        }
    }
}

impl Subtract for Totals {
    fn subtract(&mut self, base: &Totals) {
        self.calls -= base.calls;
        self.errors -= base.errors;
        self.panics -= base.panics;
        self.cancelled -= base.cancelled;
        self.slow_calls -= base.slow_calls;
        self.total_ns -= base.total_ns;
        self.busy_total_ns -= base.busy_total_ns;
        // Counts only grow, so every bucket of `base` is at most ours.
        self.alloc_count_total -= base.alloc_count_total;
        self.alloc_bytes_total -= base.alloc_bytes_total;
        self.freed_bytes_total -= base.freed_bytes_total;
        self.cpu_total_ns -= base.cpu_total_ns;
        self.self_ns -= base.self_ns;
        self.busy_self_ns -= base.busy_self_ns;
        for (h, b) in [
            (&mut self.wall, &base.wall),
            (&mut self.busy, &base.busy),
            (&mut self.alloc_count, &base.alloc_count),
            (&mut self.alloc_bytes, &base.alloc_bytes),
            (&mut self.cpu, &base.cpu),
        ] {
            h.subtract(b).expect("baseline is a subset");
        }
    }
}
