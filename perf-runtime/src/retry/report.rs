//! The `retries[]` part of the report: one [`RetryReport`] per `#[retry]` name, and its table.

use std::fmt::{self, Formatter};

#[cfg(feature = "retry")]
use hdrhistogram::Histogram;

#[cfg(feature = "retry")]
use super::stats::{self, RetryStats};
use crate::format::duration as format_duration;

/// What `#[retry]` recorded for one name. Fields carry their JSON names; durations are
/// nanoseconds.
///
/// Every call ends one way: `calls == successes + giveups + permanent_errors`.
///
/// ```
/// use perf_runtime::retry;
///
/// #[retry(name = "doc.flaky", attempts = 3, backoff = none)]
/// fn flaky(fails: &std::cell::Cell<u32>) -> Result<u32, String> {
///     if fails.get() > 0 {
///         fails.set(fails.get() - 1);
///         return Err("busy".into());
///     }
///     Ok(7)
/// }
///
/// assert_eq!(flaky(&std::cell::Cell::new(2)), Ok(7));
/// let report = perf_runtime::Report::collect();
/// let r = report.retry("doc.flaky").unwrap();
/// assert_eq!((r.calls, r.attempts, r.retries, r.successes_after_retry), (1, 3, 2, 1));
/// assert_eq!(r.attempts_histogram, [0, 0, 1]);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
pub struct RetryReport {
    /// `module::fn`, `module::Type::method`, or the attribute's `name = "..."`.
    pub name: String,
    /// Source file of the fn.
    pub file: String,
    /// Line of the fn's attribute.
    pub line: u32,
    /// Whether the fn is `async`.
    pub is_async: bool,
    /// The attribute's `attempts`.
    pub max_attempts: u32,
    /// Calls that finished.
    pub calls: u64,
    /// Attempts made, first attempts included.
    pub attempts: u64,
    /// `attempts - calls`.
    pub retries: u64,
    /// Calls that returned `Ok`.
    pub successes: u64,
    /// Calls that returned `Ok` after at least one retry.
    pub successes_after_retry: u64,
    /// Calls that returned `Err` because retrying stopped: attempts used up, `max_elapsed`
    /// reached, or the budget refused.
    pub giveups: u64,
    /// Calls whose error `when` called permanent, returned at once.
    pub permanent_errors: u64,
    /// Retries the budget refused (each ended its call as a give-up).
    pub budget_refused: u64,
    /// Give-ups because the next sleep would have ended past `max_elapsed`.
    pub deadline_stops: u64,
    /// Attempts that ran past `timeout`.
    pub timeouts: u64,
    /// Time slept between attempts.
    pub sleep_total_ns: u64,
    /// Index `i`: calls that took `i + 1` attempts (the last slot also counts longer calls
    /// when `attempts` is above 64).
    pub attempts_histogram: Vec<u64>,
    /// With `timed = true`: median time of one attempt.
    pub attempt_p50_ns: Option<u64>,
    /// With `timed = true`: 99th percentile of one attempt.
    pub attempt_p99_ns: Option<u64>,
    /// With `timed = true`: median time of a whole call, sleeps included.
    pub call_p50_ns: Option<u64>,
    /// With `timed = true`: 99th percentile of a whole call.
    pub call_p99_ns: Option<u64>,
    /// With `timed = true`: attempt times in HdrHistogram's V2 encoding, base64 (as
    /// `FunctionReport::histogram`), so that [`Report::merge`](crate::Report::merge) recomputes
    /// the attempt percentiles exactly.
    #[cfg_attr(feature = "json", serde(skip_serializing_if = "Option::is_none", default))]
    pub attempt_histogram: Option<String>,
    /// With `timed = true`: whole-call times, encoded as `attempt_histogram` is.
    #[cfg_attr(feature = "json", serde(skip_serializing_if = "Option::is_none", default))]
    pub call_histogram: Option<String>,
}

#[cfg(feature = "retry")]
impl RetryReport {
    fn from_stats(stats: &RetryStats) -> Option<Self> {
        let t = stats.totals();
        let calls = t.first_ok + t.calls;
        if calls == 0 {
            return None;
        }
        let attempts = t.first_ok + t.attempts;
        let mut attempts_histogram = t.by_attempts;
        attempts_histogram[0] += t.first_ok;
        let timed = stats.meta.timed;
        let quantiles = |extra: &Histogram<u64>| {
            let mut h = t.first_ok_ns.clone();
            h.add(extra).expect("same layout");
            let q = |q: f64| timed.then(|| h.value_at_quantile(q));
            (q(0.50), q(0.99), timed.then(|| crate::report::histogram::encode(&h)))
        };
        let (attempt_p50_ns, attempt_p99_ns, attempt_histogram) = quantiles(&t.attempt_ns);
        let (call_p50_ns, call_p99_ns, call_histogram) = quantiles(&t.call_ns);
        Some(Self {
            name: stats.name.to_string(),
            file: stats.meta.file.to_owned(),
            line: stats.meta.line,
            is_async: stats.meta.is_async,
            max_attempts: stats.meta.max_attempts,
            calls,
            attempts,
            retries: attempts - calls,
            successes: t.first_ok + t.successes,
            successes_after_retry: t.successes,
            giveups: t.giveups,
            permanent_errors: t.permanent_errors,
            budget_refused: t.budget_refused,
            deadline_stops: t.deadline_stops,
            timeouts: t.timeouts,
            sleep_total_ns: t.sleep_total_ns,
            attempts_histogram,
            attempt_p50_ns,
            attempt_p99_ns,
            call_p50_ns,
            call_p99_ns,
            attempt_histogram,
            call_histogram,
        })
    }
}

/// Every retry name with calls, by name (none without the `retry` feature).
pub(crate) fn collect() -> Vec<RetryReport> {
    #[cfg(feature = "retry")]
    let mut out: Vec<_> = stats::all().into_iter().filter_map(RetryReport::from_stats).collect();
    #[cfg(not(feature = "retry"))]
    let mut out: Vec<RetryReport> = Vec::new();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The `retries` section of the report table.
pub(crate) fn write_table(f: &mut Formatter<'_>, retries: &[RetryReport]) -> fmt::Result {
    if retries.is_empty() {
        return Ok(());
    }
    let width =
        retries.iter().map(|r| r.name.chars().count()).max().unwrap_or(0).max("retry".len());
    writeln!(f, "\nretries:")?;
    writeln!(
        f,
        "{:<width$} {:>9} {:>9} {:>8} {:>9} {:>8} {:>7} {:>7} {:>8} {:>9} {:>9} {:>9}  attempts/call",
        "retry",
        "calls",
        "attempts",
        "ok",
        "ok-retry",
        "giveups",
        "perm",
        "budget",
        "timeouts",
        "slept",
        "att p50",
        "call p99",
    )?;
    let opt = |v: Option<u64>| v.map(format_duration).unwrap_or_else(|| "-".into());
    for r in retries {
        let histogram: Vec<String> = r.attempts_histogram.iter().map(u64::to_string).collect();
        writeln!(
            f,
            "{:<width$} {:>9} {:>9} {:>8} {:>9} {:>8} {:>7} {:>7} {:>8} {:>9} {:>9} {:>9}  [{}]",
            r.name,
            r.calls,
            r.attempts,
            r.successes,
            r.successes_after_retry,
            r.giveups,
            r.permanent_errors,
            r.budget_refused,
            r.timeouts,
            format_duration(r.sleep_total_ns),
            opt(r.attempt_p50_ns),
            opt(r.call_p99_ns),
            histogram.join(" "),
        )?;
    }
    Ok(())
}
