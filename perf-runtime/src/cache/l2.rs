//! `l2 = "redis"`: what a cache does around its in-memory level when Redis is behind it.
//!
//! On an L1 miss, the one caller loading the key (see `flight.rs`) asks Redis first; a hit fills
//! L1. On a Redis miss it takes the cross-process lock when `lock = true`, runs the fn, and
//! stores a cacheable result in both levels. Every Redis fault only costs that caller its L2
//! benefit (see `redis/`). Without a configured Redis the cache behaves as L1 alone.

use std::future::Future;
use std::hash::Hash;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::async_cache::AsyncCache;
use super::config::CacheConfig;
use super::core::Inner;
use super::flight::Role;
use super::kind::Kind;
use super::sync_cache::SyncCache;
use super::{KeyJson, record};
use crate::callsite::SelfName;
use crate::redis::layer::L2Site;
use crate::redis::{self, client::Client};

pub(super) fn site(config: &CacheConfig, name: &str) -> Option<&'static L2Site> {
    if !config.l2 {
        return None;
    }
    let crate_name = config.module.split("::").next().unwrap_or(config.module);
    let fn_name: &'static str = Box::leak(name.to_owned().into_boxed_str());
    let lock_ttl = config.lock.then(|| config.l1_ttl().min(std::time::Duration::from_secs(10)));
    Some(Box::leak(Box::new(L2Site::new(
        fn_name,
        crate_name,
        config.schema,
        config.ttl(),
        lock_ttl,
    ))))
}

fn encode<K: Serialize>(key: &K) -> Option<Vec<u8>> {
    serde_json::to_vec(key).ok()
}

/// The site, the client and the key in Redis' terms, when all three are there.
fn level<K>(
    site: Option<&'static L2Site>,
    encode: KeyJson<K>,
    key: &K,
) -> Option<(&'static L2Site, std::sync::Arc<Client>, Vec<u8>)> {
    let site = site?;
    let client = redis::client().filter(|c| !c.breaker.skipping())?;
    Some((site, client, encode?(key)?))
}

impl<K, V> SyncCache<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + Serialize + 'static,
    V: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
{
    /// [`bind`](Self::bind) for a cache with Redis behind it.
    #[doc(hidden)]
    #[inline(always)]
    pub fn bind_l2(&'static self, self_name: SelfName) -> &'static Self {
        if self.0.inner.get().is_none() {
            self.0.init(self_name, Some(encode::<K>));
        }
        self
    }

    /// [`load`](Self::load) with Redis between the memory and the fn.
    #[doc(hidden)]
    pub fn load_l2<Kd: Kind<R, V>, R, F: FnOnce() -> R>(&'static self, key: K, load: F) -> R {
        let inner = self.0.inner(None);
        if let Some(v) = inner.l1.get(&key) {
            record::hit(inner.stats);
            return Kd::from_cached(v);
        }
        record::miss(inner.stats);
        let leader = match inner.flights.join(&key) {
            Role::Leader(leader) => leader,
            Role::Waiter(flight) => {
                record::coalesced(inner.stats);
                if let Some(v) = flight.wait() {
                    return Kd::from_cached(v);
                }
                return Self::run::<Kd, R, F>(inner, key, load);
            }
        };
        // No second memory lookup for a leader that raced another one's finish: it would cost
        // every L2 read to spare that rare race one GET, which then finds the value anyway.
        let level = level(inner.l2, inner.key_json, &key);
        let mut lock = None;
        if let Some((site, client, key_json)) = &level {
            let found = site.get_blocking::<V>(client, key_json).map_or_else(
                || site.lock_or_wait_blocking::<V>(client, key_json).map_err(Some),
                |v| Err(Some(v)),
            );
            match found {
                Err(Some(v)) => {
                    inner.l1.insert(key, v.clone());
                    leader.finish(Some(&v));
                    return Kd::from_cached(v);
                }
                Err(None) => {}
                Ok(held) => lock = held,
            }
        }
        let r = Self::run::<Kd, R, F>(inner, key, load);
        if let Some((site, client, key_json)) = &level {
            if let Some(v) = Kd::cacheable(&r) {
                site.put_blocking(client, key_json, v);
            }
            if let Some(lock) = lock {
                site.unlock_blocking(client, lock);
            }
        }
        leader.finish(Kd::cacheable(&r));
        r
    }
}

impl<K, V> AsyncCache<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + Serialize + 'static,
    V: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
{
    /// [`bind`](Self::bind) for a cache with Redis behind it.
    #[doc(hidden)]
    #[inline(always)]
    pub fn bind_l2(&'static self, self_name: SelfName) -> &'static Self {
        if self.0.inner.get().is_none() {
            self.0.init(self_name, Some(encode::<K>));
        }
        self
    }

    /// [`load`](Self::load) with Redis between the memory and the fn.
    #[doc(hidden)]
    pub async fn load_l2<Kd: Kind<R, V>, R, F: Future<Output = R>>(
        &'static self,
        key: K,
        load: F,
    ) -> R {
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
                return Self::run::<Kd, R, F>(inner, key, load).await;
            }
        };
        let level = level(inner.l2, inner.key_json, &key);
        let mut lock = None;
        if let Some((site, client, key_json)) = &level {
            let found = match site.get::<V>(client, key_json).await {
                Some(v) => Err(Some(v)),
                None => site.lock_or_wait::<V>(client, key_json).await.map_err(Some),
            };
            match found {
                Err(Some(v)) => {
                    inner.l1.insert(key, v.clone()).await;
                    leader.finish(Some(&v));
                    return Kd::from_cached(v);
                }
                Err(None) => {}
                Ok(held) => lock = held,
            }
        }
        let r = Self::run::<Kd, R, F>(inner, key, load).await;
        if let Some((site, client, key_json)) = &level {
            if let Some(v) = Kd::cacheable(&r) {
                site.put(client, key_json, v).await;
            }
            if let Some(lock) = lock {
                site.unlock(client, lock).await;
            }
        }
        leader.finish(Kd::cacheable(&r));
        r
    }
}

pub(super) fn invalidate_blocking<K, V, S>(inner: &Inner<K, V, S>, key: &K) {
    if let Some((site, client, key_json)) = level(inner.l2, inner.key_json, key) {
        site.invalidate_blocking(&client, &key_json);
    }
}

pub(super) async fn invalidate<K, V, S>(inner: &Inner<K, V, S>, key: &K) {
    if let Some((site, client, key_json)) = level(inner.l2, inner.key_json, key) {
        site.invalidate(&client, &key_json).await;
    }
}

pub(super) fn invalidate_all_blocking(site: Option<&'static L2Site>) {
    if let (Some(site), Some(client)) = (site, redis::client()) {
        site.invalidate_all_blocking(client);
    }
}

pub(super) async fn invalidate_all(site: Option<&'static L2Site>) {
    if let (Some(site), Some(client)) = (site, redis::client()) {
        site.invalidate_all(&client).await;
    }
}
