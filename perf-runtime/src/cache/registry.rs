//! Every cache that has been used, by name: for the report and for invalidation by name.

use std::sync::LazyLock;

use dashmap::DashMap;

use super::report::{CacheReport, L2Counts};
use super::stats::CacheStats;

pub(crate) trait Registered: Sync {
    fn stats(&self) -> Option<&'static CacheStats>;
    fn entries(&self) -> u64;
    /// `"moka"` or `"fast"`.
    fn engine(&self) -> &'static str;
    #[cfg(feature = "redis")]
    fn l2(&self) -> Option<&'static crate::redis::layer::L2Site>;
    /// Removes the entries tagged `tag` from memory; returns how many were live.
    fn invalidate_tag(&self, tag: &str) -> usize;
    fn clear(&self);
    /// Empties memory only (another process invalidated everything, or a lost subscription).
    #[cfg(feature = "redis")]
    fn clear_l1(&self);
    /// Whether other processes' invalidations reach this cache's memory.
    #[cfg(feature = "redis")]
    fn coherent(&self) -> bool;
    /// Drops the key whose JSON another process's invalidation carried.
    #[cfg(feature = "redis")]
    fn invalidate_l1_json(&self, key_json: &[u8]);
}

static CACHES: LazyLock<DashMap<Box<str>, &'static dyn Registered>> = LazyLock::new(DashMap::new);

pub(crate) fn register(name: String, cache: &'static dyn Registered) {
    CACHES.entry(name.into_boxed_str()).or_insert(cache);
}

/// Empties the cache of the `#[cached]` fn called `name` (as the report names it). Returns
/// `false` if no such cache has been used yet, which means it holds nothing.
///
/// ```
/// #[perf_runtime::cached(ttl = "1m", name = "doc.users")]
/// fn user(id: u32) -> String {
///     format!("user {id}")
/// }
///
/// user(1);
/// assert!(perf_runtime::cache::invalidate_all("doc.users"));
/// assert!(!perf_runtime::cache::invalidate_all("doc.nope"));
/// ```
pub fn invalidate_all(name: &str) -> bool {
    match CACHES.get(name) {
        Some(cache) => {
            cache.clear();
            true
        }
        None => false,
    }
}

/// Removes every entry tagged `tag` (see `#[cached(tags = [...])]`) from the memory of every
/// `#[cached]` fn of this process, and returns how many it removed. An entry whose load began
/// before this call is not stored afterwards either (see `tags.rs`).
///
/// ```
/// use perf_runtime::cached;
///
/// #[cached(ttl = "10m", tags = ["product:{id}"])]
/// fn price(id: u64) -> u64 {
///     id * 100
/// }
///
/// #[cached(ttl = "10m", tags = ["product:{id}"])]
/// fn stock(id: u64) -> u64 {
///     id + 1
/// }
///
/// (price(7), stock(7), price(8));
/// assert_eq!(perf_runtime::cache::invalidate_tag("product:7"), 2);
/// assert_eq!(price_cache().entry_count(), 1); // 8's entry stays
/// ```
pub fn invalidate_tag(tag: &str) -> usize {
    // Redis before memory: a load here must not refill memory from Redis' old entries.
    #[cfg(feature = "redis")]
    super::l2::invalidate_tag_blocking(tag);
    invalidate_tag_in_memory(tag)
}

/// [`invalidate_tag`] for async callers.
pub async fn invalidate_tag_async(tag: &str) -> usize {
    #[cfg(feature = "redis")]
    super::l2::invalidate_tag(tag).await;
    invalidate_tag_in_memory(tag)
}

pub(super) fn invalidate_tag_in_memory(tag: &str) -> usize {
    super::tags::bump(tag);
    CACHES.iter().map(|e| e.value().invalidate_tag(tag)).sum()
}

/// The cache called `name`, if it has been used.
#[cfg(feature = "redis")]
pub(super) fn find(name: &str) -> Option<&'static dyn Registered> {
    CACHES.get(name).map(|e| *e.value())
}

/// Runs `f` on every cache that has been used.
#[cfg(feature = "redis")]
pub(super) fn each(mut f: impl FnMut(&'static dyn Registered)) {
    // Collected first: `f` must not run under the map's shard locks.
    let caches: Vec<&'static dyn Registered> = CACHES.iter().map(|e| *e.value()).collect();
    for cache in caches {
        f(cache);
    }
}

pub(crate) fn collect() -> Vec<CacheReport> {
    let mut out: Vec<CacheReport> = CACHES
        .iter()
        .filter_map(|e| {
            let stats = e.value().stats()?;
            Some(CacheReport::new(
                e.key().to_string(),
                e.value().engine(),
                &stats.totals(),
                e.value().entries(),
                l2_counts(*e.value()),
            ))
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

#[cfg(feature = "redis")]
fn l2_counts(cache: &dyn Registered) -> L2Counts {
    let Some(site) = cache.l2() else { return L2Counts::default() };
    let client = crate::redis::client();
    let s = site.snapshot();
    L2Counts {
        // No Redis configured: the level is off, as when the attribute asks for none.
        status: client.as_ref().map(|c| c.address.clone()),
        hits: s.hits,
        misses: s.misses,
        errors: s.errors,
        decode_errors: s.decode_errors,
        timeouts: s.timeouts,
        breaker_opened: client.map_or(0, |c| c.breaker.times_opened()),
        get_p50_ns: s.get_p50_ns,
        get_p99_ns: s.get_p99_ns,
        lock_waits: s.lock_waits,
        get_histogram: Some(s.get_histogram),
        invalidations_received: s.invalidations_received,
        l1_flushes_on_reconnect: s.l1_flushes_on_reconnect,
    }
}

#[cfg(not(feature = "redis"))]
fn l2_counts(_: &dyn Registered) -> L2Counts {
    L2Counts::default()
}

pub(crate) fn reset() {
    #[cfg(feature = "redis")]
    if let Some(client) = crate::redis::client() {
        client.breaker.reset_count();
    }
    #[cfg(feature = "redis")]
    crate::redis::pubsub::reset();
    for e in CACHES.iter() {
        if let Some(stats) = e.value().stats() {
            stats.reset();
        }
        #[cfg(feature = "redis")]
        if let Some(site) = e.value().l2() {
            site.reset();
        }
    }
}
