use std::future::Future;
use std::hash::Hash;

use super::config::CacheConfig;
use super::core::{Core, Inner};
use super::engine::{AsyncStore, Engine, Moka, Store};
use super::flight::Role;
use super::kind::Kind;
use super::record;
use super::tags::Generations;
use crate::record::site_name::SelfName;

/// The cache of an `async` `#[cached]` fn: [`AsyncCache`](super::AsyncCache)'s twin on
/// `moka::future::Cache`, whose methods that touch the cache are `async`.
///
/// ```
/// use perf_runtime::cached;
///
/// #[cached(ttl = "60s")]
/// async fn square(x: u64) -> u64 {
///     x * x
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// square(4).await;
/// square_cache().invalidate(&4).await;
/// square_cache().insert(5, 25).await; // warm
/// assert_eq!(square(5).await, 25);
/// # });
/// ```
pub struct AsyncCache<K, V, E: Engine = Moka>(
    pub(super) Core<K, V, E::Async<K, V>>,
    /// What `warm` calls for a missing key (see `warm.rs`); `None` for fns it cannot call.
    pub(super) Option<super::warm::AsyncLoader<K>>,
);

/// The state behind a [`AsyncCache`], built on its first use.
pub(super) type AsyncCacheInner<K, V, E> = Inner<K, V, <E as Engine>::Async<K, V>>;

impl<K, V, E: Engine> std::fmt::Debug for AsyncCache<K, V, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncCache").field("config", &self.0.config).finish_non_exhaustive()
    }
}

impl<K, V, E: Engine> AsyncCache<K, V, E> {
    /// Built by the macro in a `static`; no bounds here, so a bad key or value type is reported
    /// once, where the macro checks it.
    #[doc(hidden)]
    pub const fn new(config: CacheConfig) -> Self {
        Self(Core::new(config), None)
    }
}

impl<K, V, E: Engine> AsyncCache<K, V, E>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    E::Async<K, V>: AsyncStore<K, V>,
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
    pub async fn load<Kd: Kind<R, V>, R, F: Future<Output = R>>(
        &'static self,
        key: K,
        load: F,
    ) -> R {
        self.load_tagged::<Kd, R, [String; 0], F, _>(key, move || ([], load)).await
    }

    /// The generated body of a fn with `tags`: on a miss, `load` gives the entry's tags, then
    /// the fn's future.
    #[doc(hidden)]
    pub async fn load_tagged<Kd, R, T, G, F>(&'static self, key: K, load: F) -> R
    where
        Kd: Kind<R, V>,
        T: AsRef<[String]>,
        G: Future<Output = R>,
        F: FnOnce() -> (T, G),
    {
        let inner = self.0.inner(None);
        if let Some(v) = inner.l1.get(&key).await {
            record::hit(inner.stats);
            return Kd::from_cached(v);
        }
        record::miss(inner.stats);
        let leader = match inner.flights.join(&key) {
            Role::Leader(leader) => leader,
            Role::Waiter(flight) => {
                record::coalesced(inner.stats);
                if let Some(v) = flight.wait_async().await {
                    return Kd::from_cached(v);
                }
                // The leader had nothing to share: this caller's own call decides its outcome.
                let (tags, body) = load();
                let gens = Generations::read(tags.as_ref());
                return Self::run::<Kd, R, G>(inner, key, tags.as_ref(), &gens, body).await;
            }
        };
        let (tags, body) = load();
        let (tags, gens) = (tags.as_ref(), Generations::read(tags.as_ref()));
        #[cfg(feature = "redis")]
        if let Some(level) = &inner.l2 {
            // Boxed, so that the Redis steps do not grow the future of every cached fn.
            let load = super::l2::Load { leader, key, tags, gens, body };
            return Box::pin(super::l2::load::<K, V, E, Kd, R, G>(inner, level, load)).await;
        }
        // A leader that finished between our miss and our join has filled the cache already.
        if let Some(v) = inner.l1.get(&key).await {
            leader.finish(Some(&v));
            return Kd::from_cached(v);
        }
        // Dropped here (the caller's future cancelled, or the load panicked), the leader wakes
        // the waiters with nothing.
        let r = Self::run::<Kd, R, G>(inner, key, tags, &gens, body).await;
        leader.finish(Kd::cacheable(&r));
        r
    }

    pub(super) async fn run<Kd: Kind<R, V>, R, G: Future<Output = R>>(
        inner: &'static AsyncCacheInner<K, V, E>,
        key: K,
        tags: &[String],
        gens: &Generations,
        body: G,
    ) -> R {
        let r = Self::compute::<Kd, R, G>(inner, body).await;
        if let Some(v) = Kd::cacheable(&r) {
            Self::store(inner, key, v.clone(), tags, gens).await;
        }
        r
    }

    /// Runs the fn, counted as a load.
    pub(super) async fn compute<Kd: Kind<R, V>, R, G: Future<Output = R>>(
        inner: &'static AsyncCacheInner<K, V, E>,
        body: G,
    ) -> R {
        let started = record::load_started();
        let r = body.await;
        record::load_done(inner.stats, started, Kd::is_error(&r));
        r
    }

    /// Puts a loaded value in memory, under its tags.
    pub(super) async fn store(
        inner: &'static AsyncCacheInner<K, V, E>,
        key: K,
        value: V,
        tags: &[String],
        gens: &Generations,
    ) {
        if tags.is_empty() {
            return inner.l1.insert(key, value).await;
        }
        if inner.tag(&key, tags, gens) {
            inner.l1.insert(key.clone(), value).await;
            inner.recheck(&key, tags, gens);
        }
    }

    /// Removes `key`'s entry (from Redis too, with `l2`), so the next call runs the fn.
    pub async fn invalidate(&'static self, key: &K) {
        let inner = self.0.inner(None);
        // Redis first: a load here must not refill memory from Redis' old entry.
        #[cfg(feature = "redis")]
        super::l2::invalidate(inner, key).await;
        inner.l1.remove(key).await;
        inner.tags.remove(key);
    }

    /// Removes `key`'s entry from this process's memory only.
    pub async fn invalidate_l1(&'static self, key: &K) {
        let inner = self.0.inner(None);
        inner.l1.remove(key).await;
        inner.tags.remove(key);
    }

    /// Removes every entry (with `l2`, this fn's keys in Redis too, by `SCAN` + `UNLINK`).
    pub async fn invalidate_all(&'static self) {
        let inner = self.0.inner(None);
        #[cfg(feature = "redis")]
        super::l2::invalidate_all(inner).await;
        inner.l1.clear();
        inner.tags.clear();
    }

    /// Entries in the cache, after pending maintenance (expirations, evictions) has run.
    pub async fn entry_count(&'static self) -> u64 {
        let l1 = &self.0.inner(None).l1;
        l1.run_pending_tasks().await;
        l1.count()
    }

    /// Stores `value` for `key` as if a call had returned it (to warm the cache).
    pub async fn insert(&'static self, key: K, value: V) {
        self.0.inner(None).l1.insert(key, value).await;
    }

    /// Runs pending maintenance now (evictions, expirations, the entry count), as moka otherwise
    /// does in small steps during later calls and the fast engine when a load replaces an entry.
    pub async fn run_pending_tasks(&'static self) {
        self.0.inner(None).l1.run_pending_tasks().await;
    }
}
