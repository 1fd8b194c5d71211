//! `l2 = "redis"`: what a cache does around its in-memory level when Redis is behind it.
//!
//! On an L1 miss, the one caller loading the key (see `flight.rs`) asks Redis first; a hit fills
//! L1. On a Redis miss it takes the cross-process lock when `lock = true`, runs the fn, and
//! stores a cacheable result in both levels. Every Redis fault only costs that caller its L2
//! benefit (see `redis/`). Without a configured Redis the cache behaves as L1 alone.
//!
//! The serde bounds hold only in [`SyncCache::bind_l2`] and [`AsyncCache::bind_l2`]: they
//! capture how keys and values are serialized as fn pointers ([`Serde`]), so the load path that
//! L2 caches share with memory-only ones needs no bounds of its own.

use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Hasher;
use super::async_cache::{AsyncCache, AsyncCacheInner};
use super::config::CacheConfig;
use super::core::Inner;
use super::engine::{AsyncStore, Engine, SyncStore};
use super::flight::Leader;
use super::kind::Kind;
use super::sync_cache::{SyncCache, SyncCacheInner};
use super::tags::Generations;
use crate::record::site_name::SelfName;
use crate::redis::codec::Codec;
use crate::redis::layer::{L2Site, LoadLock};
use crate::redis::{self, client::Client};

/// How a cache's keys and values go to Redis.
pub(super) struct Serde<K, V> {
    key_json: fn(&K) -> Option<Vec<u8>>,
    codec: Codec<V>,
}

impl<K: Serialize, V: Serialize + DeserializeOwned> Serde<K, V> {
    fn new() -> Self {
        Self { key_json: |key| serde_json::to_vec(key).ok(), codec: Codec::new() }
    }
}

/// A cache's Redis level: its site (the key prefix, the counters) and its [`Serde`].
pub(super) struct Level<K, V> {
    pub(super) site: &'static L2Site,
    serde: Serde<K, V>,
}

impl<K, V> Level<K, V> {
    /// The level of a cache configured with `l2`, once `bind_l2` has given its serde.
    pub(super) fn new(
        config: &CacheConfig,
        name: &str,
        serde: Option<Serde<K, V>>,
    ) -> Option<Self> {
        if !config.l2 {
            return None;
        }
        let crate_name = config.module.split("::").next().unwrap_or(config.module);
        let fn_name: &'static str = Box::leak(name.to_owned().into_boxed_str());
        let lock_ttl = config.lock.then(|| config.l1_ttl().min(std::time::Duration::from_secs(10)));
        let site = L2Site::new(fn_name, crate_name, config.schema, config.ttl(), lock_ttl);
        Some(Self { site: Box::leak(Box::new(site)), serde: serde? })
    }

    /// The client and `key` in Redis' terms, unless Redis is off or its breaker is open.
    fn redis(&self, key: &K) -> Option<(Arc<Client>, Vec<u8>)> {
        let client = redis::client().filter(|c| !c.breaker.skipping())?;
        let key_json = (self.serde.key_json)(key)?;
        Some((client, key_json))
    }
}

/// What Redis had for a leader's key: the value, or whether this process loads it under the
/// cross-process lock.
type Found<V> = Result<V, Option<LoadLock>>;

impl<K, V, E: Engine> SyncCache<K, V, E>
where
    K: Hash + Eq + Clone + Send + Sync + Serialize + 'static,
    V: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    E::Sync<K, V>: SyncStore<K, V>,
{
    /// [`bind`](Self::bind) for a cache with Redis behind it.
    #[doc(hidden)]
    #[inline(always)]
    pub fn bind_l2(&'static self, self_name: SelfName) -> &'static Self {
        if self.0.inner.get().is_none() {
            self.0.init(self_name, Some(Serde::new()));
        }
        self
    }
}

impl<K, V, E: Engine> AsyncCache<K, V, E>
where
    K: Hash + Eq + Clone + Send + Sync + Serialize + 'static,
    V: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    E::Async<K, V>: AsyncStore<K, V>,
{
    /// [`bind`](Self::bind) for a cache with Redis behind it.
    #[doc(hidden)]
    #[inline(always)]
    pub fn bind_l2(&'static self, self_name: SelfName) -> &'static Self {
        if self.0.inner.get().is_none() {
            self.0.init(self_name, Some(Serde::new()));
        }
        self
    }
}

/// A load that missed memory, as its leader hands it to the Redis level.
pub(super) struct Load<'t, K: Hash + Eq + 'static, V: 'static, G> {
    pub(super) leader: Leader<'static, K, V, Hasher>,
    pub(super) key: K,
    pub(super) tags: &'t [String],
    pub(super) gens: Generations,
    pub(super) body: G,
}

/// The rest of a sync load by the key's `leader`, with Redis between memory and the fn.
pub(super) fn load_blocking<K, V, E, Kd: Kind<R, V>, R, G: FnOnce() -> R>(
    inner: &'static SyncCacheInner<K, V, E>,
    level: &'static Level<K, V>,
    Load { leader, key, tags, gens, body }: Load<'_, K, V, G>,
) -> R
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    E: Engine,
    E::Sync<K, V>: SyncStore<K, V>,
{
    let (site, codec) = (level.site, &level.serde.codec);
    let redis = level.redis(&key);
    let mut lock = None;
    if let Some((client, key_json)) = &redis {
        let found: Found<V> = match site.get_blocking(client, key_json, codec) {
            Some(v) => Ok(v),
            None => match site.lock_or_wait_blocking(client, key_json, codec) {
                Err(v) => Ok(v),
                Ok(held) => Err(held),
            },
        };
        match found {
            Ok(v) => {
                SyncCache::<K, V, E>::store(inner, key, v.clone(), tags, &gens);
                leader.finish(Some(&v));
                return Kd::from_cached(v);
            }
            Err(held) => lock = held,
        }
    }
    let r = SyncCache::<K, V, E>::run::<Kd, R, G>(inner, key, tags, &gens, body);
    if let Some((client, key_json)) = &redis {
        if let Some(v) = Kd::cacheable(&r) {
            site.put_blocking(client, key_json, v, codec);
        }
        if let Some(lock) = lock {
            site.unlock_blocking(client, lock);
        }
    }
    leader.finish(Kd::cacheable(&r));
    r
}

/// [`load_blocking`] for an `async fn`.
pub(super) async fn load<K, V, E, Kd: Kind<R, V>, R, G: Future<Output = R>>(
    inner: &'static AsyncCacheInner<K, V, E>,
    level: &'static Level<K, V>,
    Load { leader, key, tags, gens, body }: Load<'_, K, V, G>,
) -> R
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    E: Engine,
    E::Async<K, V>: AsyncStore<K, V>,
{
    let (site, codec) = (level.site, &level.serde.codec);
    let redis = level.redis(&key);
    let mut lock = None;
    if let Some((client, key_json)) = &redis {
        let found: Found<V> = match site.get(client, key_json, codec).await {
            Some(v) => Ok(v),
            None => match site.lock_or_wait(client, key_json, codec).await {
                Err(v) => Ok(v),
                Ok(held) => Err(held),
            },
        };
        match found {
            Ok(v) => {
                AsyncCache::<K, V, E>::store(inner, key, v.clone(), tags, &gens).await;
                leader.finish(Some(&v));
                return Kd::from_cached(v);
            }
            Err(held) => lock = held,
        }
    }
    let r = AsyncCache::<K, V, E>::run::<Kd, R, G>(inner, key, tags, &gens, body).await;
    if let Some((client, key_json)) = &redis {
        if let Some(v) = Kd::cacheable(&r) {
            site.put(client, key_json, v, codec).await;
        }
        if let Some(lock) = lock {
            site.unlock(client, lock).await;
        }
    }
    leader.finish(Kd::cacheable(&r));
    r
}

pub(super) fn invalidate_blocking<K, V, S>(inner: &Inner<K, V, S>, key: &K) {
    let Some(level) = &inner.l2 else { return };
    if let Some((client, key_json)) = level.redis(key) {
        level.site.invalidate_blocking(&client, &key_json);
    }
}

pub(super) async fn invalidate<K, V, S>(inner: &Inner<K, V, S>, key: &K) {
    let Some(level) = &inner.l2 else { return };
    if let Some((client, key_json)) = level.redis(key) {
        level.site.invalidate(&client, &key_json).await;
    }
}

pub(super) fn invalidate_all_blocking<K, V, S>(inner: &Inner<K, V, S>) {
    if let (Some(level), Some(client)) = (&inner.l2, redis::client()) {
        level.site.invalidate_all_blocking(client);
    }
}

pub(super) async fn invalidate_all<K, V, S>(inner: &Inner<K, V, S>) {
    if let (Some(level), Some(client)) = (&inner.l2, redis::client()) {
        level.site.invalidate_all(&client).await;
    }
}
