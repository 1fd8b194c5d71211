//! `scope = "redis"`: one GCRA limit for every process on the same Redis and namespace, decided
//! by one Lua script per call on the server's clock (`TIME`), through the Redis layer the cache
//! uses (`crate::redis`: its client, timeout and circuit breaker). When Redis cannot answer in
//! time (down, slow, breaker open, not configured), the fallback decides, and is counted.
//!
//! The script runs by `EVALSHA`; its SHA comes from one `SCRIPT LOAD` on first use, and a
//! server that answers `EVALSHA` with an error (a restart forgets scripts: `NOSCRIPT`) gets the
//! script itself by `EVAL`, which loads it again.
//!
//! Times in the script are microseconds: Lua numbers are doubles, exact to 2^53, and
//! nanoseconds since the epoch are not.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use super::gcra::NotBefore;
use super::limiter::RateLimiter;
use super::site::Fallback;
use super::{Quota, Rejected};
use crate::redis::client::{Client, Outcome};

/// `KEYS[1]`: the bucket. `ARGV`: emission interval, tolerance and longest wait, in µs.
/// Returns `{admitted, wait_us}`; an admitted call with `wait_us > 0` must sleep that long.
pub(crate) const SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local T = tonumber(ARGV[1])
local tau = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - tau - now
if wait < 0 then wait = 0 end
if wait > max_wait then return {0, wait} end
local next = tat + T
redis.call('SET', KEYS[1], string.format('%.0f', next), 'PX', math.floor((next - now) / 1000) + 1)
return {1, wait}
";

/// What one limiter needs to ask Redis.
#[derive(Debug)]
pub(crate) struct RedisLimit {
    name: String,
    fallback: Fallback,
    sha: RwLock<Option<Arc<str>>>,
}

/// Redis's answer, or why there is none.
enum Asked {
    Decided(Result<u64, NotBefore>),
    Fault,
}

impl RedisLimit {
    pub(crate) fn new(name: &str, fallback: Fallback) -> Self {
        Self { name: name.to_owned(), fallback, sha: RwLock::new(None) }
    }

    fn key(&self, client: &Client, key: Option<u64>) -> String {
        let namespace = client.namespace.as_deref().unwrap_or("perf");
        match key {
            Some(hash) => format!("{namespace}:limit:{}:{hash:016x}", self.name),
            None => format!("{namespace}:limit:{}", self.name),
        }
    }

    fn sha(&self) -> Option<Arc<str>> {
        self.sha.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn set_sha(&self, sha: Option<Arc<str>>) {
        *self.sha.write().unwrap_or_else(|e| e.into_inner()) = sha;
    }
}

fn script_cmd(sha: Option<&str>, key: &str, quota: Quota, max_wait_ns: u64) -> redis::Cmd {
    let mut cmd = match sha {
        Some(sha) => {
            let mut c = redis::cmd("EVALSHA");
            c.arg(sha);
            c
        }
        None => {
            let mut c = redis::cmd("EVAL");
            c.arg(SCRIPT);
            c
        }
    };
    let us = |ns: u64| ns.div_ceil(1000);
    // An unbounded wait, as a number Lua still compares exactly.
    let max_wait_us = us(max_wait_ns).min(1 << 52);
    cmd.arg(1)
        .arg(key)
        .arg(us(quota.emission_ns()).max(1))
        .arg(us(quota.tolerance_ns()))
        .arg(max_wait_us);
    cmd
}

fn load_cmd() -> redis::Cmd {
    let mut cmd = redis::cmd("SCRIPT");
    cmd.arg("LOAD").arg(SCRIPT);
    cmd
}

fn decided((admitted, wait_us): (i64, i64)) -> Asked {
    let wait_ns = (wait_us.max(0) as u64).saturating_mul(1000);
    Asked::Decided(if admitted == 1 { Ok(wait_ns) } else { Err(NotBefore { wait_ns }) })
}

/// `EVALSHA`, after one `SCRIPT LOAD`; `EVAL` when the server forgot the script.
async fn ask(
    limit: &RedisLimit,
    client: &Client,
    key: &str,
    quota: Quota,
    max_wait_ns: u64,
) -> Asked {
    let sha = match limit.sha() {
        Some(sha) => sha,
        None => match client.query::<String>(load_cmd()).await {
            Outcome::Done(sha) => {
                let sha: Arc<str> = sha.into();
                limit.set_sha(Some(sha.clone()));
                sha
            }
            _ => return Asked::Fault,
        },
    };
    match client.query::<(i64, i64)>(script_cmd(Some(&sha), key, quota, max_wait_ns)).await {
        Outcome::Done(answer) => decided(answer),
        Outcome::Rejected => match client.query(script_cmd(None, key, quota, max_wait_ns)).await {
            Outcome::Done(answer) => decided(answer),
            _ => Asked::Fault,
        },
        _ => Asked::Fault,
    }
}

fn ask_blocking(
    limit: &RedisLimit,
    client: &Client,
    key: &str,
    quota: Quota,
    max_wait_ns: u64,
) -> Asked {
    let sha = match limit.sha() {
        Some(sha) => sha,
        None => match client.query_blocking::<String>(load_cmd()) {
            Outcome::Done(sha) => {
                let sha: Arc<str> = sha.into();
                limit.set_sha(Some(sha.clone()));
                sha
            }
            _ => return Asked::Fault,
        },
    };
    match client.query_blocking::<(i64, i64)>(script_cmd(Some(&sha), key, quota, max_wait_ns)) {
        Outcome::Done(answer) => decided(answer),
        Outcome::Rejected => match client.query_blocking(script_cmd(None, key, quota, max_wait_ns))
        {
            Outcome::Done(answer) => decided(answer),
            _ => Asked::Fault,
        },
        _ => Asked::Fault,
    }
}

impl<C: super::Clock> RateLimiter<C> {
    /// Shares this limiter's quota with every process on the Redis that
    /// [`cache::redis::configure`](crate::cache::redis::configure) (or env `PERF_REDIS_URL`)
    /// points at, under `name` in its namespace; `fallback` decides while Redis cannot
    /// answer within its timeout. Decide with [`check_shared`](Self::check_shared) and
    /// [`check_shared_blocking`](Self::check_shared_blocking).
    pub fn redis(mut self, name: &str, fallback: Fallback) -> Self {
        self.redis = Some(RedisLimit::new(name, fallback));
        self
    }

    /// One shared decision through Redis (see [`redis`](Self::redis)); without Redis
    /// configured, the fallback's.
    pub async fn check_shared(&self) -> Result<(), Rejected> {
        self.redis_wait(None, self.quota(), 0).await
    }

    /// [`check_shared`](Self::check_shared) for `key`'s shared bucket.
    pub async fn check_key_shared<K: std::hash::Hash + ?Sized>(
        &self,
        key: &K,
    ) -> Result<(), Rejected> {
        self.redis_wait(Some(super::key_hash(key)), self.quota(), 0).await
    }

    /// [`check_shared`](Self::check_shared) for sync code: blocks for at most the Redis
    /// timeout.
    pub fn check_shared_blocking(&self) -> Result<(), Rejected> {
        self.redis_take_blocking(None, self.quota(), 0).map(drop)
    }

    /// Decides through Redis (sleeping nothing); the wait to sleep, or the refusal.
    pub(crate) fn redis_take_blocking(
        &self,
        key: Option<u64>,
        quota: Quota,
        max_wait_ns: u64,
    ) -> Result<Duration, Rejected> {
        let Some(limit) = &self.redis else {
            return self.take(key, quota, max_wait_ns);
        };
        let asked = match crate::redis::client() {
            Some(client) => {
                ask_blocking(limit, &client, &limit.key(&client, key), quota, max_wait_ns)
            }
            None => Asked::Fault,
        };
        self.settle(limit, asked, key, quota, max_wait_ns)
    }

    pub(crate) fn redis_wait_blocking(
        &self,
        key: Option<u64>,
        quota: Quota,
        max_wait_ns: u64,
    ) -> Result<(), Rejected> {
        let wait = self.redis_take_blocking(key, quota, max_wait_ns)?;
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
        Ok(())
    }

    pub(crate) async fn redis_wait(
        &self,
        key: Option<u64>,
        quota: Quota,
        max_wait_ns: u64,
    ) -> Result<(), Rejected> {
        let Some(limit) = &self.redis else {
            let wait = self.take(key, quota, max_wait_ns)?;
            super::limiter::sleep_async(wait).await;
            return Ok(());
        };
        let asked = match crate::redis::client() {
            Some(client) => ask(limit, &client, &limit.key(&client, key), quota, max_wait_ns).await,
            None => Asked::Fault,
        };
        let wait = self.settle(limit, asked, key, quota, max_wait_ns)?;
        super::limiter::sleep_async(wait).await;
        Ok(())
    }

    /// Redis's decision, or the fallback's, counted.
    fn settle(
        &self,
        limit: &RedisLimit,
        asked: Asked,
        key: Option<u64>,
        quota: Quota,
        max_wait_ns: u64,
    ) -> Result<Duration, Rejected> {
        match asked {
            Asked::Decided(decided) => self.count(decided),
            Asked::Fault => {
                let stats = self.stats();
                match limit.fallback {
                    Fallback::Local => {
                        if let Some(s) = stats {
                            s.record(|s| s.fallback_local.add(1));
                        }
                        self.take(key, quota, max_wait_ns)
                    }
                    Fallback::Allow => {
                        if let Some(s) = stats {
                            s.record(|s| s.fallback_allow.add(1));
                        }
                        self.count(Ok(0))
                    }
                    Fallback::Deny => {
                        if let Some(s) = stats {
                            s.record(|s| s.fallback_deny.add(1));
                        }
                        self.count(Err(NotBefore { wait_ns: quota.emission_ns() }))
                    }
                }
            }
        }
    }
}
