//! Redis as the second cache level (L2), shared by every process that points at the same server.
//!
//! Configure it at start-up with [`configure`], or let the first use read env `PERF_REDIS_URL`
//! (`redis://`, `rediss://` with the `redis-tls` feature, user and password in the URL). With
//! neither, L2 is off and cached fns use their in-memory cache alone. A Redis fault never reaches
//! a caller: timeouts, refused connections, a restart, a full server and undecodable entries are
//! counted, the call falls back to its own computation, and a circuit breaker skips Redis for a
//! cool-down after repeated failures.

mod breaker;
pub(crate) mod client;
pub(crate) mod codec;
pub(crate) mod key;
pub(crate) mod layer;
pub(crate) mod pubsub;
mod runtime;
#[cfg(test)]
#[path = "../../../tests/support/stalls.rs"]
mod stalls;
pub(crate) mod tags;
#[cfg(test)]
#[path = "../../../tests/support/redis_server.rs"]
#[cfg_attr(not(feature = "redis-tls"), allow(dead_code))]
mod test_server;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use client::{Client, Outcome};

/// How the Redis level behaves. `Default` reads env `PERF_CACHE_NAMESPACE` for the namespace.
#[derive(Debug, Clone)]
pub struct RedisOptions {
    /// Bound on each Redis operation (default 50ms); past it the call goes on without Redis.
    pub timeout: Duration,
    /// First part of every key (default: env `PERF_CACHE_NAMESPACE`, else the cached fn's crate
    /// name), so services sharing a server keep apart.
    pub namespace: Option<String>,
    /// Consecutive failures that open the circuit breaker (default 5).
    pub breaker_threshold: u32,
    /// How long an open breaker skips Redis before one call probes it again (default 1s).
    pub breaker_cooldown: Duration,
    /// For `rediss://`: the PEM certificate of the CA that signed the server's certificate, when
    /// it is a private one (default `None`: the webpki and system roots). Needs the `redis-tls`
    /// feature.
    pub tls_root_cert: Option<Vec<u8>>,
}

impl Default for RedisOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_millis(50),
            namespace: std::env::var("PERF_CACHE_NAMESPACE").ok().filter(|n| !n.is_empty()),
            breaker_threshold: 5,
            breaker_cooldown: Duration::from_secs(1),
            tls_root_cert: None,
        }
    }
}

/// A Redis URL that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

enum State {
    /// Env not read yet.
    Unset,
    Off,
    On(Arc<Client>),
}

static STATE: RwLock<State> = RwLock::new(State::Unset);

/// Points the Redis level at `url`, replacing any earlier configuration. Nothing connects
/// until the first cache miss, so a Redis that is down at start-up is not an error here.
///
/// ```
/// use perf_runtime::cache::redis::{RedisOptions, configure};
///
/// configure("redis://127.0.0.1:6379/0", RedisOptions::default()).unwrap();
/// assert!(configure("http://nope", RedisOptions::default()).is_err());
/// ```
pub fn configure(url: &str, options: RedisOptions) -> Result<(), ConfigError> {
    let client = connect(url, &options)?;
    *STATE.write().unwrap_or_else(|e| e.into_inner()) = State::On(Arc::new(client));
    Ok(())
}

/// Turns the Redis level off: cached fns use their in-memory cache alone.
pub fn disable() {
    *STATE.write().unwrap_or_else(|e| e.into_inner()) = State::Off;
}

/// Where the Redis level points (`redis://host:port/db`, without credentials), or `None` when
/// it is off.
pub fn address() -> Option<String> {
    client().map(|c| c.address.clone())
}

fn connect(url: &str, options: &RedisOptions) -> Result<Client, ConfigError> {
    let tls = url.starts_with("rediss://");
    if (tls || options.tls_root_cert.is_some()) && !cfg!(feature = "redis-tls") {
        let what = if tls { "rediss://" } else { "tls_root_cert" };
        return Err(ConfigError(format!(
            "{}: {what} needs perf-runtime's `redis-tls` feature",
            redact(url)
        )));
    }
    #[cfg(feature = "redis-tls")]
    if tls && rustls::crypto::CryptoProvider::get_default().is_none() {
        // rustls picks a provider by itself only when one is compiled in; should another crate
        // add aws-lc-rs, the first connect would panic. An application that chose its own
        // provider has installed it by now, and keeps it.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    Client::connect(url, options).map_err(|e| ConfigError(format!("{}: {e}", redact(url))))
}

/// The client, reading `PERF_REDIS_URL` on first use.
pub(crate) fn client() -> Option<Arc<Client>> {
    if let State::On(client) = &*STATE.read().unwrap_or_else(|e| e.into_inner()) {
        return Some(client.clone());
    }
    let mut state = STATE.write().unwrap_or_else(|e| e.into_inner());
    if let State::Unset = *state {
        *state = match std::env::var("PERF_REDIS_URL") {
            Ok(url) if !url.is_empty() => match connect(&url, &RedisOptions::default()) {
                Ok(client) => State::On(Arc::new(client)),
                Err(e) => {
                    eprintln!("perf: PERF_REDIS_URL ignored, the Redis cache level is off: {e}");
                    State::Off
                }
            },
            _ => State::Off,
        };
    }
    match &*state {
        State::On(client) => Some(client.clone()),
        _ => None,
    }
}

/// `redis://user:secret@host` → `redis://user:***@host`, for messages.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            format!("{scheme}://{user}:***@{host}{path}")
        }
        None => url.to_owned(),
    }
}

// Built in place: `redis::cmd(..).arg(..)` borrows, and cloning the result would copy every
// argument. The reads and writes of every L2 miss size their buffers up front.

pub(crate) fn get_cmd(key: &str) -> redis::Cmd {
    let mut cmd = redis::Cmd::with_capacity(2, 3 + key.len());
    cmd.arg("GET").arg(key);
    cmd
}

pub(crate) fn set_cmd(key: &str, value: &[u8], ttl: Duration) -> redis::Cmd {
    let mut cmd = redis::Cmd::with_capacity(5, 3 + key.len() + value.len() + 2 + 20);
    cmd.arg("SET").arg(key).arg(value).arg("PX").arg(ttl.as_millis().max(1) as u64);
    cmd
}

/// `SET key token NX PX ttl`: true if this process now holds the load lock for `key`.
pub(crate) fn lock_cmd(key: &str, token: u64, ttl: Duration) -> redis::Cmd {
    let mut cmd = redis::cmd("SET");
    cmd.arg(key).arg(token).arg("NX").arg("PX").arg(ttl.as_millis().max(1) as u64);
    cmd
}

pub(crate) fn del_cmd(key: &str) -> redis::Cmd {
    let mut cmd = redis::cmd("UNLINK");
    cmd.arg(key);
    cmd
}

impl Client {
    /// Deletes every key matching `pattern` with `SCAN` + `UNLINK` (never `KEYS`, which blocks the
    /// server). Returns how many were deleted.
    pub(crate) async fn delete_matching(&self, pattern: String) -> Outcome<u64> {
        let mut total = 0u64;
        let mut cursor = 0u64;
        loop {
            let scan = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(500)
                .clone();
            let (next, keys): (u64, Vec<String>) = match self.query(scan).await {
                Outcome::Done(page) => page,
                Outcome::Skipped => return Outcome::Skipped,
                Outcome::TimedOut => return Outcome::TimedOut,
                Outcome::Failed => return Outcome::Failed,
                Outcome::Rejected => return Outcome::Rejected,
            };
            if !keys.is_empty() {
                match self.query::<u64>(redis::cmd("UNLINK").arg(&keys).clone()).await {
                    Outcome::Done(n) => total += n,
                    other => return other,
                }
            }
            if next == 0 {
                return Outcome::Done(total);
            }
            cursor = next;
        }
    }
}
