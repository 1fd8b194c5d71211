//! The half-open state's trial calls, in one atomic word so that "exactly `half_open_calls`
//! pass" holds under any concurrency: `generation:24 | slow:10 | failures:10 | done:10 |
//! issued:10`. Every update is a compare-and-swap that also checks the generation, so a trial
//! of an earlier half-open spell can never count in this one.

use std::sync::atomic::{AtomicU64, Ordering::AcqRel, Ordering::Acquire};

const FIELD: u64 = (1 << 10) - 1;
const ISSUED: u32 = 0;
const DONE: u32 = 10;
const FAILURES: u32 = 20;
const SLOW: u32 = 30;
const GEN: u32 = 40;

/// What the last trial to finish learns: every trial is in.
pub(crate) struct Verdict {
    pub(crate) done: u64,
    pub(crate) failures: u64,
    pub(crate) slow: u64,
}

pub(crate) struct Trials(AtomicU64);

fn field(word: u64, at: u32) -> u64 {
    word >> at & FIELD
}

fn gen_bits(generation: u64) -> u64 {
    (generation & ((1 << 24) - 1)) << GEN
}

impl Trials {
    pub(crate) fn new() -> Self {
        Self(AtomicU64::new(0))
    }

    /// A new half-open spell of `generation`, no trial issued.
    pub(crate) fn start(&self, generation: u64) {
        self.0.store(gen_bits(generation), std::sync::atomic::Ordering::Release);
    }

    fn update(&self, generation: u64, f: impl Fn(u64) -> Option<u64>) -> Option<(u64, u64)> {
        let mut word = self.0.load(Acquire);
        loop {
            if word & !((1 << GEN) - 1) != gen_bits(generation) {
                return None;
            }
            let new = f(word)?;
            match self.0.compare_exchange_weak(word, new, AcqRel, Acquire) {
                Ok(_) => return Some((word, new)),
                Err(now) => word = now,
            }
        }
    }

    /// Takes one of `limit` trial slots; false when all are taken.
    pub(crate) fn issue(&self, generation: u64, limit: u32) -> bool {
        self.update(generation, |w| {
            (field(w, ISSUED) < u64::from(limit)).then(|| w + (1 << ISSUED))
        })
        .is_some()
    }

    /// Gives back the slot of a trial that was cancelled: another call may take it.
    pub(crate) fn cancel(&self, generation: u64) {
        self.update(generation, |w| (field(w, ISSUED) > 0).then(|| w - (1 << ISSUED)));
    }

    /// Counts a finished trial; the verdict once `limit` trials are done.
    pub(crate) fn finish(
        &self,
        generation: u64,
        limit: u32,
        failed: bool,
        slow: bool,
    ) -> Option<Verdict> {
        let add = (1 << DONE) + (u64::from(failed) << FAILURES) + (u64::from(slow) << SLOW);
        let (_, new) = self.update(generation, |w| Some(w + add))?;
        (field(new, DONE) == u64::from(limit)).then(|| Verdict {
            done: field(new, DONE),
            failures: field(new, FAILURES),
            slow: field(new, SLOW),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_limit_trials_under_concurrency() {
        let t = std::sync::Arc::new(Trials::new());
        t.start(7);
        let issued = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (t, issued) = (t.clone(), issued.clone());
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        if t.issue(7, 5) {
                            issued.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|h| h.join().unwrap());
        assert_eq!(issued.load(std::sync::atomic::Ordering::Relaxed), 5);
        // A trial of another generation changes nothing.
        assert!(t.finish(6, 5, true, false).is_none());
        t.cancel(7);
        assert!(t.issue(7, 5));
        for i in 0..4 {
            assert!(t.finish(7, 5, i == 0, false).is_none());
        }
        let v = t.finish(7, 5, false, true).unwrap();
        assert_eq!((v.done, v.failures, v.slow), (5, 1, 1));
    }
}
