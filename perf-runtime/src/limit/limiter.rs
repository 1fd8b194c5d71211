//! The limiter: one GCRA cell, a bounded map of per-key cells, a clock, and the stats of its
//! name when it has one.

use std::hash::Hash;
use std::sync::OnceLock;
use std::time::Duration;

use super::clock::{Clock, MonotonicClock};
use super::gcra::{Cell, NotBefore};
use super::keyed::{DEFAULT_MAX_KEYS, Decided, Keyed, key_hash};
use super::stats::{self, LimitStats, Meta};
use super::{Quota, Rejected};

/// A GCRA rate limiter: [`check`](Self::check) for one limit, [`check_key`](Self::check_key)
/// for one limit per key, [`until_ready`](Self::until_ready) to wait for a slot.
///
/// ```
/// use perf_runtime::limit::{Quota, RateLimiter};
///
/// let limiter = RateLimiter::new(Quota::per_second(100).burst(2)).named("doc.api");
/// assert!(limiter.check().is_ok());
/// assert!(limiter.check().is_ok());
/// let refused = limiter.check().unwrap_err();
/// assert!(refused.retry_after <= std::time::Duration::from_millis(10));
///
/// // One bucket per key, the same quota for each.
/// assert!(limiter.check_key("alice").is_ok());
/// assert!(limiter.check_key("bob").is_ok());
///
/// let r = perf_runtime::Report::collect();
/// let l = r.limit("doc.api").unwrap();
/// assert_eq!((l.admitted, l.rejected, l.live_keys), (4, 1, 2));
/// ```
pub struct RateLimiter<C: Clock = MonotonicClock> {
    quota: Quota,
    cell: Cell,
    keys: OnceLock<Keyed>,
    max_keys: usize,
    clock: C,
    stats: Option<&'static LimitStats>,
    #[cfg(feature = "redis")]
    pub(crate) redis: Option<super::redis::RedisLimit>,
}

impl<C: Clock> std::fmt::Debug for RateLimiter<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("quota", &self.quota)
            .field("name", &self.stats.map(|s| &*s.name))
            .finish_non_exhaustive()
    }
}

impl RateLimiter {
    /// A limiter of `quota` on the monotonic clock, in no report until [`named`](Self::named).
    pub fn new(quota: Quota) -> Self {
        Self::with_clock(quota, MonotonicClock)
    }
}

impl<C: Clock> RateLimiter<C> {
    /// A limiter that reads `clock` (a [`ManualClock`](super::ManualClock) in tests).
    pub fn with_clock(quota: Quota, clock: C) -> Self {
        Self {
            quota,
            cell: Cell::new(),
            keys: OnceLock::new(),
            max_keys: DEFAULT_MAX_KEYS,
            clock,
            stats: None,
            #[cfg(feature = "redis")]
            redis: None,
        }
    }

    /// Reports this limiter's decisions under `name` (limiters of one name add up).
    pub fn named(mut self, name: &str) -> Self {
        crate::export::first_use();
        let meta = Meta {
            file: "",
            line: 0,
            quota: Some(self.quota),
            keyed: false,
            max_keys: self.max_keys,
            scope: "local",
        };
        self.stats = Some(stats::stats_for(name, meta));
        self
    }

    /// At most `max_keys` keys keep a bucket of their own (default 100,000): see
    /// [`check_key`](Self::check_key).
    pub fn max_keys(mut self, max_keys: usize) -> Self {
        self.max_keys = max_keys.max(1);
        self
    }

    pub(crate) fn set_stats(&mut self, stats: &'static LimitStats) {
        self.stats = Some(stats);
    }

    /// The quota given at construction.
    pub fn quota(&self) -> Quota {
        self.quota
    }

    /// Admits one call now, or says how long until one would be admitted.
    #[inline]
    pub fn check(&self) -> Result<(), Rejected> {
        self.check_with(self.quota)
    }

    /// [`check`](Self::check) under another quota for this one call (a plan's or tenant's).
    #[inline]
    pub fn check_with(&self, quota: Quota) -> Result<(), Rejected> {
        self.take(None, quota, 0).map(drop)
    }

    /// Admits one call for `key`, each key with a bucket of its own. Keys whose bucket is full
    /// again are dropped when `max_keys` is reached, so memory follows the keys in use, not
    /// every key ever seen; while more than `max_keys` keys are really in use, the new ones
    /// share one bucket.
    #[inline]
    pub fn check_key<K: Hash + ?Sized>(&self, key: &K) -> Result<(), Rejected> {
        self.check_key_with(key, self.quota)
    }

    /// [`check_key`](Self::check_key) under another quota for this one call.
    #[inline]
    pub fn check_key_with<K: Hash + ?Sized>(&self, key: &K, quota: Quota) -> Result<(), Rejected> {
        self.take(Some(key_hash(key)), quota, 0).map(drop)
    }

    /// Blocks the thread until a slot is free, or refuses at once if the slot is further than
    /// `max_wait` ahead. Returns how long it slept.
    pub fn wait(&self, max_wait: Duration) -> Result<Duration, Rejected> {
        let wait = self.take(None, self.quota, nanos(max_wait))?;
        std::thread::sleep(wait);
        Ok(wait)
    }

    /// Waits on tokio's timer (no thread blocked) until this call's slot comes. Slots are
    /// taken in the order calls arrive: each waiter sleeps once, for exactly its turn.
    #[cfg(feature = "tokio")]
    pub async fn until_ready(&self) {
        let wait = self.take(None, self.quota, u64::MAX).unwrap_or_default();
        sleep_async(wait).await;
    }

    /// [`until_ready`](Self::until_ready) for `key`'s bucket.
    #[cfg(feature = "tokio")]
    pub async fn until_key_ready<K: Hash + ?Sized>(&self, key: &K) {
        let wait = self.take(Some(key_hash(key)), self.quota, u64::MAX).unwrap_or_default();
        sleep_async(wait).await;
    }

    /// Keys with a bucket of their own now.
    pub fn live_keys(&self) -> usize {
        self.keys.get().map_or(0, Keyed::live)
    }

    /// The one decision every form goes through: takes a slot at most `max_wait_ns` ahead and
    /// says how long to sleep for it, counting the decision.
    #[inline(always)]
    pub(crate) fn take(
        &self,
        key: Option<u64>,
        quota: Quota,
        max_wait_ns: u64,
    ) -> Result<Duration, Rejected> {
        let now = self.clock.now_ns();
        let decided = match key {
            None => self.cell.reserve(now, quota, max_wait_ns),
            Some(hash) => self.keyed_take(hash, now, quota, max_wait_ns),
        };
        self.count(decided)
    }

    #[inline(always)]
    fn keyed_take(
        &self,
        hash: u64,
        now: u64,
        quota: Quota,
        max_wait_ns: u64,
    ) -> Result<u64, NotBefore> {
        let keys = self.keys.get_or_init(|| Keyed::new(self.max_keys));
        match keys.with(hash, now, quota, self.stats, |cell| cell.reserve(now, quota, max_wait_ns))
        {
            Decided::Own(r) => r,
            Decided::Overflow(r) => {
                if let Some(stats) = self.stats {
                    stats.record(|s| s.key_overflows.add(1));
                }
                r
            }
        }
    }

    #[cfg(feature = "redis")]
    pub(crate) fn stats(&self) -> Option<&'static LimitStats> {
        self.stats
    }

    #[inline(always)]
    pub(crate) fn count(&self, decided: Result<u64, NotBefore>) -> Result<Duration, Rejected> {
        match decided {
            Ok(0) => {
                if let Some(stats) = self.stats {
                    stats.record(|s| s.admitted.add(1));
                }
                Ok(Duration::ZERO)
            }
            Ok(wait_ns) => {
                if let Some(stats) = self.stats {
                    stats.record_wait(wait_ns);
                }
                Ok(Duration::from_nanos(wait_ns))
            }
            Err(NotBefore { wait_ns }) => {
                if let Some(stats) = self.stats {
                    stats.record(|s| s.rejected.add(1));
                }
                Err(Rejected { retry_after: Duration::from_nanos(wait_ns) })
            }
        }
    }
}

impl<C: Clock> Drop for RateLimiter<C> {
    fn drop(&mut self) {
        // The gauge counts every limiter of the name: take this one's keys off it.
        if let (Some(stats), Some(keys)) = (self.stats, self.keys.get()) {
            stats.live_keys.fetch_sub(keys.live() as i64, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

pub(crate) fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Sleeps on tokio's timer, or blocks the thread when no tokio runtime runs this task (a
/// waiter must not panic the caller's call).
#[cfg(feature = "tokio")]
pub(crate) async fn sleep_async(wait: Duration) {
    if wait.is_zero() {
        return;
    }
    if tokio::runtime::Handle::try_current().is_ok() {
        tokio::time::sleep(wait).await;
    } else {
        std::thread::sleep(wait);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limit::ManualClock;

    #[test]
    fn keys_whose_bucket_is_full_again_make_room_and_busy_ones_overflow_into_one_bucket() {
        let clock = ManualClock::new();
        let limiter = RateLimiter::with_clock(Quota::per_second(10), clock.clone()).max_keys(4);
        for k in 0..4 {
            assert!(limiter.check_key(&k).is_ok());
        }
        assert_eq!(limiter.live_keys(), 4);
        // Four keys, all busy for another 100 ms: key 4 has no room, and takes the overflow
        // bucket, which key 5 then finds empty.
        assert!(limiter.check_key(&4).is_ok());
        assert!(limiter.check_key(&5).is_err());
        assert_eq!(limiter.live_keys(), 4);
        // Once they are full again, a sweep drops them all.
        clock.advance(Duration::from_millis(100));
        assert!(limiter.check_key(&6).is_ok());
        assert_eq!(limiter.live_keys(), 1);
        // The kept keys still decide by their own bucket.
        assert!(limiter.check_key(&6).is_err());
        assert!(limiter.check_key(&0).is_ok());
    }

    #[test]
    fn a_million_keys_leave_at_most_max_keys_live() {
        let clock = ManualClock::new();
        let limiter =
            RateLimiter::with_clock(Quota::per_second(1000), clock.clone()).max_keys(1000);
        let mut admitted = 0;
        for k in 0..1_000_000u64 {
            if k % 100 == 0 {
                clock.advance(Duration::from_micros(100));
            }
            admitted += usize::from(limiter.check_key(&k).is_ok());
            assert!(limiter.live_keys() <= 1000);
        }
        // 100 new keys per 100 µs and each bucket full again 1 ms after its call: 1,000 keys
        // are live at a time, so every key had its own bucket.
        assert_eq!(admitted, 1_000_000);
    }
}
