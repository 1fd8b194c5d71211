//! One cached fn's view of the Redis level: typed reads and writes, the cross-process load lock,
//! invalidation, and the L2 counters of the fn's report entry.
//!
//! Every method takes the client explicitly; the cache passes [`super::client()`], which is
//! `None` when the level is off, and tests pass a client of their own private server.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use super::client::{Client, Outcome};
use super::codec::Codec;
use super::{del_cmd, get_cmd, key, lock_cmd, set_cmd};
use crate::record::histogram::{self, AtomicHistogram};

/// How often a process that lost the load lock looks for the winner's value.
const LOCK_POLL: Duration = Duration::from_millis(5);

#[derive(Debug)]
pub(crate) struct L2Site {
    fn_name: &'static str,
    /// The cached fn's crate, the namespace when none is configured.
    crate_name: &'static str,
    /// Hash of the fn's key and value types: entries of another schema are never read.
    schema: u64,
    ttl: Duration,
    /// Longest a load may hold the cross-process lock; waiters give up after it.
    lock_ttl: Option<Duration>,
    stats: L2Stats,
}

#[derive(Debug)]
struct L2Stats {
    hits: AtomicU64,
    misses: AtomicU64,
    errors: AtomicU64,
    decode_errors: AtomicU64,
    timeouts: AtomicU64,
    lock_waits: AtomicU64,
    lock_timeouts: AtomicU64,
    get_ns: AtomicHistogram,
    /// Other processes' invalidations applied to this fn's memory.
    received: AtomicU64,
    /// Times its memory was dropped because the subscription came back after a loss.
    flushed: AtomicU64,
}

/// The L2 part of a cache's report entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct L2Snapshot {
    pub(crate) hits: u64,
    pub(crate) misses: u64,
    pub(crate) errors: u64,
    pub(crate) decode_errors: u64,
    pub(crate) timeouts: u64,
    pub(crate) lock_waits: u64,
    pub(crate) lock_timeouts: u64,
    pub(crate) get_p50_ns: u64,
    pub(crate) get_p99_ns: u64,
    /// The read times, for the report's `l2_get_histogram`.
    pub(crate) get_histogram: String,
    pub(crate) invalidations_received: u64,
    pub(crate) l1_flushes_on_reconnect: u64,
}

/// A stored value that decodes; anything else is for the load to deal with (and count).
fn peeked<V>(outcome: Outcome<Option<Vec<u8>>>, key_json: &[u8], codec: &Codec<V>) -> Option<V> {
    match outcome {
        Outcome::Done(Some(bytes)) => (codec.decode)(key_json, &bytes).ok(),
        _ => None,
    }
}

/// Held by the process that loads a key under `lock = true`.
#[derive(Debug)]
pub(crate) struct LoadLock {
    key: String,
}

impl L2Site {
    pub(crate) const fn new(
        fn_name: &'static str,
        crate_name: &'static str,
        schema: u64,
        ttl: Duration,
        lock_ttl: Option<Duration>,
    ) -> Self {
        let stats = L2Stats {
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            decode_errors: AtomicU64::new(0),
            timeouts: AtomicU64::new(0),
            lock_waits: AtomicU64::new(0),
            lock_timeouts: AtomicU64::new(0),
            get_ns: AtomicHistogram::new(),
            received: AtomicU64::new(0),
            flushed: AtomicU64::new(0),
        };
        Self { fn_name, crate_name, schema, ttl, lock_ttl, stats }
    }

    fn redis_key(&self, client: &Client, key_json: &[u8]) -> String {
        let namespace = client.namespace.as_deref().unwrap_or(self.crate_name);
        key::redis_key(namespace, self.fn_name, self.schema, key_json)
    }

    /// The value stored for `key_json`, or `None` on a miss, an undecodable entry, or any fault.
    pub(crate) async fn get<V>(
        &self,
        client: &Client,
        key_json: &[u8],
        codec: &Codec<V>,
    ) -> Option<V> {
        let started = Instant::now();
        let outcome =
            client.query::<Option<Vec<u8>>>(get_cmd(&self.redis_key(client, key_json))).await;
        self.read(outcome, started, key_json, codec)
    }

    /// [`get`](Self::get) for sync fns.
    pub(crate) fn get_blocking<V>(
        &self,
        client: &Client,
        key_json: &[u8],
        codec: &Codec<V>,
    ) -> Option<V> {
        let started = Instant::now();
        let outcome =
            client.query_blocking::<Option<Vec<u8>>>(get_cmd(&self.redis_key(client, key_json)));
        self.read(outcome, started, key_json, codec)
    }

    /// What [`get`](Self::get) would return, for `warm`'s look before it loads a key. It counts
    /// nothing: no call asked, and the load that may follow counts its own read.
    pub(crate) async fn peek<V>(
        &self,
        client: &Client,
        key_json: &[u8],
        codec: &Codec<V>,
    ) -> Option<V> {
        let outcome =
            client.query::<Option<Vec<u8>>>(get_cmd(&self.redis_key(client, key_json))).await;
        peeked(outcome, key_json, codec)
    }

    /// [`peek`](Self::peek) for sync fns.
    pub(crate) fn peek_blocking<V>(
        &self,
        client: &Client,
        key_json: &[u8],
        codec: &Codec<V>,
    ) -> Option<V> {
        let outcome =
            client.query_blocking::<Option<Vec<u8>>>(get_cmd(&self.redis_key(client, key_json)));
        peeked(outcome, key_json, codec)
    }

    fn read<V>(
        &self,
        outcome: Outcome<Option<Vec<u8>>>,
        started: Instant,
        key_json: &[u8],
        codec: &Codec<V>,
    ) -> Option<V> {
        let s = &self.stats;
        match outcome {
            Outcome::Done(found) => {
                s.get_ns.record_shared(started.elapsed().as_nanos() as u64);
                match found.map(|bytes| (codec.decode)(key_json, &bytes)) {
                    Some(Ok(value)) => {
                        s.hits.fetch_add(1, Relaxed);
                        return Some(value);
                    }
                    // Counted, then treated as a miss: the load that follows overwrites it.
                    Some(Err(_)) => s.decode_errors.fetch_add(1, Relaxed),
                    None => s.misses.fetch_add(1, Relaxed),
                };
            }
            Outcome::TimedOut => {
                s.timeouts.fetch_add(1, Relaxed);
                s.errors.fetch_add(1, Relaxed);
            }
            Outcome::Failed | Outcome::Rejected => {
                s.errors.fetch_add(1, Relaxed);
            }
            Outcome::Skipped => {}
        }
        None
    }

    fn write_cmd<V>(
        &self,
        client: &Client,
        key_json: &[u8],
        value: &V,
        codec: &Codec<V>,
    ) -> Option<redis::Cmd> {
        match (codec.encode)(key_json, value) {
            Ok(bytes) => Some(set_cmd(&self.redis_key(client, key_json), &bytes, self.ttl)),
            Err(_) => {
                self.stats.errors.fetch_add(1, Relaxed);
                None
            }
        }
    }

    /// Stores `value` with the fn's TTL (`SET .. PX`); faults are counted, never returned.
    pub(crate) async fn put<V>(
        &self,
        client: &Client,
        key_json: &[u8],
        value: &V,
        codec: &Codec<V>,
    ) {
        if let Some(cmd) = self.write_cmd(client, key_json, value, codec) {
            self.count_write(client.query::<()>(cmd).await);
        }
    }

    /// [`put`](Self::put) for sync fns.
    pub(crate) fn put_blocking<V>(
        &self,
        client: &Client,
        key_json: &[u8],
        value: &V,
        codec: &Codec<V>,
    ) {
        if let Some(cmd) = self.write_cmd(client, key_json, value, codec) {
            self.count_write(client.query_blocking::<()>(cmd));
        }
    }

    /// The cache's name, as the report and invalidation messages give it.
    pub(crate) fn fn_name(&self) -> &'static str {
        self.fn_name
    }

    /// The namespace of this fn's keys and tags.
    pub(crate) fn namespace<'a>(&'a self, client: &'a Client) -> &'a str {
        client.namespace.as_deref().unwrap_or(self.crate_name)
    }

    /// The generations of `tags` in Redis, read before a tagged load runs its fn; `None` on a
    /// fault (the load then writes memory only).
    pub(crate) async fn generations(&self, client: &Client, tags: &[String]) -> Option<Vec<u64>> {
        let outcome = super::tags::generations(client, self.namespace(client), tags).await;
        self.read_generations(outcome)
    }

    /// [`generations`](Self::generations) for sync fns.
    pub(crate) fn generations_blocking(
        &self,
        client: &Client,
        tags: &[String],
    ) -> Option<Vec<u64>> {
        let outcome = super::tags::generations_blocking(client, self.namespace(client), tags);
        self.read_generations(outcome)
    }

    fn read_generations(&self, outcome: Outcome<Vec<u64>>) -> Option<Vec<u64>> {
        match outcome {
            Outcome::Done(gens) => Some(gens),
            other => {
                self.count_write(other.map(|_| ()));
                None
            }
        }
    }

    /// Stores `value` under its tags unless one was invalidated since `gens` were read; false
    /// when it was (the value is stale: memory must not keep it either). A fault is counted and
    /// answers true, since memory's own check still holds.
    pub(crate) async fn put_tagged<V>(
        &self,
        client: &Client,
        key_json: &[u8],
        value: &V,
        codec: &Codec<V>,
        tags: &[String],
        gens: &[u64],
    ) -> bool {
        let Some(bytes) = self.encode(key_json, value, codec) else { return true };
        let (ns, key) = (self.namespace(client), self.redis_key(client, key_json));
        let outcome = super::tags::set_tagged(client, ns, &key, &bytes, self.ttl, tags, gens);
        self.count_tagged_write(outcome.await)
    }

    /// [`put_tagged`](Self::put_tagged) for sync fns.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn put_tagged_blocking<V>(
        &self,
        client: &Client,
        key_json: &[u8],
        value: &V,
        codec: &Codec<V>,
        tags: &[String],
        gens: &[u64],
    ) -> bool {
        let Some(bytes) = self.encode(key_json, value, codec) else { return true };
        let (ns, key) = (self.namespace(client), self.redis_key(client, key_json));
        let outcome =
            super::tags::set_tagged_blocking(client, ns, &key, &bytes, self.ttl, tags, gens);
        self.count_tagged_write(outcome)
    }

    fn encode<V>(&self, key_json: &[u8], value: &V, codec: &Codec<V>) -> Option<Vec<u8>> {
        let encoded = (codec.encode)(key_json, value);
        if encoded.is_err() {
            self.stats.errors.fetch_add(1, Relaxed);
        }
        encoded.ok()
    }

    fn count_tagged_write(&self, outcome: Outcome<bool>) -> bool {
        match outcome {
            Outcome::Done(written) => written,
            other => {
                self.count_write(other.map(|_| ()));
                true
            }
        }
    }

    fn count_write(&self, outcome: Outcome<()>) {
        self.count_fault(&outcome);
    }

    /// Counts `outcome` if it is a fault: a timeout in `l2_timeouts` and `l2_errors`, any other
    /// in `l2_errors`. Also for an operation made for every cache of a namespace (a tag's
    /// invalidation), which each of them counts.
    pub(crate) fn count_fault<T>(&self, outcome: &Outcome<T>) {
        match outcome {
            Outcome::Done(_) | Outcome::Skipped => {}
            Outcome::TimedOut => {
                self.stats.timeouts.fetch_add(1, Relaxed);
                self.stats.errors.fetch_add(1, Relaxed);
            }
            // `Rejected` includes a full Redis refusing the write (OOM).
            Outcome::Failed | Outcome::Rejected => {
                self.stats.errors.fetch_add(1, Relaxed);
            }
        }
    }

    /// With `lock = true`, after an L2 miss: `Ok(Some(lock))` when this process won the lock and
    /// loads; `Err(value)` when another process held it and stored the value while we waited;
    /// `Ok(None)` when the caller should load without the lock (no `lock`, Redis failed, or the
    /// wait ran out).
    pub(crate) async fn lock_or_wait<V>(
        &self,
        client: &Client,
        key_json: &[u8],
        codec: &Codec<V>,
    ) -> Result<Option<LoadLock>, V> {
        match self.lock_ttl {
            // Boxed: the wait holds a GET and a sleep, which would otherwise grow the future of
            // every L2 read, `lock` or not.
            Some(lock_ttl) => {
                Box::pin(self.lock_or_wait_for(lock_ttl, client, key_json, codec)).await
            }
            None => Ok(None),
        }
    }

    async fn lock_or_wait_for<V>(
        &self,
        lock_ttl: Duration,
        client: &Client,
        key_json: &[u8],
        codec: &Codec<V>,
    ) -> Result<Option<LoadLock>, V> {
        let lock_key = format!("{}:lock", self.redis_key(client, key_json));
        let token = std::process::id();
        match client.query::<Option<String>>(lock_cmd(&lock_key, u64::from(token), lock_ttl)).await
        {
            Outcome::Done(Some(_)) => return Ok(Some(LoadLock { key: lock_key })),
            Outcome::Done(None) => {}
            _ => return Ok(None),
        }
        self.stats.lock_waits.fetch_add(1, Relaxed);
        let deadline = Instant::now() + lock_ttl;
        while Instant::now() < deadline {
            if super::client::callers_runtime().is_some() {
                tokio::time::sleep(LOCK_POLL).await;
            } else {
                super::runtime::run(tokio::time::sleep(LOCK_POLL)).await;
            }
            if let Some(value) = self.get(client, key_json, codec).await {
                return Err(value);
            }
        }
        self.stats.lock_timeouts.fetch_add(1, Relaxed);
        Ok(None)
    }

    /// [`lock_or_wait`](Self::lock_or_wait) for sync fns.
    pub(crate) fn lock_or_wait_blocking<V>(
        &self,
        client: &Client,
        key_json: &[u8],
        codec: &Codec<V>,
    ) -> Result<Option<LoadLock>, V> {
        let Some(lock_ttl) = self.lock_ttl else { return Ok(None) };
        let lock_key = format!("{}:lock", self.redis_key(client, key_json));
        let token = std::process::id();
        match client.query_blocking::<Option<String>>(lock_cmd(
            &lock_key,
            u64::from(token),
            lock_ttl,
        )) {
            Outcome::Done(Some(_)) => return Ok(Some(LoadLock { key: lock_key })),
            Outcome::Done(None) => {}
            _ => return Ok(None),
        }
        self.stats.lock_waits.fetch_add(1, Relaxed);
        let deadline = Instant::now() + lock_ttl;
        while Instant::now() < deadline {
            std::thread::sleep(LOCK_POLL);
            if let Some(value) = self.get_blocking(client, key_json, codec) {
                return Err(value);
            }
        }
        self.stats.lock_timeouts.fetch_add(1, Relaxed);
        Ok(None)
    }

    pub(crate) async fn unlock(&self, client: &Client, lock: LoadLock) {
        let _ = client.query::<u64>(del_cmd(&lock.key)).await;
    }

    pub(crate) fn unlock_blocking(&self, client: &Client, lock: LoadLock) {
        let _ = client.query_blocking::<u64>(del_cmd(&lock.key));
    }

    /// Deletes `key_json`'s entry.
    pub(crate) async fn invalidate(&self, client: &Client, key_json: &[u8]) {
        let _ = client.query::<u64>(del_cmd(&self.redis_key(client, key_json))).await;
    }

    pub(crate) fn invalidate_blocking(&self, client: &Client, key_json: &[u8]) {
        let _ = client.query_blocking::<u64>(del_cmd(&self.redis_key(client, key_json)));
    }

    /// [`invalidate_all`](Self::invalidate_all) for sync callers: waits up to 5s for the scan.
    pub(crate) fn invalidate_all_blocking(&'static self, client: std::sync::Arc<Client>) -> u64 {
        let scan = async move { self.invalidate_all(&client).await };
        super::runtime::run_blocking(scan, Duration::from_secs(5)).unwrap_or(0)
    }

    /// Deletes this fn's entries of every schema, in this namespace only.
    pub(crate) async fn invalidate_all(&self, client: &Client) -> u64 {
        let namespace = client.namespace.as_deref().unwrap_or(self.crate_name);
        match client.delete_matching(key::fn_pattern(namespace, self.fn_name)).await {
            Outcome::Done(n) => n,
            _ => 0,
        }
    }

    /// Zeroes the counters, for [`crate::reset`]. They are read-modify-write atomics, so a
    /// call in flight lands on one side of the reset or the other.
    pub(crate) fn reset(&self) {
        let s = &self.stats;
        for counter in [
            &s.hits,
            &s.misses,
            &s.errors,
            &s.decode_errors,
            &s.timeouts,
            &s.lock_waits,
            &s.lock_timeouts,
            &s.received,
            &s.flushed,
        ] {
            counter.store(0, Relaxed);
        }
        s.get_ns.clear();
    }

    pub(crate) fn snapshot(&self) -> L2Snapshot {
        let s = &self.stats;
        let mut hist = histogram::empty();
        s.get_ns.add_to(&mut hist);
        let q = |q: f64| if hist.is_empty() { 0 } else { hist.value_at_quantile(q) };
        L2Snapshot {
            hits: s.hits.load(Relaxed),
            misses: s.misses.load(Relaxed),
            errors: s.errors.load(Relaxed),
            decode_errors: s.decode_errors.load(Relaxed),
            timeouts: s.timeouts.load(Relaxed),
            lock_waits: s.lock_waits.load(Relaxed),
            lock_timeouts: s.lock_timeouts.load(Relaxed),
            get_p50_ns: q(0.5),
            get_p99_ns: q(0.99),
            get_histogram: crate::report::histogram::encode(&hist),
            invalidations_received: s.received.load(Relaxed),
            l1_flushes_on_reconnect: s.flushed.load(Relaxed),
        }
    }

    /// Counts an invalidation received from another process.
    pub(crate) fn received(&self) {
        self.stats.received.fetch_add(1, Relaxed);
    }

    /// Counts a drop of memory after the subscription came back.
    pub(crate) fn flushed(&self) {
        self.stats.flushed.fetch_add(1, Relaxed);
    }
}
