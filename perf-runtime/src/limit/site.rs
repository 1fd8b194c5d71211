//! One `static` per `#[rate_limit]` fn: its policy, and the limiter of its name bound on first
//! use (fns with the same `name` share one limiter).

use std::sync::{Mutex, OnceLock};

use super::limiter::RateLimiter;
use super::stats::{self, Meta};
use super::{Quota, Rejected};
use crate::record::lock;
pub use crate::record::site_name::SelfName;
use crate::record::site_name::site_name;

/// What a refused call falls back to when Redis cannot answer in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// The same quota, enforced in this process alone.
    Local,
    /// Admit the call.
    Allow,
    /// Refuse the call.
    Deny,
}

/// The attribute's arguments, checked and converted at compile time.
#[derive(Debug, Clone, Copy)]
pub struct LimitPolicy {
    /// The quota of `rate` and `burst`; `None` when only `quota = expr` gives it.
    pub quota: Option<Quota>,
    /// 0: refuse at once (`on_limit = "reject"`); `u64::MAX`: wait as long as it takes.
    pub max_wait_ns: u64,
    /// Whether the fn has `key = expr`.
    pub keyed: bool,
    /// Bound on live keys.
    pub max_keys: usize,
    /// `scope = "redis"`.
    pub redis: bool,
    /// With `redis`: what to do when Redis cannot answer.
    pub fallback: Fallback,
}

/// A `#[rate_limit]` fn's call site, in a `static` inside the fn body.
#[derive(Debug)]
pub struct LimitSite {
    module: &'static str,
    func: &'static str,
    custom_name: Option<&'static str>,
    file: &'static str,
    line: u32,
    policy: &'static LimitPolicy,
    limiter: OnceLock<&'static RateLimiter>,
}

/// Every limiter a site made, by name, so that fns of one `name` share it.
static LIMITERS: Mutex<Vec<(Box<str>, &'static RateLimiter)>> = Mutex::new(Vec::new());

impl LimitSite {
    /// Built at compile time; bound to its limiter on the first call.
    pub const fn new(
        module: &'static str,
        func: &'static str,
        custom_name: Option<&'static str>,
        file: &'static str,
        line: u32,
        policy: &'static LimitPolicy,
    ) -> Self {
        Self { module, func, custom_name, file, line, policy, limiter: OnceLock::new() }
    }

    #[inline(always)]
    fn limiter(&'static self, self_name: SelfName) -> &'static RateLimiter {
        match self.limiter.get() {
            Some(limiter) => limiter,
            None => self.register(self_name),
        }
    }

    #[cold]
    #[inline(never)]
    fn register(&'static self, self_name: SelfName) -> &'static RateLimiter {
        crate::export::first_use();
        let name = site_name(self.custom_name, self.module, self.func, self_name);
        let mut all = lock(&LIMITERS);
        let limiter = match all.iter().find(|(n, _)| **n == *name) {
            Some((_, limiter)) => *limiter,
            None => {
                let p = self.policy;
                let meta = Meta {
                    file: self.file,
                    line: self.line,
                    quota: p.quota,
                    keyed: p.keyed,
                    max_keys: p.max_keys,
                    scope: if p.redis { "redis" } else { "local" },
                };
                // With `quota = expr` alone, every call brings its quota; this one is unused.
                let quota = p.quota.unwrap_or(Quota::per_second(1));
                let mut limiter = RateLimiter::new(quota).max_keys(p.max_keys);
                limiter.set_stats(stats::stats_for(&name, meta));
                #[cfg(feature = "redis")]
                if p.redis {
                    limiter.redis = Some(super::redis::RedisLimit::new(&name, p.fallback));
                }
                let limiter: &'static RateLimiter = Box::leak(Box::new(limiter));
                all.push((name.into(), limiter));
                limiter
            }
        };
        drop(all);
        self.limiter.get_or_init(|| limiter)
    }

    /// `on_limit = "reject"`: admits the call or refuses it at once. A refusal is marked so
    /// that an outer `#[retry]` does not retry it.
    #[inline(always)]
    pub fn admit(
        &'static self,
        self_name: SelfName,
        key: Option<u64>,
        quota: Option<Quota>,
    ) -> Result<(), Rejected> {
        let limiter = self.limiter(self_name);
        let quota = quota.unwrap_or(limiter.quota());
        #[cfg(feature = "redis")]
        if self.policy.redis {
            return marked(limiter.redis_take_blocking(key, quota, 0).map(drop));
        }
        marked(limiter.take(key, quota, 0).map(drop))
    }

    /// `on_limit = "wait"` on a sync fn: the thread sleeps until the call's slot, or the call
    /// is refused at once when the slot is further than `max_wait` ahead.
    pub fn admit_blocking(
        &'static self,
        self_name: SelfName,
        key: Option<u64>,
        quota: Option<Quota>,
    ) -> Result<(), Rejected> {
        let limiter = self.limiter(self_name);
        let quota = quota.unwrap_or(limiter.quota());
        #[cfg(feature = "redis")]
        if self.policy.redis {
            return marked(limiter.redis_wait_blocking(key, quota, self.policy.max_wait_ns));
        }
        let wait = marked(limiter.take(key, quota, self.policy.max_wait_ns))?;
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
        Ok(())
    }

    /// `on_limit = "wait"` without `max_wait` on a fn that does not return `Result`.
    pub fn admit_blocking_forever(
        &'static self,
        self_name: SelfName,
        key: Option<u64>,
        quota: Option<Quota>,
    ) {
        let _ = self.admit_blocking(self_name, key, quota);
        crate::rejection::take();
    }

    /// An `async fn`'s admission: waits on tokio's timer with `on_limit = "wait"`; with
    /// `scope = "redis"`, asks Redis without blocking the executor.
    #[cfg(feature = "tokio")]
    pub async fn admit_async(
        &'static self,
        self_name: SelfName,
        key: Option<u64>,
        quota: Option<Quota>,
    ) -> Result<(), Rejected> {
        let limiter = self.limiter(self_name);
        let quota = quota.unwrap_or(limiter.quota());
        #[cfg(feature = "redis")]
        if self.policy.redis {
            let decided = limiter.redis_wait(key, quota, self.policy.max_wait_ns).await;
            return marked(decided);
        }
        let wait = marked(limiter.take(key, quota, self.policy.max_wait_ns))?;
        super::limiter::sleep_async(wait).await;
        Ok(())
    }

    /// [`admit_async`](Self::admit_async) for a fn that does not return `Result`.
    #[cfg(feature = "tokio")]
    pub async fn admit_async_forever(
        &'static self,
        self_name: SelfName,
        key: Option<u64>,
        quota: Option<Quota>,
    ) {
        let _ = self.admit_async(self_name, key, quota).await;
        crate::rejection::take();
    }
}

#[inline(always)]
fn marked<T>(decided: Result<T, Rejected>) -> Result<T, Rejected> {
    if decided.is_err() {
        crate::rejection::mark();
    }
    decided
}

#[cfg(test)]
mod tests {
    use super::*;

    static POLICY: LimitPolicy = LimitPolicy {
        quota: Some(Quota::per_hour(1)),
        max_wait_ns: 0,
        keyed: false,
        max_keys: 10,
        redis: false,
        fallback: Fallback::Local,
    };
    static SITE: LimitSite = LimitSite::new("m", "marks", Some("site.marks"), "f.rs", 1, &POLICY);

    #[test]
    fn a_refusal_is_marked_for_retry_and_an_admission_is_not() {
        crate::rejection::take();
        assert!(SITE.admit(None, None, None).is_ok());
        assert!(!crate::rejection::take());
        assert!(SITE.admit(None, None, None).is_err());
        assert!(crate::rejection::take());
    }
}
