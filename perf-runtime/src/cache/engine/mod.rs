//! The in-memory level of a cache, chosen with `#[cached(engine = "...")]`: [`Moka`] (the
//! default: TTI, TinyLFU, maintenance that never holds a lock across callers) or [`Fast`]
//! (quick_cache's sharded S3-FIFO with a TTL checked against a coarse clock: the cheapest hit).
//!
//! The caches are generic over the engine, so a hit calls the engine's own code directly; the
//! store traits below are how [`SyncCache`](super::SyncCache) and
//! [`AsyncCache`](super::AsyncCache) reach it. They are public only because the caches' methods
//! are bounded by them: users choose an engine, they never implement one.

mod fast;
mod moka;
mod shards;

use std::future::Future;
use std::sync::atomic::AtomicU64;

use super::config::CacheConfig;

pub use fast::FastStore;

/// Which engine a cache keeps its entries in. `SyncCache<K, V, Fast>` is the cache of a
/// `#[cached(engine = "fast")]` fn; `SyncCache<K, V>` (with [`Moka`]) of any other.
///
/// ```
/// use perf_runtime::cache::{Fast, SyncCache};
/// use perf_runtime::cached;
///
/// #[cached(ttl = "60s", engine = "fast")]
/// fn square(x: u64) -> u64 {
///     x * x
/// }
///
/// let cache: &'static SyncCache<u64, u64, Fast> = square_cache();
/// square(3);
/// assert_eq!(cache.entry_count(), 1);
/// ```
pub trait Engine: Send + Sync + 'static {
    #[doc(hidden)]
    type Sync<K, V>;
    #[doc(hidden)]
    type Async<K, V>;
}

/// moka: `moka::sync::Cache` for sync fns, `moka::future::Cache` for `async fn`s.
#[derive(Debug, Clone, Copy)]
pub struct Moka;

/// quick_cache with a per-entry TTL, the same store for sync fns and `async fn`s.
#[derive(Debug, Clone, Copy)]
pub struct Fast;

impl Engine for Moka {
    type Sync<K, V> = ::moka::sync::Cache<K, V, super::Hasher>;
    type Async<K, V> = ::moka::future::Cache<K, V, super::Hasher>;
}

impl Engine for Fast {
    type Sync<K, V> = FastStore<K, V>;
    type Async<K, V> = FastStore<K, V>;
}

/// What every store does, sync or not.
#[doc(hidden)]
pub trait Store<K, V>: Send + Sync + Sized + 'static {
    /// `"moka"` or `"fast"`, as the attribute and the report name the engine.
    const ENGINE: &'static str;
    /// Counts evictions for size (not expiry, not invalidation) in `evictions`.
    fn build(config: &CacheConfig, evictions: &'static AtomicU64) -> Self;
    /// Live entries, after any pending maintenance (which drops expired ones), from a sync caller.
    fn entries(&self) -> u64;
    /// Entries as of the last maintenance.
    fn count(&self) -> u64;
    fn clear(&self);
    /// Whether a live entry was removed; from sync code, for any store.
    fn remove_now(&self, key: &K) -> bool;
    /// Whether a live entry is held, without counting as an access.
    fn contains(&self, key: &K) -> bool;
}

/// A store for sync fns.
#[doc(hidden)]
pub trait SyncStore<K, V>: Store<K, V> {
    fn get(&self, key: &K) -> Option<V>;
    fn insert(&self, key: K, value: V);
    /// Expirations and evictions due now.
    fn run_pending_tasks(&self);
}

/// A store for `async fn`s.
#[doc(hidden)]
pub trait AsyncStore<K, V>: Store<K, V> {
    fn get(&self, key: &K) -> impl Future<Output = Option<V>> + Send;
    fn insert(&self, key: K, value: V) -> impl Future<Output = ()> + Send;
    /// Whether a live entry was removed.
    fn remove(&self, key: &K) -> impl Future<Output = bool> + Send;
    fn run_pending_tasks(&self) -> impl Future<Output = ()> + Send;
}
