//! Where requests are recorded: counters and lock-free histograms. A closed loop records into
//! one shard per runtime thread ([`ByThread`]): a request is recorded between two awaits, on
//! one thread, so each shard has a single writer (a relaxed load and store per value, no
//! read-modify-write), and there are as few shards as threads, not workers: each histogram's
//! memory grows with the spread of the values it has seen, and 64 per-worker ones held 5.8MB
//! more after ten million requests than after a hundred thousand. The open loop's request
//! tasks share one shard. Nothing is kept per request.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};

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

    /// A closed-loop request; `owned` when the caller is the shard's only writer. The worker
    /// keeps its last completion itself and hands it to [`done_at`](Self::done_at) once.
    #[inline(always)]
    pub(crate) fn record_closed(&self, owned: bool, outcome: Outcome, latency_ns: u64) {
        let c = &self.counts[outcome as usize];
        if owned {
            self.latency.record(latency_ns);
            c.store(c.load(Relaxed) + 1, Relaxed);
        } else {
            self.latency.record_shared(latency_ns);
            c.fetch_add(1, Relaxed);
        }
    }

    /// A completion at `done_ns` from the start of counting.
    pub(crate) fn done_at(&self, done_ns: u64) {
        self.last_done_ns.fetch_max(done_ns, Relaxed);
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

/// A closed loop's shards, one per thread that records: `owned` ones handed out to threads in
/// turn, and one more, last, shared by any thread beyond them (read-modify-writes only).
pub(crate) struct ByThread {
    id: u64,
    next: AtomicUsize,
    owned: usize,
}

static LOAD_IDS: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The load this thread last recorded for, and its shard there.
    static SLOT: Cell<(u64, usize)> = const { Cell::new((0, 0)) };
}

impl ByThread {
    /// For `shards`, whose last one is the shared one.
    pub(crate) fn new(shards: &[Box<Shard>]) -> Self {
        let id = LOAD_IDS.fetch_add(1, Relaxed);
        Self { id, next: AtomicUsize::new(0), owned: shards.len() - 1 }
    }

    /// Records on the calling thread's shard. An index, once given to a thread, is never
    /// given to another, so an owned shard keeps its single writer even when a thread records
    /// for several loads in turn (it then takes a fresh index, or the shared shard).
    #[inline(always)]
    pub(crate) fn record(&self, shards: &[Box<Shard>], outcome: Outcome, latency_ns: u64) {
        let i = SLOT.with(|slot| {
            let (id, i) = slot.get();
            if id == self.id {
                i
            } else {
                let i = self.next.fetch_add(1, Relaxed).min(self.owned);
                slot.set((self.id, i));
                i
            }
        });
        shards[i].record_closed(i < self.owned, outcome, latency_ns);
    }
}
