//! A histogram that threads record into without locks while any thread reads it.
//!
//! A `hdrhistogram::Histogram` needs `&mut` to record, so reading it from the report thread
//! would need a lock around every record. This keeps HdrHistogram's bucket layout (3
//! significant digits, values in nanoseconds) in atomic counters instead: writers bump a
//! counter, readers load them, and the report rebuilds an exact `hdrhistogram::Histogram` from
//! the counts. Counters live in 512-byte chunks reached through two small tables (one entry per
//! power of two, then 16 per power of two), each allocated on first use: a histogram nobody
//! records into costs one pointer, and one whose values all take about the same time under a
//! KiB, not the 270 KiB a fully allocated histogram would.

use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

use hdrhistogram::Histogram;

/// Significant digits kept, as in `Histogram::new(3)`.
pub(crate) const SIGFIG: u8 = 3;
/// Largest value recorded exactly (about 73 minutes in ns); larger values are clamped to it.
pub(crate) const MAX_VALUE: u64 = (1 << 42) - 1;

// HdrHistogram's layout for 3 significant digits and a lowest discernible value of 1.
const SUB_BUCKET_HALF_COUNT_MAGNITUDE: u32 = 10;
const SUB_BUCKET_HALF_COUNT: usize = 1 << SUB_BUCKET_HALF_COUNT_MAGNITUDE;
const SUB_BUCKET_MASK: u64 = (1 << (SUB_BUCKET_HALF_COUNT_MAGNITUDE + 1)) - 1;
const LEADING_ZERO_COUNT_BASE: u32 = 64 - SUB_BUCKET_HALF_COUNT_MAGNITUDE - 1;
pub(crate) const LEN: usize = index_of(MAX_VALUE) + 1;
const CHUNK_LEN: usize = 64;
/// Counters under one entry of the top table: a power of two's sub-buckets.
const SPAN: usize = SUB_BUCKET_HALF_COUNT;
const CHUNKS_PER_SPAN: usize = SPAN / CHUNK_LEN;
const SPANS: usize = LEN.div_ceil(SPAN);

type Chunk = [AtomicU64; CHUNK_LEN];
type Span = [AtomicPtr<Chunk>; CHUNKS_PER_SPAN];
type Table = [AtomicPtr<Span>; SPANS];

pub(crate) struct AtomicHistogram {
    table: AtomicPtr<Table>,
}

#[inline(always)]
pub(crate) const fn index_of(value: u64) -> usize {
    let bucket = LEADING_ZERO_COUNT_BASE - (value | SUB_BUCKET_MASK).leading_zeros();
    let sub_bucket = (value >> bucket) as usize;
    ((bucket as usize + 1) << SUB_BUCKET_HALF_COUNT_MAGNITUDE) + sub_bucket - SUB_BUCKET_HALF_COUNT
}

/// The lowest value that lands at `index` (HdrHistogram's `value_for`).
pub(crate) const fn value_at(index: usize) -> u64 {
    let mut bucket = (index >> SUB_BUCKET_HALF_COUNT_MAGNITUDE) as i64 - 1;
    let mut sub_bucket = (index & (SUB_BUCKET_HALF_COUNT - 1)) + SUB_BUCKET_HALF_COUNT;
    if bucket < 0 {
        sub_bucket -= SUB_BUCKET_HALF_COUNT;
        bucket = 0;
    }
    (sub_bucket as u64) << bucket
}

/// An empty histogram with the layout [`AtomicHistogram`] records in. It grows to the largest
/// value recorded: a full one is 270 KiB, and a report builds several per fn.
pub(crate) fn empty() -> Histogram<u64> {
    let mut h = Histogram::new_with_bounds(1, 2, SIGFIG).expect("valid histogram bounds");
    h.auto(true);
    h
}

impl AtomicHistogram {
    pub(crate) const fn new() -> Self {
        Self { table: AtomicPtr::new(std::ptr::null_mut()) }
    }

    /// Records one value. Only one thread may record into a histogram at a time.
    #[cfg_attr(not(all(feature = "bench", feature = "tokio")), allow(dead_code))]
    #[inline(always)]
    pub(crate) fn record(&self, value: u64) {
        let counter = self.counter(index_of(value.min(MAX_VALUE)));
        counter.store(counter.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
    }

    /// [`record`](Self::record) for a histogram that several threads record into: a
    /// read-modify-write per value.
    #[cfg_attr(not(any(feature = "cache", feature = "retry")), allow(dead_code))]
    #[inline]
    pub(crate) fn record_shared(&self, value: u64) {
        self.record_shared_at(index_of(value.min(MAX_VALUE)), 1);
    }

    /// Adds `n` at `index` of the layout, from any thread.
    #[inline]
    pub(crate) fn record_shared_at(&self, index: usize, n: u64) {
        self.counter(index).fetch_add(n, Ordering::Relaxed);
    }

    #[inline(always)]
    fn counter(&self, index: usize) -> &AtomicU64 {
        let table = load_or_grow(&self.table);
        // SAFETY: a table, span or chunk, once published, lives as long as `self`.
        let span = load_or_grow(unsafe { &(*table)[index / SPAN] });
        // SAFETY: as above.
        let chunk = load_or_grow(unsafe { &(*span)[index % SPAN / CHUNK_LEN] });
        // SAFETY: as above.
        unsafe { &(*chunk)[index % CHUNK_LEN] }
    }

    /// Zeroes the counts; a value recorded meanwhile lands on one side or the other.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn clear(&self) {
        self.counters(|_, counter| counter.store(0, Ordering::Relaxed));
    }

    /// Adds every recorded value into `into`, which must come from [`empty`].
    pub(crate) fn add_to(&self, into: &mut Histogram<u64>) {
        self.counts(|index, count| {
            into.record_n(value_at(index), count).expect("value within bounds");
        });
    }

    /// Visits every non-zero count with its index in the layout, lowest first.
    fn counts(&self, mut visit: impl FnMut(usize, u64)) {
        self.counters(|index, counter| {
            let count = counter.load(Ordering::Relaxed);
            if count != 0 {
                visit(index, count);
            }
        });
    }

    /// Visits every allocated counter with its index in the layout, lowest first.
    fn counters(&self, mut visit: impl FnMut(usize, &AtomicU64)) {
        let table = self.table.load(Ordering::Acquire);
        if table.is_null() {
            return;
        }
        // SAFETY: as in `counter`.
        for (s, span) in unsafe { &*table }.iter().enumerate() {
            let span = span.load(Ordering::Acquire);
            if span.is_null() {
                continue;
            }
            // SAFETY: as in `counter`.
            for (c, chunk) in unsafe { &*span }.iter().enumerate() {
                let chunk = chunk.load(Ordering::Acquire);
                if !chunk.is_null() {
                    // SAFETY: as in `counter`.
                    for (i, counter) in unsafe { &*chunk }.iter().enumerate() {
                        visit(s * SPAN + c * CHUNK_LEN + i, counter);
                    }
                }
            }
        }
    }
}

/// Zeroed memory for a table, a span or a chunk: arrays of atomics, which are valid at zero.
trait Zeroed: Sized {
    fn boxed() -> Box<Self>;
}

impl<T, const N: usize> Zeroed for [AtomicPtr<T>; N] {
    fn boxed() -> Box<Self> {
        Box::new([const { AtomicPtr::new(std::ptr::null_mut()) }; N])
    }
}

impl<const N: usize> Zeroed for [AtomicU64; N] {
    fn boxed() -> Box<Self> {
        Box::new([const { AtomicU64::new(0) }; N])
    }
}

/// What `slot` points to, allocated (zeroed) on first use.
#[inline(always)]
fn load_or_grow<T: Zeroed>(slot: &AtomicPtr<T>) -> *mut T {
    let found = slot.load(Ordering::Acquire);
    if found.is_null() { grow(slot) } else { found }
}

/// Allocates what `slot` points to, or takes what another writer published first.
#[cold]
#[inline(never)]
fn grow<T: Zeroed>(slot: &AtomicPtr<T>) -> *mut T {
    let fresh = super::alloc::untracked(|| Box::into_raw(T::boxed()));
    match slot.compare_exchange(std::ptr::null_mut(), fresh, Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => fresh,
        Err(winner) => {
            // SAFETY: `fresh` came from `Box::into_raw` and was never published.
            super::alloc::untracked(|| drop(unsafe { Box::from_raw(fresh) }));
            winner
        }
    }
}

impl AtomicHistogram {
    /// Visits every non-zero count, lowest values first, with the highest value its bucket
    /// holds (HdrHistogram's `highest_equivalent`, the value its percentiles report): for
    /// exporters that re-bucket the counts without building a `Histogram`.
    pub(crate) fn for_each_count(&self, mut visit: impl FnMut(u64, u64)) {
        self.counts(|index, count| visit(value_at(index + 1) - 1, count));
    }
}

impl std::fmt::Debug for AtomicHistogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AtomicHistogram").finish_non_exhaustive()
    }
}

impl Drop for AtomicHistogram {
    fn drop(&mut self) {
        let table = *self.table.get_mut();
        if table.is_null() {
            return;
        }
        // SAFETY: every pointer below was made by `grow` with `Box::into_raw`, published once
        // and never freed elsewhere.
        let mut table = unsafe { Box::from_raw(table) };
        for span in table.iter_mut() {
            let span = *span.get_mut();
            if span.is_null() {
                continue;
            }
            // SAFETY: as above.
            let mut span = unsafe { Box::from_raw(span) };
            for chunk in span.iter_mut() {
                let chunk = *chunk.get_mut();
                if !chunk.is_null() {
                    // SAFETY: as above.
                    drop(unsafe { Box::from_raw(chunk) });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_recording_loses_nothing_and_clears() {
        let h = AtomicHistogram::new();
        std::thread::scope(|s| {
            for t in 0..4u64 {
                let h = &h;
                s.spawn(move || (0..10_000).for_each(|i| h.record_shared(1 + (i * 7 + t) % 5_000)));
            }
        });
        let mut all = empty();
        h.add_to(&mut all);
        assert_eq!(all.len(), 40_000);
        h.clear();
        let mut none = empty();
        h.add_to(&mut none);
        assert_eq!(none.len(), 0);
    }

    #[test]
    fn layout_matches_hdrhistogram() {
        let reference = Histogram::<u64>::new_with_bounds(1, MAX_VALUE, SIGFIG).unwrap();
        let mut v = 0u64;
        while v < MAX_VALUE {
            let i = index_of(v);
            assert_eq!(value_at(i), reference.lowest_equivalent(v), "value {v}");
            assert_eq!(index_of(value_at(i)), i);
            v = v * 5 / 4 + 1;
        }
        assert_eq!(LEN, reference.distinct_values());
    }

    #[test]
    fn visits_counts_at_their_highest_equivalent_value() {
        let ours = AtomicHistogram::new();
        let mut direct = empty();
        for v in [1, 2047, 2048, 2049, 5_000_000, 123_456_789, MAX_VALUE] {
            ours.record(v);
            direct.record(v).unwrap();
        }
        let mut seen = Vec::new();
        ours.for_each_count(|v, n| seen.push((v, n)));
        let expected: Vec<_> =
            direct.iter_recorded().map(|v| (v.value_iterated_to(), v.count_at_value())).collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn rebuilds_the_same_histogram() {
        let ours = AtomicHistogram::new();
        let mut direct = empty();
        for v in [0, 1, 7, 2047, 2048, 2049, 123_456, 9_999_999_999, MAX_VALUE] {
            ours.record(v);
            direct.record(v).unwrap();
        }
        ours.record(u64::MAX);
        direct.record(MAX_VALUE).unwrap();
        let mut rebuilt = empty();
        ours.add_to(&mut rebuilt);
        assert_eq!(rebuilt, direct);
        assert_eq!(rebuilt.len(), 10);
    }
}
