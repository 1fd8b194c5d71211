//! A call the breaker let through, until it returns: [`Permit::finish`] records its outcome;
//! dropped without it, during a panic it counts as a failure, otherwise (a cancelled future)
//! as neither.

use std::mem::ManuallyDrop;

use super::machine::Breaker;

/// The right to make one call through a breaker, from
/// [`CircuitBreaker::try_acquire`](super::CircuitBreaker::try_acquire) or the attribute.
///
/// Report the call's outcome with [`finish`](Self::finish), [`success`](Self::success) or
/// [`failure`](Self::failure). A permit dropped while its thread panics counts as a failure;
/// dropped otherwise (a cancelled future), it counts as neither, and a half-open breaker's trial
/// slot goes to the next call.
#[must_use = "a permit records nothing until `finish`, `success` or `failure`"]
#[derive(Debug)]
pub struct Permit {
    breaker: &'static Breaker,
    generation: u64,
    trial: bool,
    start_ns: u64,
}

impl std::fmt::Debug for Breaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Breaker").field("name", &self.name).finish_non_exhaustive()
    }
}

impl Permit {
    #[inline(always)]
    pub(crate) fn new(
        breaker: &'static Breaker,
        generation: u64,
        trial: bool,
        start_ns: u64,
    ) -> Self {
        Self { breaker, generation, trial, start_ns }
    }

    /// Records the call's result: an `Err` counts as a failure when `when(&err)` says so,
    /// otherwise as a success.
    #[inline(always)]
    pub fn finish<T, E>(self, result: &Result<T, E>, when: impl FnOnce(&E) -> bool) {
        let failed = match result {
            Ok(_) => false,
            Err(e) => when(e),
        };
        self.record(failed);
    }

    /// Records a success.
    #[inline(always)]
    pub fn success(self) {
        self.record(false);
    }

    /// Records a failure.
    pub fn failure(self) {
        self.record(true);
    }

    #[inline(always)]
    fn record(self, failed: bool) {
        let p = ManuallyDrop::new(self);
        p.breaker.finish(p.generation, p.trial, p.start_ns, failed);
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.breaker.finish(self.generation, self.trial, self.start_ns, true);
        } else {
            self.breaker.cancel(self.generation, self.trial);
        }
    }
}
