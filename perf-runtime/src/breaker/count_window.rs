//! `window = 100`: the last N calls, as a ring of one outcome byte per call and three running
//! sums (resilience4j's FixedSizeSlidingWindowMetrics, made lock-free).
//!
//! Every change of a slot is a `swap`, and the sums move by what left and what entered, so
//! once the writers are done the sums equal the ring exactly, however the swaps interleaved.
//! A call whose outcome equals the one it replaces writes nothing: the steady state of a
//! healthy service is one `fetch_add` (the ring index, shared with the call counter) and one
//! load. Sums are signed because a slot's "leave" may be applied before its "enter".

use std::sync::atomic::{AtomicI64, AtomicU8, Ordering::Relaxed};

use super::outcome::{Outcome, Snapshot};

const EMPTY: u8 = 0;

pub(crate) struct CountWindow {
    slots: Box<[AtomicU8]>,
    filled: AtomicI64,
    failures: AtomicI64,
    slow: AtomicI64,
}

impl CountWindow {
    pub(crate) fn new(size: u32) -> Self {
        Self {
            slots: (0..size).map(|_| AtomicU8::new(EMPTY)).collect(),
            filled: AtomicI64::new(0),
            failures: AtomicI64::new(0),
            slow: AtomicI64::new(0),
        }
    }

    /// Records the call numbered `index` (every call gets its own number from a counter).
    #[inline(always)]
    pub(crate) fn record(&self, index: u64, outcome: Outcome) {
        let slot = &self.slots[(index % self.slots.len() as u64) as usize];
        let new = outcome as u8;
        if slot.load(Relaxed) == new {
            return;
        }
        self.moved(slot.swap(new, Relaxed), new);
    }

    #[inline(always)]
    fn moved(&self, old: u8, new: u8) {
        if old == new {
            return;
        }
        let (o, n) = (decode(old), decode(new));
        let delta = |was: bool, is: bool| i64::from(is) - i64::from(was);
        let filled = delta(o.is_some(), n.is_some());
        let failures =
            delta(o.is_some_and(Outcome::is_failure), n.is_some_and(Outcome::is_failure));
        let slow = delta(o.is_some_and(Outcome::is_slow), n.is_some_and(Outcome::is_slow));
        if filled != 0 {
            self.filled.fetch_add(filled, Relaxed);
        }
        if failures != 0 {
            self.failures.fetch_add(failures, Relaxed);
        }
        if slow != 0 {
            self.slow.fetch_add(slow, Relaxed);
        }
    }

    /// Whether the window holds a failure or a slow call: only then can a success change the
    /// verdict (it may be the call that reaches `min_calls`).
    #[inline(always)]
    pub(crate) fn has_bad(&self) -> bool {
        self.failures.load(Relaxed) > 0 || self.slow.load(Relaxed) > 0
    }

    pub(crate) fn snapshot(&self) -> Snapshot {
        let get = |a: &AtomicI64| a.load(Relaxed).max(0) as u64;
        Snapshot { calls: get(&self.filled), failures: get(&self.failures), slow: get(&self.slow) }
    }

    /// Empties the window (on closing): every slot back to empty, through the sums.
    pub(crate) fn clear(&self) {
        for slot in self.slots.iter() {
            if slot.load(Relaxed) != EMPTY {
                self.moved(slot.swap(EMPTY, Relaxed), EMPTY);
            }
        }
    }
}

fn decode(b: u8) -> Option<Outcome> {
    match b {
        1 => Some(Outcome::Success),
        2 => Some(Outcome::Failure),
        3 => Some(Outcome::SlowSuccess),
        4 => Some(Outcome::SlowFailure),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_n_calls_count() {
        let w = CountWindow::new(4);
        let seq = [Outcome::Failure, Outcome::Success, Outcome::SlowFailure, Outcome::Success];
        for (i, o) in seq.into_iter().enumerate() {
            w.record(i as u64, o);
        }
        assert_eq!(w.snapshot(), Snapshot { calls: 4, failures: 2, slow: 1 });
        // Two more successes push out the failure and the success after it.
        w.record(4, Outcome::Success);
        w.record(5, Outcome::Success);
        assert_eq!(w.snapshot(), Snapshot { calls: 4, failures: 1, slow: 1 });
        w.clear();
        assert_eq!(w.snapshot(), Snapshot::default());
        assert!(!w.has_bad());
    }

    #[test]
    fn sums_match_the_ring_after_concurrent_writers() {
        let w = std::sync::Arc::new(CountWindow::new(64));
        let next = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let (w, next) = (w.clone(), next.clone());
                std::thread::spawn(move || {
                    for i in 0..20_000u64 {
                        let o = Outcome::new((i + t) % 3 == 0, (i + t) % 5 == 0);
                        w.record(next.fetch_add(1, Relaxed), o);
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        let mut expect = Snapshot::default();
        for s in w.slots.iter() {
            let o = decode(s.load(Relaxed)).unwrap();
            expect.calls += 1;
            expect.failures += u64::from(o.is_failure());
            expect.slow += u64::from(o.is_slow());
        }
        assert_eq!(w.snapshot(), expect);
    }
}
