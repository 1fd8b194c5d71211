//! GCRA on one `AtomicU64`: the cell holds the theoretical arrival time (TAT) of the next
//! call, in the clock's nanoseconds. A call at `now` conforms when `now >= TAT − τ`; admitting
//! it moves TAT to `max(TAT, now) + T`. A fresh cell holds 0, a full bucket. No refill thread:
//! time alone refills it.
//!
//! The quota is an argument of each decision, not part of the cell, so one cell can be
//! decided by a different quota per call (`quota = expr`).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use super::Quota;

/// One bucket.
#[derive(Debug, Default)]
pub(crate) struct Cell(AtomicU64);

/// A refused decision: how long until the call would conform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NotBefore {
    pub(crate) wait_ns: u64,
}

impl Cell {
    pub(crate) const fn new() -> Self {
        Self(AtomicU64::new(0))
    }

    /// Admits one call at `now`, or says how long until one would be admitted.
    #[cfg(test)]
    pub(crate) fn check(&self, now: u64, quota: Quota) -> Result<(), NotBefore> {
        self.reserve(now, quota, 0).map(drop)
    }

    /// Reserves the next slot at most `max_wait_ns` ahead: `Ok(wait)` is how long the caller
    /// must sleep before it runs (0 when it conforms now), the slot already taken, so waiters
    /// queue in the order they arrived and each sleeps once; `Err` when the slot is further
    /// ahead than that, and nothing is taken. With `max_wait_ns` 0 it is GCRA's plain check.
    ///
    /// Relaxed is enough: the cell orders nothing but itself, and compare-exchange on one
    /// location is totally ordered.
    #[inline(always)]
    pub(crate) fn reserve(
        &self,
        now: u64,
        quota: Quota,
        max_wait_ns: u64,
    ) -> Result<u64, NotBefore> {
        let t = quota.emission_ns();
        let tau = quota.tolerance_ns();
        let mut tat = self.0.load(Relaxed);
        loop {
            let earliest = tat.saturating_sub(tau);
            let wait_ns = earliest.saturating_sub(now);
            if wait_ns > max_wait_ns {
                return Err(NotBefore { wait_ns });
            }
            let next = tat.max(now) + t;
            match self.0.compare_exchange_weak(tat, next, Relaxed, Relaxed) {
                Ok(_) => return Ok(wait_ns),
                Err(actual) => tat = actual,
            }
        }
    }

    /// Whether the bucket is full again at `now`: such a cell decides exactly as a fresh one,
    /// so it can be dropped.
    pub(crate) fn is_full_at(&self, now: u64) -> bool {
        self.0.load(Relaxed) <= now
    }

    /// The theoretical arrival time, for the Redis fallback's hand-over.
    #[cfg(test)]
    pub(crate) fn tat(&self) -> u64 {
        self.0.load(Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    /// The n-th admission of a bucket drained from full happens at the time GCRA says: the
    /// first `burst` at once, then one every `T`.
    #[test]
    fn admissions_happen_at_the_times_gcra_gives() {
        let q = Quota::per_second(100).burst(5);
        let cell = Cell::new();
        let start = 7 * MS;
        let mut admitted_at = Vec::new();
        // Offer one call per 1 ms for 100 ms.
        for step in 0..100 {
            let now = start + step * MS;
            while cell.check(now, q).is_ok() {
                admitted_at.push(now - start);
            }
        }
        // 5 at t = 0 (burst), then one per 10 ms: at 10, 20, ... 90 ms.
        let mut expected = vec![0; 5];
        expected.extend((1..10).map(|k| k * 10 * MS));
        assert_eq!(admitted_at, expected);
    }

    #[test]
    fn a_refusal_says_exactly_how_long_until_the_next_admission() {
        let q = Quota::per_second(10).burst(2);
        let cell = Cell::new();
        assert!(cell.check(0, q).is_ok());
        assert!(cell.check(0, q).is_ok());
        assert_eq!(cell.check(0, q), Err(NotBefore { wait_ns: 100 * MS }));
        assert_eq!(cell.check(60 * MS, q), Err(NotBefore { wait_ns: 40 * MS }));
        assert!(cell.check(100 * MS, q).is_ok());
        assert_eq!(cell.check(100 * MS, q), Err(NotBefore { wait_ns: 100 * MS }));
    }

    #[test]
    fn an_idle_cell_refills_to_its_burst_and_no_further() {
        let q = Quota::per_second(10).burst(3);
        let cell = Cell::new();
        for _ in 0..3 {
            cell.check(0, q).unwrap();
        }
        assert!(cell.check(0, q).is_err());
        assert!(!cell.is_full_at(200 * MS));
        assert!(cell.is_full_at(300 * MS));
        let now = 10_000 * MS;
        let admitted = (0..10).filter(|_| cell.check(now, q).is_ok()).count();
        assert_eq!(admitted, 3);
    }

    #[test]
    fn reservations_queue_one_interval_apart_up_to_the_bound() {
        let q = Quota::per_second(50);
        let cell = Cell::new();
        let waits: Vec<u64> = (0..4).map(|_| cell.reserve(0, q, 60 * MS).unwrap()).collect();
        assert_eq!(waits, [0, 20 * MS, 40 * MS, 60 * MS]);
        assert_eq!(cell.reserve(0, q, 60 * MS), Err(NotBefore { wait_ns: 80 * MS }));
        // Nothing was taken by the refusal: at 20 ms the next slot is still 80 ms.
        assert_eq!(cell.reserve(20 * MS, q, 60 * MS), Ok(60 * MS));
    }

    #[test]
    fn a_quota_per_call_decides_the_same_cell() {
        let cell = Cell::new();
        let slow = Quota::per_second(1);
        let fast = Quota::per_second(1000).burst(10);
        cell.check(0, slow).unwrap();
        assert!(cell.check(0, slow).is_err());
        // TAT is 1 s ahead: the fast quota's tolerance of 9 ms does not reach it.
        assert_eq!(cell.check(0, fast), Err(NotBefore { wait_ns: 1000 * MS - 9 * MS }));
        assert_eq!(cell.tat(), 1000 * MS);
    }
}
