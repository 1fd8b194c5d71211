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
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

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
use crate::redis::pubsub::Invalidation;
use crate::redis::{self, client::Client};

use super::coherence;

type KeyFromJson<K> = fn(&[u8]) -> Option<K>;

/// How a cache's keys and values go to Redis, and keys come back from another process's
/// invalidation (coherent caches only).
pub(super) struct Serde<K, V> {
    key_json: fn(&K) -> Option<Vec<u8>>,
    key_from_json: Option<KeyFromJson<K>>,
    codec: Codec<V>,
}

impl<K: Serialize, V: Serialize + DeserializeOwned> Serde<K, V> {
    /// For `coherent = false`: keys need not deserialize.
    fn local() -> Self {
        let key_json = |key: &K| crate::report::json::to_vec(key).ok();
        Self { key_json, key_from_json: None, codec: Codec::new() }
    }
}

impl<K: Serialize + DeserializeOwned, V: Serialize + DeserializeOwned> Serde<K, V> {
    fn coherent() -> Self {
        Self {
            key_from_json: Some(|json| crate::report::json::from_slice(json).ok()),
            ..Self::local()
        }
    }
}

/// A cache's Redis level: its site (the key prefix, the counters), its [`Serde`], and its part
/// in cross-process invalidation.
pub(super) struct Level<K, V> {
    pub(super) site: &'static L2Site,
    serde: Serde<K, V>,
    subscribed: AtomicBool,
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
        let serde = serde?;
        Some(Self {
            site: Box::leak(Box::new(site)),
            // Without `coherent`, nothing is published or received.
            subscribed: AtomicBool::new(serde.key_from_json.is_none()),
            serde,
        })
    }

    pub(super) fn coherent(&self) -> bool {
        self.serde.key_from_json.is_some()
    }

    /// The client and `key` in Redis' terms, unless Redis is off or its breaker is open.
    fn redis(&self, key: &K) -> Option<(Arc<Client>, Vec<u8>)> {
        let client = redis::client().filter(|c| !c.breaker.skipping())?;
        self.subscribe(&client);
        let key_json = (self.serde.key_json)(key)?;
        Some((client, key_json))
    }

    /// Joins the namespace's invalidations before this cache's first use of Redis.
    fn subscribe(&self, client: &Client) {
        if !self.subscribed.load(Relaxed) && !self.subscribed.swap(true, Relaxed) {
            super::coherence::subscribe(client, self.site.namespace(client));
        }
    }

    /// A key from another process's invalidation, if it decodes.
    pub(super) fn key_from_json(&self, json: &[u8]) -> Option<K> {
        self.serde.key_from_json.and_then(|decode| decode(json))
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
    /// [`bind`](Self::bind) for a cache with Redis behind it and `coherent = false`.
    #[doc(hidden)]
    #[inline(always)]
    pub fn bind_l2_local(&'static self, self_name: SelfName) -> &'static Self {
        if self.0.inner.get().is_none() {
            self.0.init(self_name, Some(Serde::local()));
        }
        self
    }

    /// [`bind`](Self::bind) for a cache with Redis behind it, whose memory follows other
    /// processes' invalidations.
    #[doc(hidden)]
    #[inline(always)]
    pub fn bind_l2(&'static self, self_name: SelfName) -> &'static Self
    where
        K: DeserializeOwned,
    {
        if self.0.inner.get().is_none() {
            self.0.init(self_name, Some(Serde::coherent()));
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
    /// [`bind`](Self::bind) for a cache with Redis behind it and `coherent = false`.
    #[doc(hidden)]
    #[inline(always)]
    pub fn bind_l2_local(&'static self, self_name: SelfName) -> &'static Self {
        if self.0.inner.get().is_none() {
            self.0.init(self_name, Some(Serde::local()));
        }
        self
    }

    /// [`bind`](Self::bind) for a cache with Redis behind it, whose memory follows other
    /// processes' invalidations.
    #[doc(hidden)]
    #[inline(always)]
    pub fn bind_l2(&'static self, self_name: SelfName) -> &'static Self
    where
        K: DeserializeOwned,
    {
        if self.0.inner.get().is_none() {
            self.0.init(self_name, Some(Serde::coherent()));
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
    // A tagged load reads its tags' generations in Redis too, before the fn runs.
    let redis_gens = match &redis {
        Some((client, _)) if !tags.is_empty() => site.generations_blocking(client, tags),
        _ => None,
    };
    let r = SyncCache::<K, V, E>::compute::<Kd, R, G>(inner, body);
    if let Some(v) = Kd::cacheable(&r) {
        // Redis first: a value it refuses as stale stays out of memory too.
        let fresh = match (&redis, &redis_gens) {
            (Some((client, key_json)), Some(g)) => {
                site.put_tagged_blocking(client, key_json, v, codec, tags, g)
            }
            (Some((client, key_json)), None) if tags.is_empty() => {
                site.put_blocking(client, key_json, v, codec);
                true
            }
            _ => true,
        };
        if fresh {
            SyncCache::<K, V, E>::store(inner, key, v.clone(), tags, &gens);
        }
    }
    if let (Some((client, _)), Some(lock)) = (&redis, lock) {
        site.unlock_blocking(client, lock);
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
    // A tagged load reads its tags' generations in Redis too, before the fn runs.
    let redis_gens = match &redis {
        Some((client, _)) if !tags.is_empty() => site.generations(client, tags).await,
        _ => None,
    };
    let r = AsyncCache::<K, V, E>::compute::<Kd, R, G>(inner, body).await;
    if let Some(v) = Kd::cacheable(&r) {
        // Redis first: a value it refuses as stale stays out of memory too.
        let fresh = match (&redis, &redis_gens) {
            (Some((client, key_json)), Some(g)) => {
                site.put_tagged(client, key_json, v, codec, tags, g).await
            }
            (Some((client, key_json)), None) if tags.is_empty() => {
                site.put(client, key_json, v, codec).await;
                true
            }
            _ => true,
        };
        if fresh {
            AsyncCache::<K, V, E>::store(inner, key, v.clone(), tags, &gens).await;
        }
    }
    if let (Some((client, _)), Some(lock)) = (&redis, lock) {
        site.unlock(client, lock).await;
    }
    leader.finish(Kd::cacheable(&r));
    r
}

/// For `warm`: whether Redis has `key`'s value, which then fills memory. A look, not a call:
/// it counts no hit or miss (a hit without the memory miss of a call would skew the hit rate).
pub(super) fn peek_blocking<K: Clone, V, S: SyncStore<K, V>>(
    inner: &Inner<K, V, S>,
    key: &K,
) -> bool {
    let Some(level) = &inner.l2 else { return false };
    let Some((client, key_json)) = level.redis(key) else { return false };
    match level.site.peek_blocking(&client, &key_json, &level.serde.codec) {
        Some(v) => {
            inner.l1.insert(key.clone(), v);
            true
        }
        None => false,
    }
}

/// [`peek_blocking`] for an `async fn`.
pub(super) async fn peek<K: Clone, V, S: AsyncStore<K, V>>(
    inner: &Inner<K, V, S>,
    key: &K,
) -> bool {
    let Some(level) = &inner.l2 else { return false };
    let Some((client, key_json)) = level.redis(key) else { return false };
    match level.site.peek(&client, &key_json, &level.serde.codec).await {
        Some(v) => {
            inner.l1.insert(key.clone(), v).await;
            true
        }
        None => false,
    }
}

pub(super) fn invalidate_blocking<K, V, S>(inner: &Inner<K, V, S>, key: &K) {
    let Some(level) = &inner.l2 else { return };
    if let Some((client, key_json)) = level.redis(key) {
        level.site.invalidate_blocking(&client, &key_json);
        if level.coherent() {
            let cache = level.site.fn_name().to_owned();
            let message = Invalidation::Key { cache, key_json };
            coherence::publish_blocking(&client, level.site.namespace(&client), &message);
        }
    }
}

pub(super) async fn invalidate<K, V, S>(inner: &Inner<K, V, S>, key: &K) {
    let Some(level) = &inner.l2 else { return };
    if let Some((client, key_json)) = level.redis(key) {
        level.site.invalidate(&client, &key_json).await;
        if level.coherent() {
            let cache = level.site.fn_name().to_owned();
            let message = Invalidation::Key { cache, key_json };
            coherence::publish(&client, level.site.namespace(&client), &message).await;
        }
    }
}

pub(super) fn invalidate_all_blocking<K, V, S>(inner: &Inner<K, V, S>) {
    if let (Some(level), Some(client)) = (&inner.l2, redis::client()) {
        level.site.invalidate_all_blocking(client.clone());
        if level.coherent() {
            let message = Invalidation::All { cache: level.site.fn_name().to_owned() };
            coherence::publish_blocking(&client, level.site.namespace(&client), &message);
        }
    }
}

pub(super) async fn invalidate_all<K, V, S>(inner: &Inner<K, V, S>) {
    if let (Some(level), Some(client)) = (&inner.l2, redis::client()) {
        level.site.invalidate_all(&client).await;
        if level.coherent() {
            let message = Invalidation::All { cache: level.site.fn_name().to_owned() };
            coherence::publish(&client, level.site.namespace(&client), &message).await;
        }
    }
}

/// A tag's entries in Redis, in every namespace this process's caches use, and the message that
/// tells other processes to drop theirs; before memory, so that no load here refills memory
/// from Redis' old entries.
pub(super) fn invalidate_tag_blocking(tag: &str) {
    let Some(client) = redis::client() else { return };
    for namespace in coherence::namespaces(&client) {
        let outcome = crate::redis::tags::invalidate_tag_blocking(&client, &namespace, tag);
        count_tag_fault(&client, &namespace, &outcome);
        let message = Invalidation::Tag { tag: tag.to_owned() };
        coherence::publish_blocking(&client, &namespace, &message);
    }
}

pub(super) async fn invalidate_tag(tag: &str) {
    let Some(client) = redis::client() else { return };
    for namespace in coherence::namespaces(&client) {
        let outcome = crate::redis::tags::invalidate_tag(&client, &namespace, tag).await;
        count_tag_fault(&client, &namespace, &outcome);
        let message = Invalidation::Tag { tag: tag.to_owned() };
        coherence::publish(&client, &namespace, &message).await;
    }
}

/// A tag's invalidation that failed in Redis left entries of every `l2` cache of `namespace`
/// there: each counts the fault in its report entry.
fn count_tag_fault(client: &Client, namespace: &str, outcome: &crate::redis::client::Outcome<u64>) {
    if matches!(outcome, crate::redis::client::Outcome::Done(_)) {
        return;
    }
    super::registry::each(|c| {
        if let Some(site) = c.l2().filter(|site| site.namespace(client) == namespace) {
            site.count_fault(outcome);
        }
    });
}
