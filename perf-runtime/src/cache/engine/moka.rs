//! The moka engine: what `#[cached]` used alone before engines were a choice.

use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use super::{AsyncStore, Store, SyncStore};
use crate::cache::Hasher;
use crate::cache::config::CacheConfig;

/// The same builder calls on `moka::sync` and `moka::future`, whose builders are distinct types.
macro_rules! build_moka {
    ($moka:ident, $config:expr, $evictions:expr) => {{
        let (config, evictions): (&CacheConfig, &'static AtomicU64) = ($config, $evictions);
        let mut builder = moka::$moka::Cache::builder()
            .max_capacity(config.capacity)
            .time_to_live(config.l1_ttl())
            .eviction_policy(config.moka_policy())
            .eviction_listener(move |_, _, cause| {
                if cause == moka::notification::RemovalCause::Size {
                    evictions.fetch_add(1, Relaxed);
                }
            });
        if let Some(tti) = config.tti() {
            builder = builder.time_to_idle(tti);
        }
        builder.build_with_hasher(Hasher::default())
    }};
}

impl<K, V> Store<K, V> for moka::sync::Cache<K, V, Hasher>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    const ENGINE: &'static str = "moka";

    fn build(config: &CacheConfig, evictions: &'static AtomicU64) -> Self {
        build_moka!(sync, config, evictions)
    }

    fn entries(&self) -> u64 {
        self.run_pending_tasks();
        self.entry_count()
    }

    fn count(&self) -> u64 {
        self.entry_count()
    }

    fn clear(&self) {
        self.invalidate_all();
    }

    fn remove_now(&self, key: &K) -> bool {
        moka::sync::Cache::remove(self, key).is_some()
    }

    fn contains(&self, key: &K) -> bool {
        self.contains_key(key)
    }
}

impl<K, V> SyncStore<K, V> for moka::sync::Cache<K, V, Hasher>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    #[inline(always)]
    fn get(&self, key: &K) -> Option<V> {
        moka::sync::Cache::get(self, key)
    }

    fn insert(&self, key: K, value: V) {
        moka::sync::Cache::insert(self, key, value);
    }

    fn run_pending_tasks(&self) {
        moka::sync::Cache::run_pending_tasks(self);
    }
}

impl<K, V> Store<K, V> for moka::future::Cache<K, V, Hasher>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    const ENGINE: &'static str = "moka";

    fn build(config: &CacheConfig, evictions: &'static AtomicU64) -> Self {
        build_moka!(future, config, evictions)
    }

    fn entries(&self) -> u64 {
        // moka::future updates its count only in maintenance, which it runs only through
        // `.await`; the report is sync, so the maintenance is driven here.
        let pending = moka::future::Cache::run_pending_tasks(self);
        crate::cache::block_on::bounded(pending, crate::cache::block_on::REPORT_WAIT);
        self.entry_count()
    }

    fn count(&self) -> u64 {
        self.entry_count()
    }

    fn clear(&self) {
        self.invalidate_all();
    }

    fn remove_now(&self, key: &K) -> bool {
        // Bounded as the report's maintenance is (see block_on.rs): moka::future has no sync
        // removal, and its removal may wait on maintenance suspended on this very thread.
        let removed = AsyncStore::remove(self, key);
        crate::cache::block_on::bounded(removed, crate::cache::block_on::REPORT_WAIT)
            .unwrap_or(false)
    }

    fn contains(&self, key: &K) -> bool {
        self.contains_key(key)
    }
}

impl<K, V> AsyncStore<K, V> for moka::future::Cache<K, V, Hasher>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    fn get(&self, key: &K) -> impl Future<Output = Option<V>> + Send {
        moka::future::Cache::get(self, key)
    }

    fn insert(&self, key: K, value: V) -> impl Future<Output = ()> + Send {
        moka::future::Cache::insert(self, key, value)
    }

    fn remove(&self, key: &K) -> impl Future<Output = bool> + Send {
        let removed = moka::future::Cache::remove(self, key);
        async { removed.await.is_some() }
    }

    fn run_pending_tasks(&self) -> impl Future<Output = ()> + Send {
        moka::future::Cache::run_pending_tasks(self)
    }
}
