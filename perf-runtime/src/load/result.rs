//! A load's result: what the table shows and `loads[]` in the JSON report holds.

use std::fmt;
use std::sync::Mutex;

use crate::format::duration;
use crate::record::lock;
use crate::report::budget::{BudgetResult, Status};

/// One load's result. Fields carry their JSON names; times are in ns.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
pub struct LoadResult {
    /// The registered or given name.
    pub name: String,
    /// `"closed"` (workers calling back to back) or `"open"` (requests on a timetable).
    pub mode: String,
    /// Closed loop: the workers.
    #[cfg_attr(feature = "json", serde(default, skip_serializing_if = "Option::is_none"))]
    pub concurrency: Option<u32>,
    /// Open loop: the requests a second asked for.
    #[cfg_attr(feature = "json", serde(default, skip_serializing_if = "Option::is_none"))]
    pub target_rps: Option<f64>,
    /// Open loop: the most requests outstanding at once.
    #[cfg_attr(feature = "json", serde(default, skip_serializing_if = "Option::is_none"))]
    pub max_in_flight: Option<u32>,
    /// Counted time: from the end of the warmup to the last completion.
    pub elapsed_ns: u64,
    /// The warmup, run but not counted.
    pub warmup_ns: u64,
    /// The ramp over which the rate or the workers rose.
    pub ramp_ns: u64,
    /// The per-request timeout; absent when there was none.
    #[cfg_attr(feature = "json", serde(default, skip_serializing_if = "Option::is_none"))]
    pub timeout_ns: Option<u64>,
    /// Counted requests, successes and errors.
    pub requests: u64,
    /// Requests that returned `()` or `Ok`.
    pub successes: u64,
    /// Requests that failed, all kinds together.
    pub errors: u64,
    /// The failed requests by kind.
    pub errors_by_kind: ErrorsByKind,
    /// Requests a second: `requests` over `elapsed_ns`.
    pub achieved_rps: f64,
    /// Latency from each request's scheduled start (corrected for coordinated omission). In
    /// a closed loop a request is scheduled when its worker gets to it, so this is the service
    /// time.
    pub latency: Percentiles,
    /// Service time, from each request's actual start (not corrected).
    pub service: Percentiles,
    /// Open loop: requests that started late because `max_in_flight` requests were
    /// outstanding.
    pub late_starts: u64,
    /// Open loop: how late requests started after their scheduled time.
    #[cfg_attr(feature = "json", serde(default, skip_serializing_if = "Option::is_none"))]
    pub lateness: Option<Percentiles>,
    /// `latency`'s histogram, HdrHistogram V2 in base64.
    pub latency_histogram: String,
    /// `service`'s histogram, HdrHistogram V2 in base64.
    pub service_histogram: String,
    /// One point per second of counted time (the last may be shorter).
    pub timeline: Vec<TimelinePoint>,
    /// The budget's clauses and how each fared.
    #[cfg_attr(feature = "json", serde(default))]
    pub budget: Vec<BudgetResult>,
    /// Whether a budget clause failed.
    pub failed: bool,
}

/// Failed requests by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
pub struct ErrorsByKind {
    /// Returned `Err`.
    pub err: u64,
    /// Panicked (caught; the load went on).
    pub panic: u64,
    /// Ran past the timeout and were abandoned.
    pub timeout: u64,
}

/// A latency distribution, in ns.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
pub struct Percentiles {
    /// Mean.
    pub mean_ns: f64,
    /// Median.
    pub p50_ns: u64,
    /// 90th percentile.
    pub p90_ns: u64,
    /// 95th percentile.
    pub p95_ns: u64,
    /// 99th percentile.
    pub p99_ns: u64,
    /// 99.9th percentile.
    pub p999_ns: u64,
    /// Slowest.
    pub max_ns: u64,
}

impl Percentiles {
    #[cfg(all(feature = "bench", feature = "tokio"))]
    pub(crate) fn of(h: &hdrhistogram::Histogram<u64>) -> Self {
        if h.is_empty() {
            return Self::default();
        }
        let q = |q| h.value_at_quantile(q);
        Self {
            mean_ns: h.mean(),
            p50_ns: q(0.5),
            p90_ns: q(0.9),
            p95_ns: q(0.95),
            p99_ns: q(0.99),
            p999_ns: q(0.999),
            max_ns: h.max(),
        }
    }
}

/// One second of a load.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
pub struct TimelinePoint {
    /// Seconds from the end of the warmup to the end of this point.
    pub at_s: f64,
    /// Requests completed in this point.
    pub requests: u64,
    /// Of which failed.
    pub errors: u64,
    /// Requests a second over this point.
    pub rps: f64,
    /// 99th percentile of the corrected latency of the requests completed in this point.
    pub p99_ns: u64,
}

impl LoadResult {
    /// The budget clauses that failed.
    pub fn failures(&self) -> impl Iterator<Item = &BudgetResult> {
        self.budget.iter().filter(|b| b.status == Status::Fail)
    }
}

/// Every load result of this process, for the report's `loads[]`.
static RESULTS: Mutex<Vec<LoadResult>> = Mutex::new(Vec::new());

#[cfg(all(feature = "bench", feature = "tokio"))]
pub(crate) fn keep(result: &LoadResult) {
    let mut all = lock(&RESULTS);
    all.retain(|r| r.name != result.name);
    all.push(result.clone());
}

pub(crate) fn collect() -> Vec<LoadResult> {
    lock(&RESULTS).clone()
}

impl fmt::Display for LoadResult {
    /// The result table of one load.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let how = match (self.concurrency, self.target_rps) {
            (Some(c), _) => format!("closed loop, {c} workers"),
            (None, Some(rps)) => format!(
                "open loop, target {rps:.0} rps, max {} in flight",
                self.max_in_flight.unwrap_or(0)
            ),
            (None, None) => self.mode.clone(),
        };
        writeln!(f, "load {}: {how}, {}", self.name, duration(self.elapsed_ns))?;
        let e = &self.errors_by_kind;
        writeln!(
            f,
            "  requests {}  successes {}  errors {} (err {}, panic {}, timeout {})  achieved {:.1} rps",
            self.requests,
            self.successes,
            self.errors,
            e.err,
            e.panic,
            e.timeout,
            self.achieved_rps
        )?;
        if let Some(late) = &self.lateness {
            writeln!(
                f,
                "  late starts {}  lateness mean {}  p99 {}  max {}",
                self.late_starts,
                duration(late.mean_ns.round() as u64),
                duration(late.p99_ns),
                duration(late.max_ns)
            )?;
        }
        writeln!(
            f,
            "  {:<10} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "", "mean", "p50", "p90", "p95", "p99", "p999", "max"
        )?;
        for (label, p) in [("latency", &self.latency), ("service", &self.service)] {
            writeln!(
                f,
                "  {label:<10} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
                duration(p.mean_ns.round() as u64),
                duration(p.p50_ns),
                duration(p.p90_ns),
                duration(p.p95_ns),
                duration(p.p99_ns),
                duration(p.p999_ns),
                duration(p.max_ns),
            )?;
        }
        if !self.timeline.is_empty() {
            write!(f, "  timeline (s: rps/p99/errors):")?;
            for p in &self.timeline {
                write!(f, " {:.0}: {:.0}/{}/{}", p.at_s, p.rps, duration(p.p99_ns), p.errors)?;
            }
            writeln!(f)?;
        }
        for b in &self.budget {
            writeln!(f, "  budget {}: {} {}", b.status, b.clause(), b.actual_text())?;
        }
        Ok(())
    }
}

/// The `loads:` section of the report table.
pub(crate) fn write_table(f: &mut fmt::Formatter<'_>, results: &[LoadResult]) -> fmt::Result {
    if results.is_empty() {
        return Ok(());
    }
    writeln!(f, "\nloads:")?;
    for r in results {
        write!(f, "{r}")?;
    }
    Ok(())
}
