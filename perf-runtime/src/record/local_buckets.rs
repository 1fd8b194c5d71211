//! A thread's own counters for a few histogram buckets, in front of histograms every thread
//! shares.
//!
//! A histogram per thread and fn cost 10–16 KiB each: 655 MiB for 1,000 fns on 64 threads
//! (issue #23). A shard keeps [`SLOTS`] counters instead, each pinned to the first (histogram,
//! bucket) that lands in it and bumped with a plain load and store, as `Counter` is. A value
//! whose slot holds another bucket goes to the fn's shared histogram with one read-modify-write.
//! A hot fn's values fall in a few neighbouring buckets, which map to distinct slots, so its
//! calls rarely reach the shared histogram; a fn whose values spread wide is slow enough that
//! one atomic add is noise.
//!
//! A count never moves once recorded: a reader sees each one in exactly one place, and every
//! snapshot is contained in the next, as reset baselines require.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use hdrhistogram::Histogram;

use super::histogram::{self, AtomicHistogram, LEN, MAX_VALUE};

/// Slots per shard: 128 bytes.
pub(crate) const SLOTS: usize = 16;

// A slot is `kind | index | count` in one word, so a reader loads a consistent pair.
const INDEX_BITS: u32 = 16;
const COUNT_BITS: u32 = 64 - 3 - INDEX_BITS;
const COUNT_MASK: u64 = (1 << COUNT_BITS) - 1;
const _: () = assert!(LEN <= 1 << INDEX_BITS);

pub(crate) struct LocalBuckets([AtomicU64; SLOTS]);

impl LocalBuckets {
    pub(crate) const fn new() -> Self {
        Self([const { AtomicU64::new(0) }; SLOTS])
    }

    /// Records `value` in histogram `kind` (below 8), whose shared part is `shared`. Only one
    /// thread may record into a `LocalBuckets` at a time; any number may share `shared`.
    #[inline(always)]
    pub(crate) fn record(&self, kind: usize, value: u64, shared: &AtomicHistogram) {
        debug_assert!(kind < 8);
        let index = histogram::index_of(value.min(MAX_VALUE));
        let tag = ((kind as u64) << INDEX_BITS | index as u64) << COUNT_BITS;
        // Neighbouring buckets land in neighbouring slots; kinds start apart.
        let slot = &self.0[(index + kind * 5) % SLOTS];
        let seen = slot.load(Relaxed);
        // An empty slot reads as kind 0, index 0, count 0: claiming it is the same store.
        if (seen == 0 || seen & !COUNT_MASK == tag) && seen & COUNT_MASK != COUNT_MASK {
            slot.store((seen | tag) + 1, Relaxed);
        } else {
            shared.record_shared_at(index, 1);
        }
    }

    /// Adds the counts of histogram `kind` into `into`, which must come from
    /// [`histogram::empty`].
    pub(crate) fn add_to(&self, kind: usize, into: &mut Histogram<u64>) {
        self.counts(kind, |index, n| {
            into.record_n(histogram::value_at(index), n).expect("value within bounds");
        });
    }

    /// Visits the counts of histogram `kind` with the highest value of their bucket, as
    /// [`AtomicHistogram::for_each_count`] does.
    pub(crate) fn for_each_count(&self, kind: usize, mut visit: impl FnMut(u64, u64)) {
        self.counts(kind, |index, n| visit(histogram::value_at(index + 1) - 1, n));
    }

    fn counts(&self, kind: usize, mut visit: impl FnMut(usize, u64)) {
        for slot in &self.0 {
            let word = slot.load(Relaxed);
            let n = word & COUNT_MASK;
            if n != 0 && (word >> (COUNT_BITS + INDEX_BITS)) as usize == kind {
                visit((word >> COUNT_BITS) as usize & ((1 << INDEX_BITS) - 1), n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rebuilt(kind: usize, local: &LocalBuckets, shared: &AtomicHistogram) -> Histogram<u64> {
        let mut h = histogram::empty();
        shared.add_to(&mut h);
        local.add_to(kind, &mut h);
        h
    }

    #[test]
    fn local_and_shared_counts_rebuild_the_exact_histogram() {
        let local = LocalBuckets::new();
        let (wall, cpu) = (AtomicHistogram::new(), AtomicHistogram::new());
        let (mut want_wall, mut want_cpu) = (histogram::empty(), histogram::empty());
        // Values close together (slots) and far apart (collisions into the shared part).
        for i in 0..10_000u64 {
            let v = if i % 3 == 0 { 20 + i % 40 } else { (i * 7919) % 5_000_000 };
            local.record(0, v, &wall);
            want_wall.record(v).unwrap();
            local.record(4, v / 3, &cpu);
            want_cpu.record(v / 3).unwrap();
        }
        local.record(0, 0, &wall);
        want_wall.record(0).unwrap();
        local.record(0, u64::MAX, &wall);
        want_wall.record(MAX_VALUE).unwrap();
        assert_eq!(rebuilt(0, &local, &wall), want_wall);
        assert_eq!(rebuilt(4, &local, &cpu), want_cpu);
    }

    #[test]
    fn a_few_neighbouring_buckets_stay_local() {
        let local = LocalBuckets::new();
        let shared = AtomicHistogram::new();
        for i in 0..1_000u64 {
            local.record(0, 30 + i % SLOTS as u64, &shared);
        }
        let mut in_shared = histogram::empty();
        shared.add_to(&mut in_shared);
        assert_eq!(in_shared.len(), 0);
        assert_eq!(rebuilt(0, &local, &shared).len(), 1_000);
    }
}
