//! What the sync and the async cache share: a cache built on first use from its config, its
//! stats, its single flight, its Redis level, and its entry in the registry. The two differ only
//! in their engine's store and in whether loading awaits.

use std::hash::Hash;
use std::sync::OnceLock;

use super::Hasher;
use super::config::CacheConfig;
use super::engine::Store;
use super::flight::Flights;
use super::registry::{self, Registered};
use super::stats::CacheStats;
use super::tags::{Generations, TagIndex};
use crate::record::site_name::SelfName;

pub(super) struct Core<K, V, S> {
    pub(super) config: CacheConfig,
    pub(super) inner: OnceLock<Inner<K, V, S>>,
}

pub(super) struct Inner<K, V, S> {
    pub(super) l1: S,
    pub(super) tags: TagIndex<K>,
    pub(super) flights: Flights<K, V, Hasher>,
    pub(super) stats: &'static CacheStats,
    #[cfg(feature = "redis")]
    pub(super) l2: Option<super::l2::Level<K, V>>,
}

/// What `bind_l2` gives a cache's first build: how its keys and values go to Redis.
#[cfg(feature = "redis")]
pub(super) type L2Serde<K, V> = Option<super::l2::Serde<K, V>>;
#[cfg(not(feature = "redis"))]
pub(super) type L2Serde<K, V> = std::marker::PhantomData<fn() -> (K, V)>;

impl<K, V, S> Core<K, V, S> {
    pub(super) const fn new(config: CacheConfig) -> Self {
        Self { config, inner: OnceLock::new() }
    }
}

impl<K, V, S> Core<K, V, S>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    S: Store<K, V>,
{
    #[inline(always)]
    pub(super) fn inner(&'static self, self_name: SelfName) -> &'static Inner<K, V, S> {
        match self.inner.get() {
            Some(inner) => inner,
            None => self.init(self_name, L2Serde::default()),
        }
    }

    #[cold]
    #[inline(never)]
    pub(super) fn init(
        &'static self,
        self_name: SelfName,
        #[cfg_attr(not(feature = "redis"), allow(unused_variables))] serde: L2Serde<K, V>,
    ) -> &'static Inner<K, V, S> {
        crate::export::first_use();
        let stats: &'static CacheStats = Box::leak(Box::new(CacheStats::new()));
        let name = self.config.name(self_name);
        // Registered before any caller can see the cache built: a caller that finds it built
        // then finds it in the report too (registered after, a load racing the builder's
        // registration once ran without it).
        self.inner.get_or_init(|| {
            let inner = Inner {
                #[cfg(feature = "redis")]
                l2: super::l2::Level::new(&self.config, &name, serde),
                l1: S::build(&self.config, &stats.evictions),
                tags: TagIndex::new(self.config.capacity),
                flights: Flights::new(Hasher::default()),
                stats,
            };
            registry::register(name, self);
            inner
        })
    }
}

impl<K, V, S> Inner<K, V, S>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    S: Store<K, V>,
{
    /// Joins `key` to its tags' index before the entry goes in (see `tags.rs`); false if a tag
    /// was invalidated since `gens` were read, and the entry must not be stored.
    pub(super) fn tag(&self, key: &K, tags: &[String], gens: &Generations) -> bool {
        tags.is_empty() || self.tags.add(key, tags, gens, |k| self.l1.contains(k))
    }

    /// After the entry went in: removes it again if a tag was invalidated meanwhile.
    pub(super) fn recheck(&self, key: &K, tags: &[String], gens: &Generations) {
        if !tags.is_empty() && !gens.current(tags) {
            self.l1.remove_now(key);
            self.tags.remove(key);
        }
    }
}

impl<K, V, S> Registered for Core<K, V, S>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    S: Store<K, V>,
{
    fn stats(&self) -> Option<&'static CacheStats> {
        self.inner.get().map(|i| i.stats)
    }

    fn entries(&self) -> u64 {
        self.inner.get().map_or(0, |i| i.l1.entries())
    }

    fn engine(&self) -> &'static str {
        S::ENGINE
    }

    #[cfg(feature = "redis")]
    fn l2(&self) -> Option<&'static crate::redis::layer::L2Site> {
        self.inner.get().and_then(|i| i.l2.as_ref()).map(|l2| l2.site)
    }

    fn invalidate_tag(&self, tag: &str) -> usize {
        let Some(i) = self.inner.get() else { return 0 };
        i.tags.take(tag).iter().filter(|key| i.l1.remove_now(key)).count()
    }

    #[cfg(feature = "redis")]
    fn clear_l1(&self) {
        if let Some(i) = self.inner.get() {
            i.l1.clear();
            i.tags.clear();
        }
    }

    #[cfg(feature = "redis")]
    fn coherent(&self) -> bool {
        self.inner.get().and_then(|i| i.l2.as_ref()).is_some_and(|l2| l2.coherent())
    }

    #[cfg(feature = "redis")]
    fn invalidate_l1_json(&self, key_json: &[u8]) {
        let Some(i) = self.inner.get() else { return };
        if let Some(key) = i.l2.as_ref().and_then(|l2| l2.key_from_json(key_json)) {
            i.l1.remove_now(&key);
            i.tags.remove(&key);
        }
    }

    fn clear(&self) {
        if let Some(i) = self.inner.get() {
            #[cfg(feature = "redis")]
            super::l2::invalidate_all_blocking(i);
            i.l1.clear();
            i.tags.clear();
        }
    }
}
