//! `<fn>_cache().warm(keys)`: filling a cache before the calls come, through the fn itself.
//!
//! The macro gives the cache a loader: a fn that turns a key back into the fn's arguments and
//! calls the `#[cached]` fn, so that a warmed key takes the path of any call (single flight,
//! Redis, the stats). Only a key made of the arguments can be turned back (the default key, or
//! `key = (a, b)` naming every argument); the cache of a method, or of a `key_type` key, gets
//! no loader, and its `warm` can only tell which keys are present.
//!
//! Each key runs under `catch_unwind`: a load that panics or returns `Err`/`None` counts as
//! `failed`, and the other keys go on. A key given twice is warmed once: its copies would
//! otherwise race, each missing the cache and each seeing the one load (single flight) succeed.

use std::collections::HashSet;
use std::future::{Future, poll_fn};
use std::hash::Hash;
use std::num::NonZero;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Mutex;
use std::task::Poll;

use super::async_cache::{AsyncCache, AsyncCacheInner};
use super::core::Inner;
use super::engine::{AsyncStore, Engine, SyncStore};
use super::record;
use super::sync_cache::{SyncCache, SyncCacheInner};
use crate::record::lock;

/// A sync fn's loader: calls the fn with `key`'s arguments; `true` if the result was cached.
pub(super) type SyncLoader<K> = fn(K) -> bool;

/// An `async fn`'s loader.
pub(super) type AsyncLoader<K> = fn(K) -> WarmFuture;

/// What an `async fn`'s loader returns: `Send`, so that `warm`'s own future is.
pub type WarmFuture = Pin<Box<dyn Future<Output = bool> + Send>>;

/// Keys an `async fn`'s `warm` loads at once when the attribute does not say (they share the
/// caller's task, so this bounds the load on what the fn calls rather than on the cores).
const ASYNC_CONCURRENCY: usize = 16;

/// What one `warm` did with its keys: each distinct key is counted once, in one of the three.
///
/// ```
/// use perf_runtime::cache::WarmReport;
/// use perf_runtime::cached;
///
/// #[cached(ttl = "60s")]
/// fn square(x: u64) -> Option<u64> {
///     x.checked_mul(x)
/// }
///
/// square(2);
/// let report = square_cache().warm([1, 2, u64::MAX]);
/// assert_eq!(report, WarmReport { loaded: 1, already_present: 1, failed: 1 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WarmReport {
    /// Keys computed and cached by this `warm`.
    pub loaded: u64,
    /// Keys found in memory, or (with `l2`) in Redis: not computed.
    pub already_present: u64,
    /// Keys whose load returned `Err` or `None` or panicked, and every missing key of a cache
    /// that cannot call its fn (a method's, or one keyed with `key_type`).
    pub failed: u64,
}

/// What became of one key.
enum Warmed {
    Loaded,
    Present,
    Failed,
}

impl WarmReport {
    fn count(&mut self, warmed: Warmed) {
        match warmed {
            Warmed::Loaded => self.loaded += 1,
            Warmed::Present => self.already_present += 1,
            Warmed::Failed => self.failed += 1,
        }
    }

    fn add(self, other: Self) -> Self {
        Self {
            loaded: self.loaded + other.loaded,
            already_present: self.already_present + other.already_present,
            failed: self.failed + other.failed,
        }
    }
}

/// The keys already given to this `warm`, so that each is warmed once.
struct Seen<K>(HashSet<K>);

impl<K: Hash + Eq + Clone> Seen<K> {
    fn new() -> Self {
        Self(HashSet::new())
    }

    /// Whether `key` is given for the first time. Its `Hash`, `Eq` and `Clone` are user code: a
    /// key they panic on goes through, to fail in its load as it would have.
    fn first(&mut self, key: &K) -> bool {
        catch_unwind(AssertUnwindSafe(|| self.0.insert(key.clone()))).unwrap_or(true)
    }
}

/// Whether the first key must go alone. With Redis behind the cache it does: the first look
/// connects, and looks made while another caller connects skip Redis (see `redis/client.rs`),
/// so they would load keys that Redis has; a process warming at start-up is the common case.
#[cfg(feature = "redis")]
fn has_l2<K, V, S>(inner: &Inner<K, V, S>) -> bool {
    inner.l2.is_some()
}

#[cfg(not(feature = "redis"))]
fn has_l2<K, V, S>(_: &Inner<K, V, S>) -> bool {
    false
}

/// `warm_concurrency`, or `default()` when the attribute gives none.
fn limit(configured: u32, default: impl FnOnce() -> usize) -> usize {
    match configured {
        0 => default(),
        n => n as usize,
    }
}

impl<K, V, E: Engine> SyncCache<K, V, E> {
    /// Gives the cache the loader `warm` calls (made by the macro).
    #[doc(hidden)]
    pub const fn with_loader(mut self, loader: fn(K) -> bool) -> Self {
        self.1 = Some(loader);
        self
    }
}

impl<K, V, E> SyncCache<K, V, E>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    E: Engine,
    E::Sync<K, V>: SyncStore<K, V>,
{
    /// Computes the `keys` the cache lacks, by calling the fn as a call would, on up to
    /// `warm_concurrency` threads of its own (by default, one per core); returns when all are
    /// done.
    ///
    /// Keys in memory, or with `l2` in Redis (which then fills memory), are `already_present`.
    /// A key given more than once is warmed and counted once. A key whose load returns `Err`
    /// or `None` or panics counts as `failed` and the others go on; no panic escapes, though the panic hook still prints it. The fn's cache must be
    /// keyed by its arguments (the default key, or `key = (a, b)` naming every argument): for
    /// a method or a `key_type` key, every missing key is `failed`. The report's cache entry
    /// sums the `loaded` keys as `warmed`.
    ///
    /// ```
    /// use perf_runtime::cached;
    ///
    /// #[cached(ttl = "10m", warm_concurrency = 4)]
    /// fn price(sku: &str) -> Result<u64, String> {
    ///     if sku.is_empty() { Err("no sku".into()) } else { Ok(sku.len() as u64) }
    /// }
    ///
    /// price("apple").unwrap();
    /// let report = price_cache().warm(["apple", "pear", ""].map(String::from));
    /// assert_eq!((report.loaded, report.already_present, report.failed), (1, 1, 1));
    /// assert_eq!(price_cache().entry_count(), 2);
    /// ```
    pub fn warm(&'static self, keys: impl IntoIterator<Item = K>) -> WarmReport {
        let inner = self.0.inner(None);
        let mut seen = Seen::new();
        let keys: Vec<K> = keys.into_iter().filter(|key| seen.first(key)).collect();
        drop(seen);
        let cores = || std::thread::available_parallelism().map_or(1, NonZero::get);
        let mut keys = keys.into_iter();
        let mut first = WarmReport::default();
        if has_l2(inner) {
            if let Some(key) = keys.next() {
                first.count(self.warm_one(inner, key));
            }
        }
        let threads = limit(self.0.config.warm_concurrency, cores).min(keys.len());
        let keys = Mutex::new(keys);
        let report = std::thread::scope(|s| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(|| {
                        let mut report = WarmReport::default();
                        loop {
                            // Not in a `while let`, which would hold the lock during the load.
                            let next = lock(&keys).next();
                            let Some(key) = next else { return report };
                            report.count(self.warm_one(inner, key));
                        }
                    })
                })
                .collect();
            let done = workers.into_iter().map(|w| w.join().expect("warm_one catches panics"));
            done.fold(first, WarmReport::add)
        });
        record::warmed(inner.stats, report.loaded);
        report
    }

    /// One key. Its `Hash` and `Eq` are user code too, so the lookups are inside the
    /// `catch_unwind`.
    fn warm_one(&self, inner: &'static SyncCacheInner<K, V, E>, key: K) -> Warmed {
        catch_unwind(AssertUnwindSafe(|| {
            if inner.l1.get(&key).is_some() {
                return Warmed::Present;
            }
            #[cfg(feature = "redis")]
            if super::l2::peek_blocking(inner, &key) {
                return Warmed::Present;
            }
            let Some(load) = self.1 else { return Warmed::Failed };
            if load(key) { Warmed::Loaded } else { Warmed::Failed }
        }))
        .unwrap_or(Warmed::Failed)
    }
}

impl<K, V, E: Engine> AsyncCache<K, V, E> {
    /// Gives the cache the loader `warm` calls (made by the macro).
    #[doc(hidden)]
    pub const fn with_loader(mut self, loader: fn(K) -> WarmFuture) -> Self {
        self.1 = Some(loader);
        self
    }
}

impl<K, V, E> AsyncCache<K, V, E>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    E: Engine,
    E::Async<K, V>: AsyncStore<K, V>,
{
    /// [`SyncCache::warm`] for an `async fn`: up to `warm_concurrency` keys (by default 16)
    /// load at once, as futures polled by the caller's task, on whatever executor runs it.
    ///
    /// Keys in memory, or with `l2` in Redis (which then fills memory), are `already_present`;
    /// a key given more than once is warmed and counted once; a key whose load returns `Err` or
    /// `None` or panics is `failed`. The fn's cache must be
    /// keyed by its arguments, and its future must be `Send`: otherwise every missing key is
    /// `failed`.
    ///
    /// ```
    /// use perf_runtime::cache::WarmReport;
    /// use perf_runtime::cached;
    ///
    /// #[cached(ttl = "10m")]
    /// async fn user(id: u32) -> Option<String> {
    ///     (id != 0).then(|| format!("user {id}"))
    /// }
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let report = user_cache().warm(0..100).await;
    /// assert_eq!(report, WarmReport { loaded: 99, already_present: 0, failed: 1 });
    /// # });
    /// ```
    pub async fn warm(&'static self, keys: impl IntoIterator<Item = K>) -> WarmReport {
        let inner = self.0.inner(None);
        let limit = limit(self.0.config.warm_concurrency, || ASYNC_CONCURRENCY);
        let mut seen = Seen::new();
        let mut keys = keys.into_iter().filter(move |key| seen.first(key)).fuse();
        let mut running = Vec::with_capacity(limit);
        let mut report = WarmReport::default();
        let mut width = if has_l2(inner) { 1 } else { limit };
        poll_fn(|cx| {
            loop {
                let room = width - running.len();
                let started = keys.by_ref().take(room).map(|key| self.warm_one(inner, key));
                running.extend(started.map(Box::pin));
                if running.is_empty() {
                    return Poll::Ready(());
                }
                let before = running.len();
                running.retain_mut(|load| {
                    // A load that panics is dropped, which ends its flight for any waiters.
                    match catch_unwind(AssertUnwindSafe(|| load.as_mut().poll(cx))) {
                        Ok(Poll::Pending) => true,
                        Ok(Poll::Ready(warmed)) => {
                            report.count(warmed);
                            false
                        }
                        Err(_) => {
                            report.count(Warmed::Failed);
                            false
                        }
                    }
                });
                // Until a key finishes, only a wake-up can change anything.
                if running.len() == before {
                    return Poll::Pending;
                }
                width = limit;
            }
        })
        .await;
        record::warmed(inner.stats, report.loaded);
        report
    }

    async fn warm_one(&self, inner: &'static AsyncCacheInner<K, V, E>, key: K) -> Warmed {
        if inner.l1.get(&key).await.is_some() {
            return Warmed::Present;
        }
        #[cfg(feature = "redis")]
        if super::l2::peek(inner, &key).await {
            return Warmed::Present;
        }
        let Some(load) = self.1 else { return Warmed::Failed };
        if load(key).await { Warmed::Loaded } else { Warmed::Failed }
    }
}

/// An `async fn`'s loader boxes its future with `WarmLoad(future).__perf_boxed()`, both traits
/// in scope. Method lookup takes [`SendLoad`]'s by-value impl when the future is `Send`, and
/// otherwise falls back to [`LocalLoad`]'s on `&WarmLoad` (autoref specialization, as anyhow's
/// `anyhow!` picks its error kind): a fn whose future is not `Send` still compiles, as it did
/// before warming existed, and its missing keys count as `failed`.
#[doc(hidden)]
#[derive(Debug)]
pub struct WarmLoad<F>(pub F);

#[doc(hidden)]
pub trait SendLoad {
    fn __perf_boxed(self) -> WarmFuture;
}

impl<F: Future<Output = bool> + Send + 'static> SendLoad for WarmLoad<F> {
    fn __perf_boxed(self) -> WarmFuture {
        Box::pin(self.0)
    }
}

#[doc(hidden)]
pub trait LocalLoad {
    fn __perf_boxed(self) -> WarmFuture;
}

impl<F> LocalLoad for &WarmLoad<F> {
    fn __perf_boxed(self) -> WarmFuture {
        Box::pin(std::future::ready(false))
    }
}
