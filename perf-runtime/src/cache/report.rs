use std::fmt;

use serde::{Deserialize, Serialize};

use super::stats::Totals;
use crate::report::format_duration;

/// What one `#[cached]` fn's cache did. Fields carry their JSON names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheReport {
    /// `module::fn`, `module::Type::method`, or the attribute's `name`.
    pub name: String,
    /// Calls answered from the cache.
    pub hits: u64,
    /// Calls that found nothing cached (they loaded, or waited for another caller's load).
    pub misses: u64,
    /// `hits / (hits + misses)`, 0 when there were no calls.
    pub hit_rate: f64,
    /// Runs of the fn on a miss.
    pub loads: u64,
    /// Loads that returned `Err`.
    pub load_errors: u64,
    /// Entries held now.
    pub entries: u64,
    /// Entries evicted to respect `capacity`.
    pub evictions: u64,
    /// Callers that waited for another caller's load instead of running the fn.
    pub coalesced: u64,
    /// Median time of a load.
    pub load_p50_ns: u64,
    /// 99th percentile time of a load.
    pub load_p99_ns: u64,
    /// Hits in memory (all of `hits` until the Redis level is on).
    pub l1_hits: u64,
    /// Hits in Redis.
    pub l2_hits: u64,
    /// Redis faults, each answered by loading instead.
    pub l2_errors: u64,
}

impl CacheReport {
    pub(crate) fn new(name: String, t: &Totals, entries: u64) -> Self {
        let calls = t.hits + t.misses;
        Self {
            name,
            hits: t.hits,
            misses: t.misses,
            hit_rate: if calls == 0 { 0.0 } else { t.hits as f64 / calls as f64 },
            loads: t.loads,
            load_errors: t.load_errors,
            entries,
            evictions: t.evictions,
            coalesced: t.coalesced,
            load_p50_ns: t.load_ns.value_at_quantile(0.5),
            load_p99_ns: t.load_ns.value_at_quantile(0.99),
            l1_hits: t.hits,
            l2_hits: 0,
            l2_errors: 0,
        }
    }
}

/// The `caches:` section of the report table.
pub(crate) fn write_table(f: &mut fmt::Formatter<'_>, caches: &[CacheReport]) -> fmt::Result {
    if caches.is_empty() {
        return Ok(());
    }
    let width = caches.iter().map(|c| c.name.chars().count()).max().unwrap_or(0).max("cache".len());
    writeln!(f, "\ncaches:")?;
    writeln!(
        f,
        "{:<width$} {:>9} {:>9} {:>7} {:>7} {:>7} {:>9} {:>9} {:>9} {:>9}",
        "cache",
        "hits",
        "misses",
        "hit%",
        "loads",
        "errors",
        "coalesced",
        "entries",
        "evicted",
        "load p99",
    )?;
    for c in caches {
        writeln!(
            f,
            "{:<width$} {:>9} {:>9} {:>6.1}% {:>7} {:>7} {:>9} {:>9} {:>9} {:>9}",
            c.name,
            c.hits,
            c.misses,
            c.hit_rate * 100.0,
            c.loads,
            c.load_errors,
            c.coalesced,
            c.entries,
            c.evictions,
            format_duration(c.load_p99_ns),
        )?;
    }
    Ok(())
}
