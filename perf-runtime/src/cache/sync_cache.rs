use std::hash::Hash;
use std::sync::OnceLock;

use super::config::CacheConfig;
use super::flight::{Flights, Role};
use super::kind::Kind;
use super::registry::{self, Registered};
use super::stats::CacheStats;
use super::{Hasher, KeyJson, record};
use crate::callsite::SelfName;

/// The cache of a sync `#[cached]` fn. The macro puts one in a `static` and returns it from
/// the generated `<fn>_cache()` handle.
///
/// ```
/// use perf_runtime::cached;
///
/// #[cached(ttl = "60s")]
/// fn square(x: u64) -> u64 {
///     x * x
/// }
///
/// square(4);
/// assert_eq!(square_cache().entry_count(), 1);
/// square_cache().invalidate(&4);
/// square_cache().insert(5, 25); // warm
/// assert_eq!(square(5), 25);
/// ```
pub struct SyncCache<K, V> {
    config: CacheConfig,
    pub(super) inner: OnceLock<Inner<K, V>>,
}

pub(super) struct Inner<K, V> {
    pub(super) l1: moka::sync::Cache<K, V, Hasher>,
    pub(super) flights: Flights<K, V, Hasher>,
    pub(super) stats: &'static CacheStats,
    /// Serializes a key for Redis; set when the cache was built with `l2`.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(super) key_json: KeyJson<K>,
    #[cfg(feature = "redis")]
    pub(super) l2: Option<&'static crate::redis::layer::L2Site>,
}

impl<K, V> std::fmt::Debug for SyncCache<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncCache").field("config", &self.config).finish_non_exhaustive()
    }
}

impl<K, V> SyncCache<K, V> {
    /// Built by the macro in a `static`; no bounds here, so a bad key or value type is reported
    /// once, where the macro checks it.
    #[doc(hidden)]
    pub const fn new(config: CacheConfig) -> Self {
        Self { config, inner: OnceLock::new() }
    }
}

impl<K, V> SyncCache<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// Builds the cache on first use; `self_name` names the type for methods.
    #[doc(hidden)]
    #[inline(always)]
    pub fn bind(&'static self, self_name: SelfName) -> &'static Self {
        self.inner(self_name);
        self
    }

    #[inline(always)]
    pub(super) fn inner(&'static self, self_name: SelfName) -> &'static Inner<K, V> {
        match self.inner.get() {
            Some(inner) => inner,
            None => self.init(self_name, None),
        }
    }

    #[cold]
    #[inline(never)]
    pub(super) fn init(
        &'static self,
        self_name: SelfName,
        key_json: KeyJson<K>,
    ) -> &'static Inner<K, V> {
        let stats: &'static CacheStats = Box::leak(Box::new(CacheStats::new()));
        let mut builder = moka::sync::Cache::builder()
            .max_capacity(self.config.capacity)
            .time_to_live(self.config.l1_ttl())
            .eviction_policy(self.config.moka_policy())
            .eviction_listener(move |_, _, cause| {
                if cause == moka::notification::RemovalCause::Size {
                    stats.evictions.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            });
        if let Some(tti) = self.config.tti() {
            builder = builder.time_to_idle(tti);
        }
        let name = self.config.name(self_name);
        let inner = self.inner.get_or_init(|| Inner {
            #[cfg(feature = "redis")]
            l2: super::l2::site(&self.config, &name),
            key_json,
            l1: builder.build_with_hasher(Hasher::default()),
            flights: Flights::new(Hasher::default()),
            stats,
        });
        registry::register(name, self);
        inner
    }

    /// The generated body: a hit, or one load per key at a time (see `flight.rs`).
    #[doc(hidden)]
    #[inline(always)]
    pub fn load<Kd: Kind<R, V>, R, F: FnOnce() -> R>(&'static self, key: K, load: F) -> R {
        let inner = self.inner(None);
        if let Some(v) = inner.l1.get(&key) {
            record::hit(inner.stats);
            return Kd::from_cached(v);
        }
        record::miss(inner.stats);
        Self::miss::<Kd, R, F>(inner, key, load)
    }

    #[inline(never)]
    fn miss<Kd: Kind<R, V>, R, F: FnOnce() -> R>(
        inner: &'static Inner<K, V>,
        key: K,
        load: F,
    ) -> R {
        let leader = match inner.flights.join(&key) {
            Role::Leader(leader) => leader,
            Role::Waiter(flight) => {
                record::coalesced(inner.stats);
                if let Some(v) = flight.wait() {
                    return Kd::from_cached(v);
                }
                // The leader had nothing to share: this caller's own call decides its outcome.
                return Self::run::<Kd, R, F>(inner, key, load).0;
            }
        };
        // A leader that finished between our miss and our join has filled the cache already.
        if let Some(v) = inner.l1.get(&key) {
            leader.finish(Some(v.clone()));
            return Kd::from_cached(v);
        }
        let (r, shared) = Self::run::<Kd, R, F>(inner, key, load);
        leader.finish(shared);
        r
    }

    pub(super) fn run<Kd: Kind<R, V>, R, F: FnOnce() -> R>(
        inner: &'static Inner<K, V>,
        key: K,
        load: F,
    ) -> (R, Option<V>) {
        let started = record::load_started();
        let r = load();
        record::load_done(inner.stats, started, Kd::is_error(&r));
        let value = Kd::cacheable(&r).cloned();
        if let Some(v) = &value {
            inner.l1.insert(key, v.clone());
        }
        (r, value)
    }

    /// Removes `key`'s entry (from Redis too, with `l2`), so the next call runs the fn.
    pub fn invalidate(&'static self, key: &K) {
        let inner = self.inner(None);
        inner.l1.invalidate(key);
        #[cfg(feature = "redis")]
        super::l2::invalidate_blocking(inner, key);
    }

    /// Removes `key`'s entry from this process's memory only.
    pub fn invalidate_l1(&'static self, key: &K) {
        self.inner(None).l1.invalidate(key);
    }

    /// Removes every entry (with `l2`, this fn's keys in Redis too, by `SCAN` + `UNLINK`).
    pub fn invalidate_all(&'static self) {
        let inner = self.inner(None);
        inner.l1.invalidate_all();
        #[cfg(feature = "redis")]
        super::l2::invalidate_all_blocking(inner.l2);
    }

    /// Entries in the cache, after moka's pending maintenance has run.
    pub fn entry_count(&'static self) -> u64 {
        let l1 = &self.inner(None).l1;
        l1.run_pending_tasks();
        l1.entry_count()
    }

    /// Stores `value` for `key` as if a call had returned it (to warm the cache).
    pub fn insert(&'static self, key: K, value: V) {
        self.inner(None).l1.insert(key, value);
    }

    /// Runs moka's pending maintenance now (evictions, expirations, the entry count), as it
    /// otherwise does in small steps during later calls.
    pub fn run_pending_tasks(&'static self) {
        self.inner(None).l1.run_pending_tasks();
    }
}

impl<K, V> Registered for SyncCache<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    fn stats(&self) -> Option<&'static CacheStats> {
        self.inner.get().map(|i| i.stats)
    }

    fn entries(&self) -> u64 {
        self.inner.get().map_or(0, |i| {
            i.l1.run_pending_tasks();
            i.l1.entry_count()
        })
    }

    #[cfg(feature = "redis")]
    fn l2(&self) -> Option<&'static crate::redis::layer::L2Site> {
        self.inner.get().and_then(|i| i.l2)
    }

    fn clear(&self) {
        if let Some(i) = self.inner.get() {
            i.l1.invalidate_all();
            #[cfg(feature = "redis")]
            super::l2::invalidate_all_blocking(i.l2);
        }
    }
}
