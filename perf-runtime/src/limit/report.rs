//! The `limits[]` part of the report: one [`LimitReport`] per limiter name, and its table.

use std::fmt::{self, Formatter};

#[cfg(feature = "limit")]
use super::stats::{self, LimitStats};
use crate::format::duration as format_duration;

/// What one named limiter decided. Fields carry their JSON names; durations are nanoseconds.
///
/// Every decision ends one way: `admitted + rejected` calls; `waited` of the admitted ones
/// slept for their slot first.
///
/// ```
/// use perf_runtime::limit::Rejected;
/// use perf_runtime::rate_limit;
///
/// #[derive(Debug)]
/// struct Busy;
/// impl From<Rejected> for Busy {
///     fn from(_: Rejected) -> Self {
///         Busy
///     }
/// }
///
/// #[rate_limit(name = "doc.search", rate = "10/s", burst = 3)]
/// fn search(q: &str) -> Result<usize, Busy> {
///     Ok(q.len())
/// }
///
/// let admitted = (0..5).filter(|_| search("rust").is_ok()).count();
/// assert_eq!(admitted, 3);
/// let report = perf_runtime::Report::collect();
/// let l = report.limit("doc.search").unwrap();
/// assert_eq!((l.admitted, l.rejected), (3, 2));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
pub struct LimitReport {
    /// `module::fn`, `module::Type::method`, or the attribute's `name = "..."`.
    pub name: String,
    /// Source file of the fn (empty for a [`RateLimiter`](crate::limit::RateLimiter)).
    pub file: String,
    /// Line of the fn's attribute.
    pub line: u32,
    /// `"local"` or `"redis"`.
    pub scope: String,
    /// The attribute's rate in calls per second; `None` when each call brings its quota.
    pub rate_per_s: Option<f64>,
    /// The attribute's burst; `None` as `rate_per_s`.
    pub burst: Option<u32>,
    /// Whether there is one bucket per key.
    pub keyed: bool,
    /// Bound on live keys.
    pub max_keys: u64,
    /// Calls admitted (those that waited included).
    pub admitted: u64,
    /// Calls refused.
    pub rejected: u64,
    /// Admitted calls that slept for their slot first.
    pub waited: u64,
    /// Time those calls slept, in all.
    pub wait_total_ns: u64,
    /// Median sleep of the calls that waited.
    pub wait_p50_ns: Option<u64>,
    /// 99th percentile of the sleeps.
    pub wait_p99_ns: Option<u64>,
    /// Longest sleep.
    pub wait_max_ns: Option<u64>,
    /// The sleeps in HdrHistogram's V2 encoding, base64, so merges stay exact.
    #[cfg_attr(feature = "json", serde(skip_serializing_if = "Option::is_none", default))]
    pub wait_histogram: Option<String>,
    /// Keys with a bucket of their own when the report was taken.
    pub live_keys: u64,
    /// Calls of new keys decided by the shared overflow bucket because `max_keys` keys were
    /// all in use.
    pub key_overflows: u64,
    /// `scope = "redis"`: decisions Redis could not make in time, enforced in the process.
    pub fallback_local: u64,
    /// Likewise, admitted by `fallback = "allow"`.
    pub fallback_allow: u64,
    /// Likewise, refused by `fallback = "deny"`.
    pub fallback_deny: u64,
}

impl LimitReport {
    /// `rejected / (admitted + rejected)`, 0 without calls.
    pub fn rejected_ratio(&self) -> f64 {
        let calls = self.admitted + self.rejected;
        if calls == 0 { 0.0 } else { self.rejected as f64 / calls as f64 }
    }

    /// Every Redis fallback, whatever it decided.
    pub fn fallbacks(&self) -> u64 {
        self.fallback_local + self.fallback_allow + self.fallback_deny
    }
}

#[cfg(feature = "limit")]
impl LimitReport {
    fn from_stats(stats: &LimitStats) -> Option<Self> {
        let t = stats.totals();
        let live_keys = stats.live_keys();
        if t.admitted + t.rejected == 0 && live_keys == 0 {
            return None;
        }
        let h = &t.wait_ns;
        let waited = !h.is_empty();
        let q = |q: f64| waited.then(|| h.value_at_quantile(q));
        Some(Self {
            name: stats.name.to_string(),
            file: stats.meta.file.to_owned(),
            line: stats.meta.line,
            scope: stats.meta.scope.to_owned(),
            rate_per_s: stats.meta.quota.map(|q| q.per_second_f64()),
            burst: stats.meta.quota.map(|q| q.burst_size()),
            keyed: stats.meta.keyed,
            max_keys: stats.meta.max_keys as u64,
            admitted: t.admitted,
            rejected: t.rejected,
            waited: t.waited,
            wait_total_ns: t.wait_total_ns,
            wait_p50_ns: q(0.5),
            wait_p99_ns: q(0.99),
            wait_max_ns: waited.then(|| h.max()),
            wait_histogram: waited.then(|| crate::report::histogram::encode(h)),
            live_keys,
            key_overflows: t.key_overflows,
            fallback_local: t.fallback_local,
            fallback_allow: t.fallback_allow,
            fallback_deny: t.fallback_deny,
        })
    }
}

/// Every limiter name with decisions, by name (none without the `limit` feature).
pub(crate) fn collect() -> Vec<LimitReport> {
    #[cfg(feature = "limit")]
    let mut out: Vec<_> = stats::all().into_iter().filter_map(LimitReport::from_stats).collect();
    #[cfg(not(feature = "limit"))]
    let mut out: Vec<LimitReport> = Vec::new();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The `limits` section of the report table.
pub(crate) fn write_table(f: &mut Formatter<'_>, limits: &[LimitReport]) -> fmt::Result {
    if limits.is_empty() {
        return Ok(());
    }
    let width = limits.iter().map(|r| r.name.chars().count()).max().unwrap_or(0).max("limit".len());
    writeln!(f, "\nlimits:")?;
    writeln!(
        f,
        "{:<width$} {:>6} {:>10} {:>10} {:>9} {:>8} {:>9} {:>9} {:>9} {:>9}",
        "limit",
        "scope",
        "rate/s",
        "admitted",
        "rejected",
        "waited",
        "wait p99",
        "live keys",
        "overflow",
        "fallback",
    )?;
    let opt = |v: Option<u64>| v.map(format_duration).unwrap_or_else(|| "-".into());
    for r in limits {
        let rate = match (r.rate_per_s, r.burst) {
            (Some(rate), Some(burst)) => format!("{rate:.0}+{burst}"),
            _ => "per call".to_owned(),
        };
        writeln!(
            f,
            "{:<width$} {:>6} {:>10} {:>10} {:>9} {:>8} {:>9} {:>9} {:>9} {:>9}",
            r.name,
            r.scope,
            rate,
            r.admitted,
            r.rejected,
            r.waited,
            opt(r.wait_p99_ns),
            r.live_keys,
            r.key_overflows,
            r.fallbacks(),
        )?;
    }
    Ok(())
}
