//! Which `Err` a protective layer made itself. `#[circuit_breaker]` (open), `#[bulkhead]`
//! (full), `#[timeout]` (elapsed) and `#[rate_limit]` (rejected) refuse a call by returning
//! `Err(E::from(their error))`; once converted into the user's `E`, nothing tells it from the
//! fn's own errors. `#[retry]` must not retry such a refusal (it would hammer an open breaker
//! or a full bulkhead), so the layer that refuses marks it here, on the thread that returns the
//! `Err`, and the retry loop reads the mark as soon as the attempt returns.
//!
//! The mark is sound because a refusal is returned in the same poll (or the same sync call)
//! that made it: nothing else runs on the thread between the layer's `return Err` and the
//! retry loop's read, except the user's code on the path out, which cannot poll a foreign task.
//! The retry loop clears the mark before each attempt, so an earlier refusal the fn handled
//! itself is not taken for this attempt's.

use std::cell::Cell;

thread_local! {
    static REFUSED: Cell<bool> = const { Cell::new(false) };
}

/// Called by a layer right before it returns its refusal as the call's `Err`.
#[inline]
#[allow(dead_code)] // used by the protective layers
pub(crate) fn mark() {
    REFUSED.with(|r| r.set(true));
}

/// Clears the mark (before an attempt) and says whether it was set (after one).
#[inline]
#[allow(dead_code)] // used by the retry loop
pub(crate) fn take() -> bool {
    REFUSED.with(|r| r.replace(false))
}

#[cfg(test)]
mod tests {
    #[test]
    fn marks_are_taken_once_per_thread() {
        assert!(!super::take());
        super::mark();
        std::thread::spawn(|| assert!(!super::take())).join().unwrap();
        assert!(super::take());
        assert!(!super::take());
    }
}
