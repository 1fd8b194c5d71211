//! Every cache that has been used, by name: for the report and for invalidation by name.

use std::sync::LazyLock;

use dashmap::DashMap;

use super::report::CacheReport;
use super::stats::CacheStats;

pub(crate) trait Registered: Sync {
    fn stats(&self) -> Option<&'static CacheStats>;
    fn entries(&self) -> u64;
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

pub(crate) fn collect() -> Vec<CacheReport> {
    let mut out: Vec<CacheReport> = CACHES
        .iter()
        .filter_map(|e| {
            let stats = e.value().stats()?;
            Some(CacheReport::new(e.key().to_string(), &stats.totals(), e.value().entries()))
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

pub(crate) fn reset() {
    for e in CACHES.iter() {
        if let Some(stats) = e.value().stats() {
            stats.reset();
        }
    }
}
