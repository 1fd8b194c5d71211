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
    /// Calls that returned `Err`.
    pub errors: u64,
    /// Calls that unwound; they count in `calls` and are timed too.
    pub panics: u64,
    /// Futures dropped before they completed; not counted in `calls`.
    pub cancelled: u64,
    /// Calls at or over the fn's `slow` threshold.
    pub slow_calls: u64,
    /// Wall time of all calls.
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
    /// The slowest calls over the `slow` threshold, slowest first.
    pub slowest: Vec<SlowCallReport>,
    /// The wall-time histogram in HdrHistogram's V2 encoding, base64 (empty without the `json`
    /// feature): reports of several processes can be merged exactly.
    pub histogram: String,
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
        Some(Self {
            name: stats.name.to_string(),
            file: stats.meta.file.to_owned(),
            line: stats.meta.line,
            is_async,
            calls: t.calls,
            errors: t.errors,
            panics: t.panics,
            cancelled: t.cancelled,
            slow_calls: t.slow_calls,
            total_ns: t.total_ns,
            mean_ns: if t.calls == 0 { 0.0 } else { t.total_ns as f64 / t.calls as f64 },
            min_ns: if h.is_empty() { 0 } else { h.min() },
            max_ns: if h.is_empty() { 0 } else { h.max() },
            stddev_ns: h.stdev(),
            p50_ns: q(0.50),
            p90_ns: q(0.90),
            p95_ns: q(0.95),
            p99_ns: q(0.99),
            p999_ns: q(0.999),
            busy_total_ns: busy(t.busy_total_ns),
            busy_p50_ns: busy(t.busy.value_at_quantile(0.50)),
            busy_p99_ns: busy(t.busy.value_at_quantile(0.99)),
            slowest: stats
                .slowest
                .snapshot()
                .into_iter()
                .map(|(duration_ns, at)| SlowCallReport { duration_ns, at: format::rfc3339(at) })
                .collect(),
            histogram: encode(h),
        })
    }

    /// Decodes [`histogram`](Self::histogram), e.g. to merge the reports of several processes
    /// (cargo feature `json`, on by default).
    #[cfg(feature = "json")]
    pub fn decode_histogram(&self) -> Option<Histogram<u64>> {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD.decode(&self.histogram).ok()?;
        hdrhistogram::serialization::Deserializer::new().deserialize(&mut bytes.as_slice()).ok()
    }
}

#[cfg(feature = "json")]
fn encode(h: &Histogram<u64>) -> String {
    use base64::Engine as _;
    use hdrhistogram::serialization::{Serializer, V2Serializer};
    let mut bytes = Vec::new();
    V2Serializer::new().serialize(h, &mut bytes).expect("writing to a Vec cannot fail");
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Without the `json` feature the histogram is not encoded: nothing would write it out.
#[cfg(not(feature = "json"))]
fn encode(_: &Histogram<u64>) -> String {
    String::new()
}
