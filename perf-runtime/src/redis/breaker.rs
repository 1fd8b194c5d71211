//! A circuit breaker in two atomics: after `threshold` consecutive failures Redis is skipped for
//! `cooldown`, so a dead Redis costs a clock read per call instead of a timeout. When the
//! cool-down ends, one caller probes; its success closes the breaker, its failure reopens it.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

static EPOCH: LazyLock<Instant> = LazyLock::new(Instant::now);

fn now_ns() -> u64 {
    EPOCH.elapsed().as_nanos() as u64
}

#[derive(Debug)]
pub(crate) struct Breaker {
    threshold: u32,
    cooldown_ns: u64,
    failures: AtomicU32,
    /// While in the future, calls skip Redis. 0 when closed.
    open_until: AtomicU64,
    opened: AtomicU64,
}

impl Breaker {
    pub(crate) fn new(threshold: u32, cooldown: Duration) -> Self {
        Self {
            threshold: threshold.max(1),
            cooldown_ns: cooldown.as_nanos() as u64,
            failures: AtomicU32::new(0),
            open_until: AtomicU64::new(0),
            opened: AtomicU64::new(0),
        }
    }

    /// Whether this call may use Redis.
    pub(crate) fn allow(&self) -> bool {
        let until = self.open_until.load(Relaxed);
        if until == 0 {
            return true;
        }
        let now = now_ns();
        // Past the cool-down: the one caller that moves the deadline on probes, the rest skip.
        now >= until
            && self
                .open_until
                .compare_exchange(until, now + self.cooldown_ns, Relaxed, Relaxed)
                .is_ok()
    }

    /// Whether calls skip Redis right now (open, cool-down not over). Unlike [`allow`](Self::allow), it
    /// never takes the probe, so callers can bail out before any work.
    pub(crate) fn skipping(&self) -> bool {
        let until = self.open_until.load(Relaxed);
        until != 0 && now_ns() < until
    }

    pub(crate) fn success(&self) {
        if self.failures.load(Relaxed) != 0 {
            self.failures.store(0, Relaxed);
        }
        if self.open_until.load(Relaxed) != 0 {
            self.open_until.store(0, Relaxed);
        }
    }

    pub(crate) fn failure(&self) {
        let failures = self.failures.fetch_add(1, Relaxed) + 1;
        if failures >= self.threshold {
            let was = self.open_until.swap(now_ns() + self.cooldown_ns, Relaxed);
            if was == 0 {
                self.opened.fetch_add(1, Relaxed);
            }
        }
    }

    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn is_open(&self) -> bool {
        self.open_until.load(Relaxed) != 0
    }

    /// How many times the breaker went from closed to open (since the last
    /// [`reset_count`](Self::reset_count)).
    pub(crate) fn times_opened(&self) -> u64 {
        self.opened.load(Relaxed)
    }

    /// Zeroes [`times_opened`](Self::times_opened), for [`crate::reset`]; the state is kept.
    pub(crate) fn reset_count(&self) {
        self.opened.store(0, Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The breaker's life, judged by the time measured around each step: `None` when the machine
    /// stalled a step past the cool-down, where the breaker rightly behaves otherwise.
    fn life(cooldown: Duration) -> Option<()> {
        let b = Breaker::new(3, cooldown);
        assert!(b.allow());
        b.failure();
        b.failure();
        assert!(b.allow() && !b.is_open());
        let opening = Instant::now();
        b.failure();
        assert!(b.is_open());
        assert_eq!(b.times_opened(), 1);
        let allowed = b.allow();
        (opening.elapsed() < cooldown).then_some(())?;
        assert!(!allowed, "no call during the cool-down");
        // Sleeps never end early: past the cool-down however slow the machine.
        std::thread::sleep(cooldown);
        let probing = Instant::now();
        assert!(b.allow(), "one probe after the cool-down");
        let again = b.allow();
        (probing.elapsed() < cooldown).then_some(())?;
        assert!(!again, "only one");
        let failing = Instant::now();
        b.failure();
        let allowed = b.allow();
        (failing.elapsed() < cooldown).then_some(())?;
        assert!(!allowed);
        assert_eq!(b.times_opened(), 1, "a failed probe keeps it open, it does not reopen");
        std::thread::sleep(cooldown);
        assert!(b.allow());
        b.success();
        assert!(!b.is_open() && b.allow() && b.allow());
        b.reset_count();
        assert_eq!(b.times_opened(), 0);
        Some(())
    }

    #[test]
    fn opens_after_threshold_and_probes_after_cooldown() {
        let judged = (0..100).find_map(|_| life(Duration::from_millis(30)));
        assert!(judged.is_some(), "the machine stalled each of 100 runs past the cool-down");
    }
}
