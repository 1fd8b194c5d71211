//! What one thread records for one profiled fn (see `sharded.rs` for how threads get one).

use crate::calls::edge::ShardEdges;
use crate::record::counter::Counter;
use crate::record::local_buckets::LocalBuckets;

/// The histograms of a profiled fn, by the `kind` their values carry into [`LocalBuckets`].
pub(crate) const WALL: usize = 0;
pub(crate) const BUSY: usize = 1;
/// Allocations (and reallocations) per call, with the counting allocator installed.
pub(crate) const ALLOC_COUNT: usize = 2;
/// Bytes allocated per call.
pub(crate) const ALLOC_BYTES: usize = 3;
/// Thread CPU time per call, for `cpu = true`.
pub(crate) const CPU: usize = 4;
pub(crate) const KINDS: usize = 5;

/// One thread's counters for one profiled name, and its own counts of the buckets its calls
/// use most, in front of the fn's shared histograms (`FnStats::hist`): 256 bytes, on cache
/// lines of its own (see `sharded.rs`).
pub(crate) struct Shard {
    pub(crate) calls: Counter,
    pub(crate) errors: Counter,
    pub(crate) panics: Counter,
    pub(crate) cancelled: Counter,
    pub(crate) slow_calls: Counter,
    pub(crate) total_ns: Counter,
    pub(crate) busy_total_ns: Counter,
    pub(crate) buckets: LocalBuckets,
    pub(crate) alloc_count_total: Counter,
    /// Calls that allocated nothing: most calls of a hot fn, recorded with one counter and
    /// added to both histograms as zeros when the report reads them.
    pub(crate) no_alloc_calls: Counter,
    pub(crate) alloc_bytes_total: Counter,
    pub(crate) freed_bytes_total: Counter,
    pub(crate) cpu_total_ns: Counter,
    /// Calls left to skip before the next timed one, for a sampled fn (see `sample.rs`).
    pub(crate) countdown: Counter,
    /// Self time of the timed calls: wall time less that of their profiled callees.
    pub(crate) self_ns: Counter,
    /// Busy self time of an `async fn`'s timed calls.
    pub(crate) busy_self_ns: Counter,
    /// The first few callees of this fn called from this thread (see `calls/edge.rs`).
    pub(crate) edges: ShardEdges,
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
            buckets: LocalBuckets::new(),
            alloc_count_total: Counter::default(),
            no_alloc_calls: Counter::default(),
            alloc_bytes_total: Counter::default(),
            freed_bytes_total: Counter::default(),
            cpu_total_ns: Counter::default(),
            countdown: Counter::default(),
            self_ns: Counter::default(),
            busy_self_ns: Counter::default(),
            edges: ShardEdges::default(),
        }
    }
}

// Memory per fn and thread is a shard (issue #23): keep it to two 128-byte lines.
const _: () = assert!(std::mem::size_of::<Shard>() <= 256);
