//! What `#[retry]` records per name: per-thread shards of single-writer counters (see
//! `sharded.rs`: no lock and no shared cache line per call), summed at report time.

use std::sync::Mutex;

use hdrhistogram::Histogram;

use crate::record::baseline::{Baseline, Subtract};
use crate::record::counter::Counter;
use crate::record::histogram::{self, AtomicHistogram};
use crate::record::local_buckets::LocalBuckets;
use crate::record::lock;
use crate::record::sharded::Sharded;

/// Calls that took more attempts than this land in the last slot of `attempts_histogram`.
pub(crate) const MAX_HISTOGRAM_ATTEMPTS: u32 = 64;

/// One thread's counters for one name.
pub(crate) struct RetryShard {
    /// Calls that returned `Ok` from their first attempt: the fast path, one counter only.
    pub(crate) first_ok: Counter,
    /// Every other call, and what it did.
    pub(crate) calls: Counter,
    pub(crate) attempts: Counter,
    pub(crate) successes: Counter,
    pub(crate) giveups: Counter,
    pub(crate) permanent_errors: Counter,
    pub(crate) budget_refused: Counter,
    pub(crate) deadline_stops: Counter,
    pub(crate) timeouts: Counter,
    pub(crate) sleep_total_ns: Counter,
    /// Index `n - 1`: calls that took `n` attempts (fast-path calls are in `first_ok`).
    pub(crate) by_attempts: Box<[Counter]>,
    /// With `timed`: this thread's counts of fast-path call times (each one attempt and one
    /// call), in front of `RetryStats::first_ok_ns`.
    pub(crate) first_ok_ns: LocalBuckets,
}

impl RetryShard {
    fn new(slots: usize) -> Self {
        Self {
            first_ok: Counter::default(),
            calls: Counter::default(),
            attempts: Counter::default(),
            successes: Counter::default(),
            giveups: Counter::default(),
            permanent_errors: Counter::default(),
            budget_refused: Counter::default(),
            deadline_stops: Counter::default(),
            timeouts: Counter::default(),
            sleep_total_ns: Counter::default(),
            by_attempts: (0..slots).map(|_| Counter::default()).collect(),
            first_ok_ns: LocalBuckets::new(),
        }
    }
}

/// Where an annotated fn is defined, and how it is configured; kept as report metadata.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Meta {
    pub(crate) file: &'static str,
    pub(crate) line: u32,
    pub(crate) is_async: bool,
    pub(crate) max_attempts: u32,
    pub(crate) timed: bool,
}

pub(crate) struct RetryStats {
    pub(crate) name: Box<str>,
    pub(crate) meta: Meta,
    pub(crate) shards: Sharded<RetryShard>,
    /// With `timed`: fast-path call times the shards' own buckets did not take.
    pub(crate) first_ok_ns: AtomicHistogram,
    /// With `timed`: attempts and calls off the fast path, shared by every thread (they
    /// failed at least once: an atomic add is noise next to that).
    pub(crate) attempt_ns: AtomicHistogram,
    pub(crate) call_ns: AtomicHistogram,
    baseline: Baseline<Totals>,
}

impl std::fmt::Debug for RetryStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RetryStats").field("name", &self.name).finish_non_exhaustive()
    }
}

static ALL: Mutex<Vec<&'static RetryStats>> = Mutex::new(Vec::new());

/// The stats for `name`, created on first use; call sites with the same name share them.
/// Called once per call site, so a lock and a scan are fine.
pub(crate) fn stats_for(name: &str, meta: Meta) -> &'static RetryStats {
    let mut all = lock(&ALL);
    if let Some(stats) = all.iter().find(|s| &*s.name == name) {
        return stats;
    }
    let slots = meta.max_attempts.clamp(1, MAX_HISTOGRAM_ATTEMPTS) as usize;
    let stats: &'static RetryStats = Box::leak(Box::new(RetryStats {
        name: name.into(),
        meta,
        shards: Sharded::new(move || RetryShard::new(slots)),
        first_ok_ns: AtomicHistogram::new(),
        attempt_ns: AtomicHistogram::new(),
        call_ns: AtomicHistogram::new(),
        baseline: Baseline::new(),
    }));
    all.push(stats);
    stats
}

pub(crate) fn all() -> Vec<&'static RetryStats> {
    lock(&ALL).clone()
}

impl RetryStats {
    fn current(&self) -> Totals {
        let mut t = Totals::empty(self.meta.max_attempts);
        self.first_ok_ns.add_to(&mut t.first_ok_ns);
        self.attempt_ns.add_to(&mut t.attempt_ns);
        self.call_ns.add_to(&mut t.call_ns);
        self.shards.for_each(|s| {
            t.first_ok += s.first_ok.get();
            t.calls += s.calls.get();
            t.attempts += s.attempts.get();
            t.successes += s.successes.get();
            t.giveups += s.giveups.get();
            t.permanent_errors += s.permanent_errors.get();
            t.budget_refused += s.budget_refused.get();
            t.deadline_stops += s.deadline_stops.get();
            t.timeouts += s.timeouts.get();
            t.sleep_total_ns += s.sleep_total_ns.get();
            for (sum, c) in t.by_attempts.iter_mut().zip(s.by_attempts.iter()) {
                *sum += c.get();
            }
            s.first_ok_ns.add_to(0, &mut t.first_ok_ns);
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

/// The sum of all shards of one name at one moment.
#[derive(Clone)]
pub(crate) struct Totals {
    pub(crate) first_ok: u64,
    pub(crate) calls: u64,
    pub(crate) attempts: u64,
    pub(crate) successes: u64,
    pub(crate) giveups: u64,
    pub(crate) permanent_errors: u64,
    pub(crate) budget_refused: u64,
    pub(crate) deadline_stops: u64,
    pub(crate) timeouts: u64,
    pub(crate) sleep_total_ns: u64,
    pub(crate) by_attempts: Vec<u64>,
    pub(crate) first_ok_ns: Histogram<u64>,
    pub(crate) attempt_ns: Histogram<u64>,
    pub(crate) call_ns: Histogram<u64>,
}

impl Totals {
    fn empty(max_attempts: u32) -> Self {
        Self {
            first_ok: 0,
            calls: 0,
            attempts: 0,
            successes: 0,
            giveups: 0,
            permanent_errors: 0,
            budget_refused: 0,
            deadline_stops: 0,
            timeouts: 0,
            sleep_total_ns: 0,
            by_attempts: vec![0; max_attempts.clamp(1, MAX_HISTOGRAM_ATTEMPTS) as usize],
            first_ok_ns: histogram::empty(),
            attempt_ns: histogram::empty(),
            call_ns: histogram::empty(),
        }
    }
}

impl Subtract for Totals {
    fn subtract(&mut self, base: &Totals) {
        self.first_ok -= base.first_ok;
        self.calls -= base.calls;
        self.attempts -= base.attempts;
        self.successes -= base.successes;
        self.giveups -= base.giveups;
        self.permanent_errors -= base.permanent_errors;
        self.budget_refused -= base.budget_refused;
        self.deadline_stops -= base.deadline_stops;
        self.timeouts -= base.timeouts;
        self.sleep_total_ns -= base.sleep_total_ns;
        for (c, b) in self.by_attempts.iter_mut().zip(&base.by_attempts) {
            *c -= b;
        }
        // Counts only grow, so every bucket of `base` is at most ours.
        for (h, b) in [
            (&mut self.first_ok_ns, &base.first_ok_ns),
            (&mut self.attempt_ns, &base.attempt_ns),
            (&mut self.call_ns, &base.call_ns),
        ] {
            h.subtract(b).expect("baseline is a subset");
        }
    }
}
