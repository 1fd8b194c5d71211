use std::hash::Hash;

use super::config::CacheConfig;
use super::core::{Core, Inner};
use super::engine::{Engine, Moka, Store, SyncStore};
use super::flight::Role;
use super::kind::Kind;
use super::record;
use super::tags::Generations;
use crate::record::site_name::SelfName;

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
pub struct SyncCache<K, V, E: Engine = Moka>(
    pub(super) Core<K, V, E::Sync<K, V>>,
    /// What `warm` calls for a missing key (see `warm.rs`); `None` for fns it cannot call.
    pub(super) Option<super::warm::SyncLoader<K>>,
);

/// The state behind a [`SyncCache`], built on its first use.
pub(super) type SyncCacheInner<K, V, E> = Inner<K, V, <E as Engine>::Sync<K, V>>;

impl<K, V, E: Engine> std::fmt::Debug for SyncCache<K, V, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncCache").field("config", &self.0.config).finish_non_exhaustive()
    }
}

impl<K, V, E: Engine> SyncCache<K, V, E> {
    /// Built by the macro in a `static`; no bounds here, so a bad key or value type is reported
    /// once, where the macro checks it.
    #[doc(hidden)]
    pub const fn new(config: CacheConfig) -> Self {
        Self(Core::new(config), None)
    }
}

impl<K, V, E: Engine> SyncCache<K, V, E>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    E::Sync<K, V>: SyncStore<K, V>,
{
    /// Builds the cache on first use; `self_name` names the type for methods.
    #[doc(hidden)]
    #[inline(always)]
    pub fn bind(&'static self, self_name: SelfName) -> &'static Self {
        self.0.inner(self_name);
        self
    }

    /// The generated body: a hit, or one load per key at a time (see `flight.rs`).
    #[doc(hidden)]
    #[inline(always)]
    pub fn load<Kd: Kind<R, V>, R, F: FnOnce() -> R>(&'static self, key: K, load: F) -> R {
        self.load_tagged::<Kd, R, [String; 0], F, _>(key, move || ([], load))
    }

    /// The generated body of a fn with `tags`: on a miss, `load` gives the entry's tags, then
    /// the fn to run.
    #[doc(hidden)]
    #[inline(always)]
    pub fn load_tagged<Kd, R, T, G, F>(&'static self, key: K, load: F) -> R
    where
        Kd: Kind<R, V>,
        T: AsRef<[String]>,
        G: FnOnce() -> R,
        F: FnOnce() -> (T, G),
    {
        let inner = self.0.inner(None);
        if let Some(v) = inner.l1.get(&key) {
            record::hit(inner.stats);
            return Kd::from_cached(v);
        }
        record::miss(inner.stats);
        Self::miss::<Kd, R, T, G, F>(inner, key, load)
    }

    #[inline(never)]
    fn miss<Kd, R, T, G, F>(inner: &'static SyncCacheInner<K, V, E>, key: K, load: F) -> R
    where
        Kd: Kind<R, V>,
        T: AsRef<[String]>,
        G: FnOnce() -> R,
        F: FnOnce() -> (T, G),
    {
        let leader = match inner.flights.join(&key) {
            Role::Leader(leader) => leader,
            Role::Waiter(flight) => {
                record::coalesced(inner.stats);
                if let Some(v) = flight.wait() {
                    return Kd::from_cached(v);
                }
                // The leader had nothing to share: this caller's own call decides its outcome.
                let (tags, body) = load();
                let gens = Generations::read(tags.as_ref());
                return Self::run::<Kd, R, G>(inner, key, tags.as_ref(), &gens, body);
            }
        };
        let (tags, body) = load();
        let (tags, gens) = (tags.as_ref(), Generations::read(tags.as_ref()));
        #[cfg(feature = "redis")]
        if let Some(level) = &inner.l2 {
            let load = super::l2::Load { leader, key, tags, gens, body };
            return super::l2::load_blocking::<K, V, E, Kd, R, G>(inner, level, load);
        }
        // A leader that finished between our miss and our join has filled the cache already.
        if let Some(v) = inner.l1.get(&key) {
            leader.finish(Some(&v));
            return Kd::from_cached(v);
        }
        let r = Self::run::<Kd, R, G>(inner, key, tags, &gens, body);
        leader.finish(Kd::cacheable(&r));
        r
    }

    pub(super) fn run<Kd: Kind<R, V>, R, G: FnOnce() -> R>(
        inner: &'static SyncCacheInner<K, V, E>,
        key: K,
        tags: &[String],
        gens: &Generations,
        body: G,
    ) -> R {
        let r = Self::compute::<Kd, R, G>(inner, body);
        if let Some(v) = Kd::cacheable(&r) {
            Self::store(inner, key, v.clone(), tags, gens);
        }
        r
    }

    /// Runs the fn, counted as a load.
    pub(super) fn compute<Kd: Kind<R, V>, R, G: FnOnce() -> R>(
        inner: &'static SyncCacheInner<K, V, E>,
        body: G,
    ) -> R {
        let started = record::load_started();
        let r = body();
        record::load_done(inner.stats, started, Kd::is_error(&r));
        r
    }

    /// Puts a loaded value in memory, under its tags.
    pub(super) fn store(
        inner: &'static SyncCacheInner<K, V, E>,
        key: K,
        value: V,
        tags: &[String],
        gens: &Generations,
    ) {
        if tags.is_empty() {
            return inner.l1.insert(key, value);
        }
        if inner.tag(&key, tags, gens) {
            inner.l1.insert(key.clone(), value);
            inner.recheck(&key, tags, gens);
        }
    }

    /// Removes `key`'s entry (from Redis too, with `l2`), so the next call runs the fn.
    pub fn invalidate(&'static self, key: &K) {
        let inner = self.0.inner(None);
        // Redis first: a load here must not refill memory from Redis' old entry.
        #[cfg(feature = "redis")]
        super::l2::invalidate_blocking(inner, key);
        inner.l1.remove_now(key);
        inner.tags.remove(key);
    }

    /// Removes `key`'s entry from this process's memory only.
    pub fn invalidate_l1(&'static self, key: &K) {
        let inner = self.0.inner(None);
        inner.l1.remove_now(key);
        inner.tags.remove(key);
    }

    /// Removes every entry (with `l2`, this fn's keys in Redis too, by `SCAN` + `UNLINK`).
    pub fn invalidate_all(&'static self) {
        let inner = self.0.inner(None);
        #[cfg(feature = "redis")]
        super::l2::invalidate_all_blocking(inner);
        inner.l1.clear();
        inner.tags.clear();
    }

    /// Entries in the cache, after pending maintenance (expirations, evictions) has run.
    pub fn entry_count(&'static self) -> u64 {
        let l1 = &self.0.inner(None).l1;
        l1.run_pending_tasks();
        l1.count()
    }

    /// Stores `value` for `key` as if a call had returned it (to warm the cache).
    pub fn insert(&'static self, key: K, value: V) {
        self.0.inner(None).l1.insert(key, value);
    }

    /// Runs pending maintenance now (evictions, expirations, the entry count), as moka otherwise
    /// does in small steps during later calls and the fast engine when a load replaces an entry.
    pub fn run_pending_tasks(&'static self) {
        self.0.inner(None).l1.run_pending_tasks();
    }
}
