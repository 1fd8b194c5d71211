//! One GCRA cell per key, on a sharded map with a bound. Keys are hashed once to 64 bits
//! (foldhash, fixed seed) and the map hashes nothing more, so a key of any type costs one
//! hash and no allocation per call.
//!
//! The bound: a key whose bucket is full again decides exactly as a key never seen, so at
//! `max_keys` a sweep drops every such key. If the sweep frees too little (more than
//! `max_keys` keys really are in use at once), new keys share one overflow cell until the
//! live ones refill: the limit stays enforced, on the crowd of new keys together, and
//! memory stays bounded.

use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};

use dashmap::DashMap;

use super::Quota;
use super::gcra::Cell;
use super::stats::LimitStats;

/// The default of `max_keys`.
pub const DEFAULT_MAX_KEYS: usize = 100_000;

/// The key's 64-bit hash, the same in every process (so the Redis scope names the key alike).
#[inline(always)]
pub fn key_hash<K: Hash + ?Sized>(key: &K) -> u64 {
    foldhash::fast::FixedState::with_seed(0x7065_7266_6c69_6d74).hash_one(key)
}

/// The keys are hashes already.
#[derive(Default)]
pub(crate) struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | b as u64;
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub(crate) struct Keyed {
    map: DashMap<u64, Cell, BuildHasherDefault<Identity>>,
    live: AtomicUsize,
    max_keys: usize,
    overflow: Cell,
    sweeping: AtomicBool,
    /// No sweep before this time: the last one freed too little.
    next_sweep_ns: AtomicU64,
}

/// Which cell decided.
pub(crate) enum Decided<R> {
    Own(R),
    Overflow(R),
}

impl Keyed {
    pub(crate) fn new(max_keys: usize) -> Self {
        Self {
            map: DashMap::with_hasher(BuildHasherDefault::default()),
            live: AtomicUsize::new(0),
            max_keys: max_keys.max(1),
            overflow: Cell::new(),
            sweeping: AtomicBool::new(false),
            next_sweep_ns: AtomicU64::new(0),
        }
    }

    /// Runs `decide` on `hash`'s cell, creating it (or falling back to the overflow cell).
    #[inline]
    pub(crate) fn with<R>(
        &self,
        hash: u64,
        now: u64,
        quota: Quota,
        stats: Option<&'static LimitStats>,
        decide: impl Fn(&Cell) -> R,
    ) -> Decided<R> {
        if let Some(cell) = self.map.get(&hash) {
            return Decided::Own(decide(&cell));
        }
        self.insert(hash, now, quota, stats, decide)
    }

    #[cold]
    #[inline(never)]
    fn insert<R>(
        &self,
        hash: u64,
        now: u64,
        quota: Quota,
        stats: Option<&'static LimitStats>,
        decide: impl Fn(&Cell) -> R,
    ) -> Decided<R> {
        if self.live.load(Relaxed) >= self.max_keys && !self.sweep(now, quota, stats) {
            return Decided::Overflow(decide(&self.overflow));
        }
        let entry = self.map.entry(hash).or_insert_with(|| {
            self.live.fetch_add(1, Relaxed);
            if let Some(stats) = stats {
                stats.live_keys.fetch_add(1, Relaxed);
            }
            Cell::new()
        });
        Decided::Own(decide(&entry))
    }

    /// Drops the keys whose bucket is full again; whether there is room now.
    fn sweep(&self, now: u64, quota: Quota, stats: Option<&'static LimitStats>) -> bool {
        if now < self.next_sweep_ns.load(Relaxed) || self.sweeping.swap(true, Relaxed) {
            return self.live.load(Relaxed) < self.max_keys;
        }
        let mut removed = 0usize;
        self.map.retain(|_, cell| {
            let keep = !cell.is_full_at(now);
            removed += usize::from(!keep);
            keep
        });
        let live = self.live.fetch_sub(removed, Relaxed) - removed;
        if let Some(stats) = stats {
            stats.live_keys.fetch_sub(removed as i64, Relaxed);
        }
        // Freed under 1/16 of the room: every key alive now is full again by `now + T + τ`;
        // sweeping before then would scan the map for little.
        if removed < self.max_keys / 16 {
            let refill = quota.emission_ns().saturating_add(quota.tolerance_ns());
            self.next_sweep_ns.store(now.saturating_add(refill), Relaxed);
        }
        self.sweeping.store(false, Relaxed);
        live < self.max_keys
    }

    pub(crate) fn live(&self) -> usize {
        self.live.load(Relaxed)
    }
}
