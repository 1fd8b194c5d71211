//! A per-fn retry budget: a lock-free token bucket.
//!
//! Every first attempt deposits `ratio` of a token, every retry takes one, and a floor of
//! [`FLOOR_PER_SEC`] tokens a second trickles in so that a rarely called fn can still retry.
//! The bucket holds at most [`CAP`] tokens, so a long healthy spell cannot bank retries for a
//! storm: once a dependency is down, retries add at most `ratio` on top of first attempts
//! (plus the floor), and callers fail fast instead of multiplying its load (Finagle's
//! `RetryBudget`, gRPC's retry throttling).
//!
//! In steady health the bucket is full, and a deposit is one relaxed load of a line nobody
//! writes: no cache-line ping-pong between the cores calling the fn.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

/// Tokens are counted in thousandths, so a ratio of 0.2 deposits exactly 200.
const MILLI: u64 = 1_000;
/// Most retries the bucket can hold.
pub(crate) const CAP: u64 = 10;
/// Retries a second allowed even with no first attempts to earn them.
pub(crate) const FLOOR_PER_SEC: u64 = 10;

static EPOCH: LazyLock<Instant> = LazyLock::new(Instant::now);

#[derive(Debug)]
pub struct Budget {
    /// Thousandths of a token; starts full.
    tokens: AtomicU64,
    /// Nanoseconds after [`EPOCH`] of the last floor refill; 0 before the first withdrawal.
    refilled_at: AtomicU64,
}

impl Budget {
    pub const fn new() -> Self {
        Self { tokens: AtomicU64::new(CAP * MILLI), refilled_at: AtomicU64::new(0) }
    }

    /// One first attempt: adds `ratio_milli` thousandths of a token, up to the cap.
    #[inline(always)]
    pub(crate) fn deposit(&self, ratio_milli: u64) {
        if self.tokens.load(Relaxed) < CAP * MILLI {
            self.add(ratio_milli);
        }
    }

    fn add(&self, milli: u64) {
        let _ = self.tokens.fetch_update(Relaxed, Relaxed, |t| {
            (t < CAP * MILLI).then(|| (t + milli).min(CAP * MILLI))
        });
    }

    /// Takes one token for a retry; `false` means the retry is refused.
    pub(crate) fn withdraw(&self) -> bool {
        self.refill_floor();
        self.tokens.fetch_update(Relaxed, Relaxed, |t| t.checked_sub(MILLI)).is_ok()
    }

    fn refill_floor(&self) {
        let now = (EPOCH.elapsed().as_nanos() as u64).max(1);
        let last = self.refilled_at.load(Relaxed);
        if last == 0 {
            let _ = self.refilled_at.compare_exchange(0, now, Relaxed, Relaxed);
            return;
        }
        let earned = (now.saturating_sub(last)) * FLOOR_PER_SEC * MILLI / 1_000_000_000;
        // Only the thread that moves the clock forward adds what the interval earned.
        if earned > 0 && self.refilled_at.compare_exchange(last, now, Relaxed, Relaxed).is_ok() {
            self.add(earned);
        }
    }

    #[cfg(test)]
    fn tokens(&self) -> u64 {
        self.tokens.load(Relaxed)
    }
}

impl Default for Budget {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_full_and_refuses_when_empty() {
        let b = Budget::new();
        for _ in 0..CAP {
            assert!(b.withdraw());
        }
        assert!(!b.withdraw());
    }

    /// Thousandths of a token the floor earns over `elapsed` (rounded up).
    fn floor_earned(elapsed: std::time::Duration) -> u64 {
        (elapsed.as_nanos() as u64 * FLOOR_PER_SEC * MILLI).div_ceil(1_000_000_000)
    }

    #[test]
    fn first_attempts_earn_their_ratio() {
        let b = Budget::new();
        let started = Instant::now();
        while b.withdraw() {}
        // 0.2 per first attempt: 5 first attempts earn one retry, plus the floor's trickle
        // over the time this took (a few thousandths, unless the machine stalled it).
        for _ in 0..5 {
            b.deposit(200);
        }
        assert!(b.withdraw());
        let left = b.tokens();
        assert!(left < MILLI + floor_earned(started.elapsed()), "{left}");
    }

    #[test]
    fn deposits_stop_at_the_cap() {
        let b = Budget::new();
        for _ in 0..1_000 {
            b.deposit(500);
        }
        assert_eq!(b.tokens(), CAP * MILLI);
    }

    #[test]
    fn the_floor_refills_over_time() {
        let b = Budget::new();
        while b.withdraw() {}
        std::thread::sleep(std::time::Duration::from_millis(120));
        // 10 a second: at least one token after 100ms.
        assert!(b.withdraw());
    }

    #[test]
    fn concurrent_withdrawals_never_overdraw() {
        let b = Budget::new();
        let started = Instant::now();
        let granted = std::sync::atomic::AtomicU64::new(0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..100 {
                        if b.withdraw() {
                            granted.fetch_add(1, Relaxed);
                        }
                    }
                });
            }
        });
        // The cap, plus what the floor earned while this ran.
        let earned = floor_earned(started.elapsed()).div_ceil(MILLI);
        let granted = granted.into_inner();
        assert!((CAP..=CAP + earned).contains(&granted), "{granted}, {earned} earned");
    }
}
