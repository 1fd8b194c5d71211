//! The fast engine's map: quick_cache's single-threaded S3-FIFO cache in shards, each behind
//! crossbeam's `ShardedLock` of our own.
//!
//! quick_cache's `sync::Cache` chooses its lock with cargo features, `parking_lot` (its default)
//! or `sharded-lock`, declared mutually exclusive: a library that enables `sharded-lock` breaks
//! every graph that also has quick_cache at its defaults (issue 29), and one that takes the
//! default gets parking_lot's lock, whose reader count is one cache line every reader writes
//! (two threads hitting one key: ≈ 50 ns a hit instead of ≈ 14). Locking `unsync::Cache` shards
//! ourselves keeps the reader-friendly lock under every feature set: a `ShardedLock` reader
//! locks only its own slot, so concurrent hits share no written cache line but the entry's.

use std::hash::{BuildHasher, BuildHasherDefault, Hash};
use std::sync::PoisonError;

use crossbeam_utils::CachePadded;
use crossbeam_utils::sync::ShardedLock;
use quick_cache::unsync::Cache;
use quick_cache::{Equivalent, Lifecycle, OptionsBuilder, UnitWeighter};

use crate::cache::Hasher;

/// A shard's map: keys carry the hash that chose their shard, so that a lookup hashes the key
/// once (the shard's table reads the stored hash back through [`Passthrough`]).
type Shard<K, V, L> = Cache<Hashed<K>, V, UnitWeighter, BuildHasherDefault<Passthrough>, L>;

/// Padded so that a write to one shard's lock or table header never moves its neighbour's line.
type Locked<K, V, L> = CachePadded<ShardedLock<Shard<K, V, L>>>;

/// A capacity-bounded map of `K` to `V`, sharded by hash; `L` hears of evictions.
pub(crate) struct Shards<K, V, L> {
    shards: Box<[Locked<K, V, L>]>,
    mask: u64,
    hasher: Hasher,
    _lifecycle: std::marker::PhantomData<L>,
}

/// A stored key and its hash.
pub(crate) struct Hashed<K> {
    hash: u64,
    key: K,
}

impl<K: Eq> PartialEq for Hashed<K> {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && self.key == other.key
    }
}

impl<K: Eq> Eq for Hashed<K> {}

impl<K> Hash for Hashed<K> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// A key looked up: borrowed, with its hash.
struct Lookup<'a, K> {
    hash: u64,
    key: &'a K,
}

impl<K> Hash for Lookup<'_, K> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl<K: Eq> Equivalent<Hashed<K>> for Lookup<'_, K> {
    fn equivalent(&self, stored: &Hashed<K>) -> bool {
        self.hash == stored.hash && *self.key == stored.key
    }
}

/// Hands the hash a [`Hashed`] or [`Lookup`] writes through unchanged.
#[derive(Default)]
pub(crate) struct Passthrough(u64);

impl std::hash::Hasher for Passthrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is ever called; fold anything else in rather than lose it.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }
}

impl<K, V, L> Shards<K, V, L>
where
    K: Hash + Eq,
    V: Clone,
    L: Lifecycle<Hashed<K>, V> + Clone,
{
    /// Holds about `capacity` entries: four shards a core, as quick_cache's `sync::Cache`, and
    /// fewer when that would leave a shard under 32 entries.
    pub(crate) fn new(capacity: u64, lifecycle: L) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let mut count = (cores * 4).next_power_of_two() as u64;
        while count > 1 && capacity.div_ceil(count) < 32 {
            count /= 2;
        }
        let per_shard = capacity.div_ceil(count).max(1);
        let hasher = Hasher::default();
        let shards = (0..count)
            .map(|_| {
                let options = OptionsBuilder::new()
                    .estimated_items_capacity(usize::try_from(per_shard).unwrap_or(usize::MAX))
                    .weight_capacity(per_shard)
                    .build()
                    .expect("a capacity above zero");
                let cache = Cache::with_options(
                    options,
                    UnitWeighter,
                    BuildHasherDefault::default(),
                    lifecycle.clone(),
                );
                CachePadded::new(ShardedLock::new(cache))
            })
            .collect();
        Self { shards, mask: count - 1, hasher, _lifecycle: std::marker::PhantomData }
    }

    /// The middle bits of the hash pick the shard: hashbrown probes with the low bits and tags
    /// with the top 7, so keys of one shard still spread over its table (as quick_cache does).
    #[inline(always)]
    fn shard(&self, hash: u64) -> &ShardedLock<Shard<K, V, L>> {
        // The mask keeps the index below the shard count, a usize.
        &self.shards[(hash.rotate_right(32) & self.mask) as usize]
    }

    /// A hit counts as an access for the eviction policy.
    #[inline(always)]
    pub(crate) fn get(&self, key: &K) -> Option<V> {
        let hash = self.hasher.hash_one(key);
        let shard = self.shard(hash).read().unwrap_or_else(PoisonError::into_inner);
        shard.get(&Lookup { hash, key }).cloned()
    }

    /// Without counting an access.
    pub(crate) fn peek(&self, key: &K) -> Option<V> {
        let hash = self.hasher.hash_one(key);
        let shard = self.shard(hash).read().unwrap_or_else(PoisonError::into_inner);
        shard.peek(&Lookup { hash, key }).cloned()
    }

    /// What the insert evicts is dropped after the shard's lock is released.
    pub(crate) fn insert(&self, key: K, value: V) {
        let hash = self.hasher.hash_one(&key);
        let mut evicted = L::RequestState::default();
        {
            let mut shard = self.shard(hash).write().unwrap_or_else(PoisonError::into_inner);
            shard.insert_with_lifecycle(Hashed { hash, key }, value, &mut evicted);
        }
        drop(evicted);
    }

    pub(crate) fn remove(&self, key: &K) -> Option<V> {
        let hash = self.hasher.hash_one(key);
        let mut shard = self.shard(hash).write().unwrap_or_else(PoisonError::into_inner);
        shard.remove(&Lookup { hash, key }).map(|(_, v)| v)
    }

    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|s| s.read().unwrap_or_else(PoisonError::into_inner).len()).sum()
    }

    pub(crate) fn clear(&self) {
        for shard in &*self.shards {
            shard.write().unwrap_or_else(PoisonError::into_inner).clear();
        }
    }

    pub(crate) fn retain(&self, keep: impl Fn(&V) -> bool) {
        for shard in &*self.shards {
            shard.write().unwrap_or_else(PoisonError::into_inner).retain(|_, v| keep(v));
        }
    }
}
