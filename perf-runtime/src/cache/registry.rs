//! Every cache that has been used, by name: for the report and for invalidation by name.

use std::sync::LazyLock;

use dashmap::DashMap;

use super::report::{CacheReport, L2Counts};
use super::stats::CacheStats;

pub(crate) trait Registered: Sync {
    fn stats(&self) -> Option<&'static CacheStats>;
    fn entries(&self) -> u64;
    #[cfg(feature = "redis")]
    fn l2(&self) -> Option<&'static crate::redis::layer::L2Site>;
    /// Removes the entries tagged `tag` from memory; returns how many were live.
    fn invalidate_tag(&self, tag: &str) -> usize;
    fn clear(&self);
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
    super::tags::bump(tag);
    CACHES.iter().map(|e| e.value().invalidate_tag(tag)).sum()
}

/// [`invalidate_tag`] for async callers.
pub async fn invalidate_tag_async(tag: &str) -> usize {
    invalidate_tag(tag)
}

pub(crate) fn collect() -> Vec<CacheReport> {
    let mut out: Vec<CacheReport> = CACHES
        .iter()
        .filter_map(|e| {
            let stats = e.value().stats()?;
            Some(CacheReport::new(
                e.key().to_string(),
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
