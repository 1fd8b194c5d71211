//! What [`crate::reset`] saw, per stats container. Reports subtract it, so a reset never writes
//! into a shard that another thread is recording into.

use std::sync::Mutex;

use crate::record::lock;

/// Totals that a baseline can be taken away from. Counters only grow, so every part of a
/// baseline is at most the current value.
pub(crate) trait Subtract {
    fn subtract(&mut self, base: &Self);
}

/// Boxed: most containers are never reset, and their totals are hundreds of bytes.
pub(crate) struct Baseline<T>(Mutex<Option<Box<T>>>);

impl<T: Subtract> Baseline<T> {
    pub(crate) const fn new() -> Self {
        Self(Mutex::new(None))
    }

    /// `current`, less what the last reset saw.
    pub(crate) fn since(&self, mut current: T) -> T {
        if let Some(base) = lock(&self.0).as_ref() {
            current.subtract(base);
        }
        current
    }

    /// Runs `f` on what the last reset saw, if any.
    pub(crate) fn with<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
        f(lock(&self.0).as_deref())
    }

    pub(crate) fn reset(&self, current: T) {
        *lock(&self.0) = Some(Box::new(current));
    }
}
