use std::fmt;

#[cfg(feature = "cache")]
use super::stats::Totals;
use crate::format::duration as format_duration;

/// What one `#[cached]` fn's cache did. Fields carry their JSON names.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
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
    /// Entries held now (counted after the cache's pending maintenance, for sync and async fns).
    pub entries: u64,
    /// Entries evicted to respect `capacity`.
    pub evictions: u64,
    /// Callers that waited for another caller's load instead of running the fn.
    pub coalesced: u64,
    /// Median time of a load.
    pub load_p50_ns: u64,
    /// 99th percentile time of a load.
    pub load_p99_ns: u64,
    /// Hits in memory.
    pub l1_hits: u64,
    /// `"off"` (the fn has no `l2`, or no Redis is configured), or where the Redis level points
    /// (`redis://host:port/db`, without credentials).
    pub l2: String,
    /// Memory misses that Redis answered.
    pub l2_hits: u64,
    /// Memory misses that Redis missed too.
    pub l2_misses: u64,
    /// Redis faults (timeouts included), each answered by loading instead.
    pub l2_errors: u64,
    /// Entries in Redis that did not decode: counted, treated as misses, overwritten.
    pub l2_decode_errors: u64,
    /// Redis operations that ran out of time.
    pub l2_timeouts: u64,
    /// Times the circuit breaker opened (for the process's Redis connection).
    pub breaker_opened: u64,
    /// Median time of a Redis read.
    pub l2_get_p50_ns: u64,
    /// 99th percentile time of a Redis read.
    pub l2_get_p99_ns: u64,
    /// With `lock = true`: times this process waited for another's load.
    pub lock_waits: u64,
    /// Keys loaded by the cache's `warm` (their loads count in `loads` too).
    /// 0 in reports written before it existed.
    #[cfg_attr(feature = "json", serde(default))]
    pub warmed: u64,
    /// Load times in HdrHistogram's V2 encoding, base64 (as `FunctionReport::histogram`), so
    /// that [`Report::merge`](crate::Report::merge) recomputes `load_p50_ns`/`load_p99_ns`
    /// exactly. Empty in reports written before it existed.
    #[cfg_attr(feature = "json", serde(default))]
    pub load_histogram: String,
    /// Redis read times, encoded as `load_histogram` is (an empty histogram when the level
    /// is off).
    #[cfg_attr(feature = "json", serde(default))]
    pub l2_get_histogram: String,
    /// `"moka"` or `"fast"` (`#[cached(engine = ...)]`); empty in reports written before it.
    #[cfg_attr(feature = "json", serde(default))]
    pub engine: String,
    /// With `l2`: other processes' invalidations (by key, all, or tag) applied to this memory.
    #[cfg_attr(feature = "json", serde(default))]
    pub invalidations_received: u64,
    /// With `l2`: times this memory was emptied because the invalidation subscription came
    /// back after a loss (what was published meanwhile is lost).
    #[cfg_attr(feature = "json", serde(default))]
    pub l1_flushes_on_reconnect: u64,
}

/// The Redis part of a cache's entry, zero when the level is off.
#[cfg(feature = "cache")]
#[derive(Debug, Clone, Default)]
pub(crate) struct L2Counts {
    pub(crate) status: Option<String>,
    pub(crate) hits: u64,
    pub(crate) misses: u64,
    pub(crate) errors: u64,
    pub(crate) decode_errors: u64,
    pub(crate) timeouts: u64,
    pub(crate) breaker_opened: u64,
    pub(crate) get_p50_ns: u64,
    pub(crate) get_p99_ns: u64,
    pub(crate) lock_waits: u64,
    pub(crate) invalidations_received: u64,
    pub(crate) l1_flushes_on_reconnect: u64,
    /// Encoded Redis read times; `None` when the level is off.
    pub(crate) get_histogram: Option<String>,
}

#[cfg(feature = "cache")]
impl CacheReport {
    pub(crate) fn new(name: String, engine: &str, t: &Totals, entries: u64, l2: L2Counts) -> Self {
        let calls = t.hits + t.misses;
        let hits = t.hits + l2.hits;
        Self {
            name,
            hits,
            misses: calls - hits,
            hit_rate: if calls == 0 { 0.0 } else { hits as f64 / calls as f64 },
            loads: t.loads,
            load_errors: t.load_errors,
            entries,
            evictions: t.evictions,
            coalesced: t.coalesced,
            load_p50_ns: t.load_ns.value_at_quantile(0.5),
            load_p99_ns: t.load_ns.value_at_quantile(0.99),
            l1_hits: t.hits,
            l2: l2.status.unwrap_or_else(|| "off".to_owned()),
            l2_hits: l2.hits,
            l2_misses: l2.misses,
            l2_errors: l2.errors,
            l2_decode_errors: l2.decode_errors,
            l2_timeouts: l2.timeouts,
            breaker_opened: l2.breaker_opened,
            l2_get_p50_ns: l2.get_p50_ns,
            l2_get_p99_ns: l2.get_p99_ns,
            lock_waits: l2.lock_waits,
            warmed: t.warmed,
            load_histogram: crate::report::histogram::encode(&t.load_ns),
            l2_get_histogram: l2.get_histogram.unwrap_or_else(|| {
                crate::report::histogram::encode(&crate::record::histogram::empty())
            }),
            engine: engine.to_owned(),
            invalidations_received: l2.invalidations_received,
            l1_flushes_on_reconnect: l2.l1_flushes_on_reconnect,
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
        "{:<width$} {:>9} {:>9} {:>7} {:>7} {:>7} {:>7} {:>7} {:>9} {:>9} {:>9} {:>9}  l2",
        "cache",
        "hits",
        "misses",
        "hit%",
        "L1%",
        "L2%",
        "loads",
        "errors",
        "coalesced",
        "entries",
        "evicted",
        "load p99",
    )?;
    for c in caches {
        let calls = (c.hits + c.misses).max(1) as f64;
        writeln!(
            f,
            "{:<width$} {:>9} {:>9} {:>6.1}% {:>6.1}% {:>6.1}% {:>7} {:>7} {:>9} {:>9} {:>9} {:>9}  {}",
            c.name,
            c.hits,
            c.misses,
            c.hit_rate * 100.0,
            c.l1_hits as f64 * 100.0 / calls,
            c.l2_hits as f64 * 100.0 / calls,
            c.loads,
            c.load_errors,
            c.coalesced,
            c.entries,
            c.evictions,
            format_duration(c.load_p99_ns),
            c.l2,
        )?;
    }
    Ok(())
}
