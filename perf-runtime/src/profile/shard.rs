//! What one thread records for one profiled fn (see `sharded.rs` for how threads get one).

use crate::record::counter::Counter;
use crate::record::histogram::AtomicHistogram;

/// One thread's counters and histograms for one profiled name.
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
    /// Allocations (and reallocations) per call, with the counting allocator installed.
    pub(crate) alloc_count: AtomicHistogram,
    /// Bytes allocated per call.
    pub(crate) alloc_bytes: AtomicHistogram,
    pub(crate) alloc_count_total: Counter,
    /// Calls that allocated nothing: most calls of a hot fn, recorded with one counter and
    /// added to both histograms as zeros when the report reads them.
    pub(crate) no_alloc_calls: Counter,
    pub(crate) alloc_bytes_total: Counter,
    pub(crate) freed_bytes_total: Counter,
    /// Thread CPU time per call, for `cpu = true`.
    pub(crate) cpu: AtomicHistogram,
    pub(crate) cpu_total_ns: Counter,
    /// Calls left to skip before the next timed one, for a sampled fn (see `sample.rs`).
    pub(crate) countdown: Counter,
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
            alloc_count: AtomicHistogram::new(),
            alloc_bytes: AtomicHistogram::new(),
            alloc_count_total: Counter::default(),
            no_alloc_calls: Counter::default(),
            alloc_bytes_total: Counter::default(),
            freed_bytes_total: Counter::default(),
            cpu: AtomicHistogram::new(),
            cpu_total_ns: Counter::default(),
            countdown: Counter::default(),
        }
    }
}
