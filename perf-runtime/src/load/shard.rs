//! Where requests are recorded: counters and lock-free histograms, one shard per closed-loop
//! worker (a single writer: a relaxed load and store per value) or one shard shared by the
//! open loop's request tasks (a read-modify-write per value, noise next to a timetable).
//! Nothing is kept per request, so memory does not grow with the number of requests.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use hdrhistogram::Histogram;

use super::outcome::Outcome;
use crate::record::histogram::AtomicHistogram;

#[repr(align(128))] // workers' shards sit on separate cache lines
pub(crate) struct Shard {
    /// Corrected latency: completion − scheduled start (in a closed loop, − actual start).
    pub(crate) latency: AtomicHistogram,
    /// Service time: completion − actual start; the open loop only (in a closed loop it is the
    /// latency).
    pub(crate) service: AtomicHistogram,
    /// Actual start − scheduled start; the open loop only.
    pub(crate) lateness: AtomicHistogram,
    /// Indexed by [`Outcome`] as `usize`.
    counts: [AtomicU64; 4],
    /// Nanoseconds from the start of counting to the last completion recorded.
    pub(crate) last_done_ns: AtomicU64,
}

impl Shard {
    pub(crate) const fn new() -> Self {
        Self {
            latency: AtomicHistogram::new(),
            service: AtomicHistogram::new(),
            lateness: AtomicHistogram::new(),
            counts: [const { AtomicU64::new(0) }; 4],
            last_done_ns: AtomicU64::new(0),
        }
    }

    /// A closed-loop request, by the shard's only writer.
    #[inline(always)]
    pub(crate) fn record_owned(&self, outcome: Outcome, latency_ns: u64, done_ns: u64) {
        self.latency.record(latency_ns);
        let c = &self.counts[outcome as usize];
        c.store(c.load(Relaxed) + 1, Relaxed);
        self.last_done_ns.store(done_ns, Relaxed);
    }

    /// An open-loop request, from any task.
    pub(crate) fn record_shared(
        &self,
        outcome: Outcome,
        latency_ns: u64,
        service_ns: u64,
        lateness_ns: u64,
        done_ns: u64,
    ) {
        self.latency.record_shared(latency_ns);
        self.service.record_shared(service_ns);
        self.lateness.record_shared(lateness_ns);
        self.counts[outcome as usize].fetch_add(1, Relaxed);
        self.last_done_ns.fetch_max(done_ns, Relaxed);
    }

    pub(crate) fn count(&self, outcome: Outcome) -> u64 {
        self.counts[outcome as usize].load(Relaxed)
    }
}

/// Counts summed over shards.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub(crate) ok: u64,
    pub(crate) err: u64,
    pub(crate) panic: u64,
    pub(crate) timeout: u64,
}

impl Counts {
    pub(crate) fn of(shards: &[Box<Shard>]) -> Self {
        let mut c = Self::default();
        for s in shards {
            c.ok += s.count(Outcome::Ok);
            c.err += s.count(Outcome::Err);
            c.panic += s.count(Outcome::Panic);
            c.timeout += s.count(Outcome::Timeout);
        }
        c
    }

    pub(crate) fn requests(&self) -> u64 {
        self.ok + self.errors()
    }

    pub(crate) fn errors(&self) -> u64 {
        self.err + self.panic + self.timeout
    }
}

/// The sum of one histogram of every shard into `into`, which is reset first.
pub(crate) fn sum_into(
    into: &mut Histogram<u64>,
    shards: &[Box<Shard>],
    which: fn(&Shard) -> &AtomicHistogram,
) {
    into.reset();
    for s in shards {
        which(s).add_to(into);
    }
}
