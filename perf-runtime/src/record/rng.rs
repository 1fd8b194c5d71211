//! A per-thread wyrand generator: retry jitter and the gaps between sampled calls.
//!
//! Both need spread, not cryptographic quality, and run off the hot path; a
//! thread-local state means no lock and no shared cache line. Eight lines of wyrand do it, so
//! no crate is added for it (`fastrand` is the same algorithm).

use std::cell::Cell;
use std::hash::{BuildHasher, RandomState};

thread_local! {
    static STATE: Cell<u64> = const { Cell::new(0) };
}

fn next_u64() -> u64 {
    STATE.with(|state| {
        let mut s = state.get();
        if s == 0 {
            // `RandomState` keys come from the OS once per process, then differ per instance.
            s = RandomState::new().hash_one(std::thread::current().id()) | 1;
        }
        s = s.wrapping_add(0xa076_1d64_78bd_642f);
        state.set(s);
        let t = u128::from(s) * u128::from(s ^ 0xe703_7ed1_a0b4_28db);
        ((t >> 64) as u64) ^ (t as u64)
    })
}

/// A uniform value in `lo..=hi` (`lo` when the range is empty).
pub(crate) fn between(lo: u64, hi: u64) -> u64 {
    if hi <= lo {
        return lo;
    }
    match (hi - lo).checked_add(1) {
        // Lemire's multiply-shift: the bias is below 2^-64 per value for our ranges.
        Some(span) => lo + ((u128::from(next_u64()) * u128::from(span)) >> 64) as u64,
        None => next_u64(),
    }
}

#[cfg(test)]
mod tests {
    use super::between;

    #[test]
    fn stays_in_range_and_covers_it() {
        let mut seen = [false; 11];
        for _ in 0..10_000 {
            let v = between(10, 20);
            assert!((10..=20).contains(&v));
            seen[(v - 10) as usize] = true;
        }
        assert!(seen.iter().all(|s| *s));
        assert_eq!(between(7, 7), 7);
        assert_eq!(between(9, 3), 9);
        let _ = between(0, u64::MAX);
    }
}
