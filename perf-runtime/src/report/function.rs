use hdrhistogram::Histogram;

use crate::format;
use crate::profile::stats::{FnStats, Totals};

/// What `#[profile]` recorded for one name. Fields carry their JSON names.
///
/// Durations are nanoseconds. Percentiles, `min_ns` and `max_ns` come from an HdrHistogram with
/// 3 significant digits, so they are exact to 0.1%; `total_ns` and `mean_ns` are exact.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
pub struct FunctionReport {
    /// `module::fn`, `module::Type::method`, or the `name = "..."` given to the attribute.
    pub name: String,
    /// Source file of the fn.
    pub file: String,
    /// Line of the fn's attribute.
    pub line: u32,
    /// Whether the fn is `async` (then the `busy_*` fields are present).
    pub is_async: bool,
    /// Calls that finished, returned or panicked.
    pub calls: u64,
    /// One call in `sample` was timed (`#[profile(sample = N)]` or the process default); 1
    /// when every call was. The counts are exact either way; the histogram, the percentiles,
    /// `min_ns`, `max_ns` and `stddev_ns` describe the timed calls, and `total_ns` and
    /// `mean_ns` are scaled up from them.
    #[cfg_attr(feature = "json", serde(default = "every_call"))]
    pub sample: u32,
    /// Calls that were timed: `calls` unless sampled.
    #[cfg_attr(feature = "json", serde(default))]
    pub timed_calls: u64,
    /// Calls that returned `Err`.
    pub errors: u64,
    /// Calls that unwound; they count in `calls` and are timed too.
    pub panics: u64,
    /// Futures dropped before they completed; not counted in `calls`.
    pub cancelled: u64,
    /// Calls at or over the fn's `slow` threshold.
    pub slow_calls: u64,
    /// Wall time of all calls (estimated from the timed ones when sampled).
    pub total_ns: u64,
    /// `total_ns / calls`.
    pub mean_ns: f64,
    /// Fastest call.
    pub min_ns: u64,
    /// Slowest call.
    pub max_ns: u64,
    /// Standard deviation of call times.
    pub stddev_ns: f64,
    /// Median call time.
    pub p50_ns: u64,
    /// 90th percentile.
    pub p90_ns: u64,
    /// 95th percentile.
    pub p95_ns: u64,
    /// 99th percentile.
    pub p99_ns: u64,
    /// 99.9th percentile.
    pub p999_ns: u64,
    /// Time spent inside `poll`, summed over the calls of an `async fn`.
    #[cfg_attr(feature = "json", serde(skip_serializing_if = "Option::is_none", default))]
    pub busy_total_ns: Option<u64>,
    #[cfg_attr(feature = "json", serde(skip_serializing_if = "Option::is_none", default))]
    /// Median busy time of an `async fn` call.
    pub busy_p50_ns: Option<u64>,
    #[cfg_attr(feature = "json", serde(skip_serializing_if = "Option::is_none", default))]
    /// 99th percentile of busy time.
    pub busy_p99_ns: Option<u64>,
    /// Mean allocations per call (reallocations included), with
    /// [`alloc::Counting`](crate::alloc::Counting) installed; absent without it.
    #[cfg_attr(feature = "json", serde(skip_serializing_if = "Option::is_none", default))]
    pub alloc_count_mean: Option<f64>,
    /// 99th percentile of allocations per call.
    #[cfg_attr(feature = "json", serde(skip_serializing_if = "Option::is_none", default))]
    pub alloc_count_p99: Option<u64>,
    /// Mean bytes allocated per call (a reallocation counts its new size).
    #[cfg_attr(feature = "json", serde(skip_serializing_if = "Option::is_none", default))]
    pub alloc_bytes_mean: Option<f64>,
    /// 99th percentile of bytes allocated per call.
    #[cfg_attr(feature = "json", serde(skip_serializing_if = "Option::is_none", default))]
    pub alloc_bytes_p99: Option<u64>,
    /// Allocations (and reallocations) of all timed calls.
    #[cfg_attr(feature = "json", serde(skip_serializing_if = "Option::is_none", default))]
    pub alloc_count_total: Option<u64>,
    /// Bytes allocated by all timed calls.
    #[cfg_attr(feature = "json", serde(skip_serializing_if = "Option::is_none", default))]
    pub alloc_bytes_total: Option<u64>,
    /// Bytes allocated less bytes freed, over all timed calls: what they left behind.
    #[cfg_attr(feature = "json", serde(skip_serializing_if = "Option::is_none", default))]
    pub net_bytes_total: Option<i64>,
    /// Median thread CPU time per call, for `cpu = true`.
    #[cfg_attr(feature = "json", serde(skip_serializing_if = "Option::is_none", default))]
    pub cpu_p50_ns: Option<u64>,
    /// 99th percentile of CPU time per call.
    #[cfg_attr(feature = "json", serde(skip_serializing_if = "Option::is_none", default))]
    pub cpu_p99_ns: Option<u64>,
    /// CPU time of all timed calls.
    #[cfg_attr(feature = "json", serde(skip_serializing_if = "Option::is_none", default))]
    pub cpu_total_ns: Option<u64>,
    /// `cpu_total_ns` over the wall time of the same calls.
    #[cfg_attr(feature = "json", serde(skip_serializing_if = "Option::is_none", default))]
    pub cpu_share: Option<f64>,
    /// Allocations per call, HdrHistogram V2 in base64 (as `histogram`), for exact merges.
    #[cfg_attr(feature = "json", serde(skip_serializing_if = "Option::is_none", default))]
    pub alloc_count_histogram: Option<String>,
    /// Bytes allocated per call, HdrHistogram V2 in base64.
    #[cfg_attr(feature = "json", serde(skip_serializing_if = "Option::is_none", default))]
    pub alloc_bytes_histogram: Option<String>,
    /// CPU time per call (ns), HdrHistogram V2 in base64.
    #[cfg_attr(feature = "json", serde(skip_serializing_if = "Option::is_none", default))]
    pub cpu_histogram: Option<String>,
    /// `"unavailable"` where `cpu = true` was asked on a platform without a thread CPU clock.
    #[cfg_attr(feature = "json", serde(skip_serializing_if = "Option::is_none", default))]
    pub cpu_clock: Option<String>,
    /// The slowest calls over the `slow` threshold, slowest first.
    pub slowest: Vec<SlowCallReport>,
    /// The wall-time histogram in HdrHistogram's V2 encoding, base64 (empty without the `json`
    /// feature): reports of several processes can be merged exactly.
    pub histogram: String,
    /// The busy-time histogram of an `async fn`, encoded as `histogram` is, so that
    /// [`Report::merge`](crate::Report::merge) recomputes `busy_p50_ns`/`busy_p99_ns` exactly.
    #[cfg_attr(feature = "json", serde(skip_serializing_if = "Option::is_none", default))]
    pub busy_histogram: Option<String>,
    /// The clauses of `#[profile(budget = ...)]`, kept so that a report read back from JSON
    /// can be checked; absent when the attribute has none.
    #[cfg_attr(feature = "json", serde(skip_serializing_if = "Vec::is_empty", default))]
    pub budget: Vec<super::budget::Clause>,
    /// Self time: `total_ns` less the time of the profiled fns called inside these calls (on
    /// their own path: nested, or awaited); scaled up as `total_ns` is when sampled.
    #[cfg_attr(feature = "json", serde(default))]
    pub self_total_ns: u64,
    /// `self_total_ns / calls`.
    #[cfg_attr(feature = "json", serde(default))]
    pub self_mean_ns: f64,
    /// Busy self time of an `async fn`: `busy_total_ns` less its profiled callees' busy time.
    #[cfg_attr(feature = "json", serde(skip_serializing_if = "Option::is_none", default))]
    pub busy_self_total_ns: Option<u64>,
    /// `#[profile(sample = "auto")]` (the default of `#[profile]` on an `impl`, `trait` or
    /// `mod`): every call was timed until the fn's calls proved short and frequent, then one in
    /// `sample`; `sample` is 1 while it has not switched.
    #[cfg_attr(feature = "json", serde(skip_serializing_if = "std::ops::Not::not", default))]
    pub sample_auto: bool,
}

/// One of the slowest calls of a fn.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
pub struct SlowCallReport {
    /// Wall time of the call.
    pub duration_ns: u64,
    /// RFC 3339 time the call finished.
    pub at: String,
}

impl FunctionReport {
    pub(crate) fn from_stats(stats: &FnStats) -> Option<Self> {
        let t: Totals = stats.totals();
        if t.calls == 0 && t.cancelled == 0 {
            return None;
        }
        let h = &t.wall;
        let q = |q: f64| h.value_at_quantile(q);
        let is_async = stats.meta.is_async;
        let busy = |v: u64| is_async.then_some(v);
        let sample_auto = stats.meta.sample == crate::profile::adaptive::AUTO;
        let sample = match sample_auto {
            true => stats.adaptive.switched().unwrap_or(1),
            false => crate::profile::sample::every(stats.meta.sample),
        };
        let timed_calls = h.len();
        // Sampled: the timed calls stand for all of them.
        let scale = |sum: u64| match timed_calls {
            0 => sum,
            timed if timed >= t.calls => sum,
            timed => (sum as f64 * t.calls as f64 / timed as f64).round() as u64,
        };
        let total_ns = scale(t.total_ns);
        // Measured calls only: a fn measured before a reset and not since shows none.
        let alloc = !t.alloc_count.is_empty();
        let cpu = stats.meta.cpu && crate::record::cpu_clock::AVAILABLE && !t.cpu.is_empty();
        Some(Self {
            name: stats.name.to_string(),
            file: stats.meta.file.to_owned(),
            line: stats.meta.line,
            is_async,
            calls: t.calls,
            sample,
            timed_calls,
            errors: t.errors,
            panics: t.panics,
            cancelled: t.cancelled,
            slow_calls: t.slow_calls,
            total_ns,
            mean_ns: if t.calls == 0 { 0.0 } else { total_ns as f64 / t.calls as f64 },
            min_ns: if h.is_empty() { 0 } else { h.min() },
            max_ns: if h.is_empty() { 0 } else { h.max() },
            stddev_ns: h.stdev(),
            p50_ns: q(0.50),
            p90_ns: q(0.90),
            p95_ns: q(0.95),
            p99_ns: q(0.99),
            p999_ns: q(0.999),
            busy_total_ns: busy(scale(t.busy_total_ns)),
            busy_p50_ns: busy(t.busy.value_at_quantile(0.50)),
            busy_p99_ns: busy(t.busy.value_at_quantile(0.99)),
            // Means from the exact sums; percentiles from the histograms (within 0.1%).
            alloc_count_mean: alloc
                .then(|| t.alloc_count_total as f64 / t.alloc_count.len() as f64),
            alloc_count_p99: alloc.then(|| t.alloc_count.value_at_quantile(0.99)),
            alloc_bytes_mean: alloc
                .then(|| t.alloc_bytes_total as f64 / t.alloc_bytes.len() as f64),
            alloc_bytes_p99: alloc.then(|| t.alloc_bytes.value_at_quantile(0.99)),
            alloc_count_total: alloc.then_some(t.alloc_count_total),
            alloc_bytes_total: alloc.then_some(t.alloc_bytes_total),
            net_bytes_total: alloc.then(|| t.alloc_bytes_total as i64 - t.freed_bytes_total as i64),
            cpu_p50_ns: cpu.then(|| t.cpu.value_at_quantile(0.50)),
            cpu_p99_ns: cpu.then(|| t.cpu.value_at_quantile(0.99)),
            cpu_total_ns: cpu.then_some(t.cpu_total_ns),
            // Both sums cover the same timed calls.
            cpu_share: cpu.then(|| t.cpu_total_ns as f64 / t.total_ns.max(1) as f64),
            alloc_count_histogram: alloc.then(|| super::histogram::encode(&t.alloc_count)),
            alloc_bytes_histogram: alloc.then(|| super::histogram::encode(&t.alloc_bytes)),
            cpu_histogram: cpu.then(|| super::histogram::encode(&t.cpu)),
            cpu_clock: (stats.meta.cpu && !crate::record::cpu_clock::AVAILABLE)
                .then(|| "unavailable".to_owned()),
            slowest: stats
                .slowest
                .snapshot()
                .into_iter()
                .map(|(duration_ns, at)| SlowCallReport { duration_ns, at: format::rfc3339(at) })
                .collect(),
            histogram: super::histogram::encode(h),
            busy_histogram: is_async.then(|| super::histogram::encode(&t.busy)),
            budget: stats.meta.budget.to_vec(),
            self_total_ns: scale(t.self_ns),
            self_mean_ns: if t.calls == 0 { 0.0 } else { scale(t.self_ns) as f64 / t.calls as f64 },
            busy_self_total_ns: busy(scale(t.busy_self_ns)),
            sample_auto,
        })
    }

    /// Decodes [`histogram`](Self::histogram), e.g. to merge the reports of several processes.
    pub fn decode_histogram(&self) -> Option<Histogram<u64>> {
        super::histogram::decode(&self.histogram).ok()
    }
}

#[cfg(feature = "json")]
fn every_call() -> u32 {
    1
}
