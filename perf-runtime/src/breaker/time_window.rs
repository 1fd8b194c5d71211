//! `window = "60s"`: the calls of the last T, as a fixed ring of [`TIME_BUCKETS`] buckets of
//! T / TIME_BUCKETS each (resilience4j's SlidingTimeWindowMetrics, with wider buckets and no
//! lock). A bucket carries the epoch (time / bucket width) it counts; the first call of a new
//! epoch to reach a bucket empties it. The window's sums are taken over the buckets whose epoch
//! is among the last TIME_BUCKETS, so an idle stretch needs no sweeping.

use std::sync::atomic::Ordering::Release;
use std::sync::atomic::{AtomicU64, Ordering::AcqRel, Ordering::Acquire, Ordering::Relaxed};

use super::outcome::{Outcome, Snapshot};

/// Buckets per time window: memory is fixed, and the window slides in steps of 1/20.
pub const TIME_BUCKETS: usize = 20;

/// A bucket being emptied by the thread that moved it to a new epoch.
const ROLLING: u64 = u64::MAX;
/// A bucket that counts nothing (a new or cleared window).
const NONE: u64 = u64::MAX - 1;

struct Bucket {
    epoch: AtomicU64,
    calls: AtomicU64,
    failures: AtomicU64,
    slow: AtomicU64,
}

pub(crate) struct TimeWindow {
    width_ns: u64,
    buckets: [Bucket; TIME_BUCKETS],
    /// The epoch of the last failure or slow call, +1 (0: none yet): a success looks at the
    /// window's rates only while one is inside it.
    last_bad: AtomicU64,
}

impl TimeWindow {
    pub(crate) fn new(window_ns: u64) -> Self {
        Self {
            width_ns: (window_ns / TIME_BUCKETS as u64).max(1),
            buckets: std::array::from_fn(|_| Bucket {
                epoch: AtomicU64::new(NONE),
                calls: AtomicU64::new(0),
                failures: AtomicU64::new(0),
                slow: AtomicU64::new(0),
            }),
            last_bad: AtomicU64::new(0),
        }
    }

    #[inline(always)]
    pub(crate) fn epoch(&self, now_ns: u64) -> u64 {
        now_ns / self.width_ns
    }

    /// Records a call that finished at `now_ns`.
    #[inline]
    pub(crate) fn record(&self, now_ns: u64, outcome: Outcome) {
        let epoch = self.epoch(now_ns);
        let bucket = &self.buckets[(epoch % TIME_BUCKETS as u64) as usize];
        if !self.enter(bucket, epoch) {
            return;
        }
        bucket.calls.fetch_add(1, Relaxed);
        if outcome.is_failure() {
            bucket.failures.fetch_add(1, Relaxed);
        }
        if outcome.is_slow() {
            bucket.slow.fetch_add(1, Relaxed);
        }
        if outcome != Outcome::Success {
            self.last_bad.fetch_max(epoch + 1, Relaxed);
        }
    }

    /// Makes `bucket` count `epoch`; false if it already counts a later one (this call's
    /// clock reading is older than another's: it is left out of the window).
    #[inline(always)]
    fn enter(&self, bucket: &Bucket, epoch: u64) -> bool {
        let mut spins = 0u32;
        loop {
            let current = bucket.epoch.load(Acquire);
            if current == epoch {
                return true;
            }
            if current == ROLLING {
                spins += 1;
                if spins > 64 {
                    std::thread::yield_now();
                } else {
                    std::hint::spin_loop();
                }
                continue;
            }
            if current != NONE && current > epoch {
                return false;
            }
            if bucket.epoch.compare_exchange(current, ROLLING, AcqRel, Relaxed).is_ok() {
                bucket.calls.store(0, Relaxed);
                bucket.failures.store(0, Relaxed);
                bucket.slow.store(0, Relaxed);
                bucket.epoch.store(epoch, Release);
                return true;
            }
        }
    }

    /// Whether a failure or slow call is still inside the window at `now_ns`.
    #[inline(always)]
    pub(crate) fn has_bad(&self, now_ns: u64) -> bool {
        let last = self.last_bad.load(Relaxed);
        last != 0 && last - 1 + TIME_BUCKETS as u64 > self.epoch(now_ns)
    }

    pub(crate) fn snapshot(&self, now_ns: u64) -> Snapshot {
        let now = self.epoch(now_ns);
        let oldest = (now + 1).saturating_sub(TIME_BUCKETS as u64);
        let mut s = Snapshot::default();
        for b in &self.buckets {
            let epoch = b.epoch.load(Acquire);
            if epoch >= NONE || epoch < oldest || epoch > now {
                continue;
            }
            s.calls += b.calls.load(Relaxed);
            s.failures += b.failures.load(Relaxed);
            s.slow += b.slow.load(Relaxed);
        }
        s
    }

    /// Empties the window (on closing).
    pub(crate) fn clear(&self) {
        for b in &self.buckets {
            b.epoch.store(NONE, Release);
        }
        self.last_bad.store(0, Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000_000;

    #[test]
    fn calls_leave_the_window_as_time_passes() {
        // 20 s: buckets of 1 s.
        let w = TimeWindow::new(20 * S);
        w.record(0, Outcome::Failure);
        w.record(S / 2, Outcome::Success);
        w.record(5 * S, Outcome::SlowSuccess);
        assert_eq!(w.snapshot(5 * S), Snapshot { calls: 3, failures: 1, slow: 1 });
        assert!(w.has_bad(19 * S));
        // At 20 s the bucket of [0 s, 1 s) has left the window.
        assert_eq!(w.snapshot(20 * S), Snapshot { calls: 1, failures: 0, slow: 1 });
        assert_eq!(w.snapshot(25 * S), Snapshot::default());
        assert!(!w.has_bad(25 * S));
        // A call at 21 s reuses the bucket of [1 s, 2 s), emptied; the slow call of 5 s is
        // still in.
        w.record(21 * S, Outcome::Success);
        assert_eq!(w.snapshot(21 * S), Snapshot { calls: 2, failures: 0, slow: 1 });
        w.clear();
        assert_eq!(w.snapshot(21 * S), Snapshot::default());
    }

    #[test]
    fn concurrent_calls_in_one_epoch_all_count() {
        let w = std::sync::Arc::new(TimeWindow::new(20 * S));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let w = w.clone();
                std::thread::spawn(move || {
                    for i in 0..10_000u64 {
                        w.record(3 * S + i, Outcome::new(i % 4 == 0, false));
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(w.snapshot(3 * S), Snapshot { calls: 80_000, failures: 20_000, slow: 0 });
    }
}
