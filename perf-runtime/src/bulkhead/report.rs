//! The `bulkheads[]` part of the report: one [`BulkheadReport`] per bulkhead name, its table,
//! and how reports of several processes or two times combine.

use std::fmt::{self, Formatter};

use hdrhistogram::Histogram;

use crate::format::duration as format_duration;
use crate::report::MergeError;
use crate::report::merge::{At, Sum, quantile, subtract};

/// What one bulkhead saw. Fields carry their JSON names; durations are nanoseconds.
///
/// Every call either got in or was refused: `calls == admitted + rejected`.
///
/// ```
/// use perf_runtime::bulkhead::{self, Full};
///
/// #[derive(Debug)]
/// struct Busy;
/// impl From<Full> for Busy {
///     fn from(_: Full) -> Self {
///         Busy
///     }
/// }
///
/// #[perf_runtime::bulkhead(name = "doc.report", max_concurrent = 1)]
/// fn inner() -> Result<(), Busy> {
///     Ok(())
/// }
///
/// #[perf_runtime::bulkhead(name = "doc.report", max_concurrent = 1)]
/// fn outer() -> Result<(), Busy> {
///     inner() // the one permit is held by `outer`: refused at once
/// }
///
/// assert!(outer().is_err());
/// let report = perf_runtime::Report::collect();
/// let b = report.bulkhead("doc.report").unwrap();
/// assert_eq!((b.calls, b.admitted, b.rejected, b.max_in_flight, b.in_flight), (2, 1, 1, 1, 0));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
pub struct BulkheadReport {
    /// `module::fn`, `module::Type::method`, or the attribute's `name = "..."`.
    pub name: String,
    /// Source file of the fn (or handle) that declared it first.
    pub file: String,
    /// Its line.
    pub line: u32,
    /// The bound: calls inside at once.
    pub max_concurrent: u32,
    /// How long a call may wait for a place before it is refused.
    pub max_wait_ns: u64,
    /// Calls inside when the report was taken.
    pub in_flight: u32,
    /// The most calls inside at once (since start or the last reset).
    pub max_in_flight: u32,
    /// Calls that asked to enter.
    pub calls: u64,
    /// Calls that got in.
    pub admitted: u64,
    /// Calls that got in after waiting.
    pub waited: u64,
    /// Calls refused with `Full` after waiting `max_wait`.
    pub rejected: u64,
    /// Median wait of the calls that waited and got in.
    pub wait_p50_ns: Option<u64>,
    /// 99th percentile of those waits.
    pub wait_p99_ns: Option<u64>,
    /// The longest of those waits.
    pub wait_max_ns: Option<u64>,
    /// Those waits in HdrHistogram's V2 encoding, base64, so that merges stay exact.
    #[cfg_attr(feature = "json", serde(skip_serializing_if = "Option::is_none", default))]
    pub wait_histogram: Option<String>,
}

impl BulkheadReport {
    /// Refused calls per call, 0 without calls.
    pub fn rejected_rate(&self) -> f64 {
        if self.calls == 0 { 0.0 } else { self.rejected as f64 / self.calls as f64 }
    }

    fn set_waits(&mut self, waits: Option<&Histogram<u64>>) {
        let waits = waits.filter(|h| !h.is_empty());
        self.wait_p50_ns = waits.map(|h| quantile(h, 0.5));
        self.wait_p99_ns = waits.map(|h| quantile(h, 0.99));
        self.wait_max_ns = waits.map(|h| h.max());
        self.wait_histogram = waits.map(crate::report::histogram::encode);
    }

    fn counts(&mut self) -> [&mut u64; 4] {
        [&mut self.calls, &mut self.admitted, &mut self.waited, &mut self.rejected]
    }
}

/// Every bulkhead with calls, by name (none without the `bulkhead` feature).
pub(crate) fn collect() -> Vec<BulkheadReport> {
    #[cfg(feature = "bulkhead")]
    let mut out: Vec<_> = super::registry::all()
        .into_iter()
        .filter_map(|gate| {
            let (t, max_in_flight) = gate.totals();
            let calls = t.admitted + t.rejected;
            if calls == 0 && gate.in_flight() == 0 {
                return None;
            }
            let mut r = BulkheadReport {
                name: gate.name.to_owned(),
                file: gate.meta.file.to_owned(),
                line: gate.meta.line,
                max_concurrent: gate.max_concurrent,
                max_wait_ns: gate.max_wait.as_nanos() as u64,
                in_flight: gate.in_flight(),
                max_in_flight,
                calls,
                admitted: t.admitted,
                waited: t.waited,
                rejected: t.rejected,
                wait_p50_ns: None,
                wait_p99_ns: None,
                wait_max_ns: None,
                wait_histogram: None,
            };
            r.set_waits(Some(&t.wait_ns));
            Some(r)
        })
        .collect();
    #[cfg(not(feature = "bulkhead"))]
    let mut out: Vec<BulkheadReport> = Vec::new();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Processes' entries of one name: counts and calls inside summed, the peak the highest
/// one process saw (each process has its own bulkhead), waits added.
pub(crate) fn merge(group: &[&BulkheadReport]) -> Result<BulkheadReport, MergeError> {
    let mut out = group[0].clone();
    out.counts().into_iter().for_each(|v| *v = 0);
    out.in_flight = 0;
    out.max_in_flight = 0;
    let mut waits = Sum::Empty;
    for r in group {
        let mut r2 = (*r).clone();
        for (sum, v) in out.counts().into_iter().zip(r2.counts()) {
            *sum += *v;
        }
        out.in_flight += r.in_flight;
        out.max_in_flight = out.max_in_flight.max(r.max_in_flight);
        if let Some(text) = &r.wait_histogram {
            At { section: "bulkheads", name: &r.name, field: "wait_histogram" }
                .add(&mut waits, text)?;
        }
    }
    out.set_waits(waits.finish().as_ref());
    Ok(out)
}

/// What happened between `e` and `r` of one process; `None` when counts went down (a reset).
/// `in_flight` and `max_in_flight` are levels: the later report's.
pub(crate) fn delta(r: &BulkheadReport, e: &BulkheadReport) -> Option<BulkheadReport> {
    let mut out = r.clone();
    let mut e2 = e.clone();
    for (v, ev) in out.counts().into_iter().zip(e2.counts()) {
        *v = v.checked_sub(*ev)?;
    }
    let waits = match (&r.wait_histogram, &e.wait_histogram) {
        (Some(l), Some(e)) => Some(subtract(l, e)?),
        (Some(l), None) => Some(crate::report::histogram::decode(l).ok()?),
        (None, None) => None,
        (None, Some(_)) => return None,
    };
    out.set_waits(waits.as_ref());
    Some(out)
}

/// The `bulkheads` section of the report table.
pub(crate) fn write_table(f: &mut Formatter<'_>, bulkheads: &[BulkheadReport]) -> fmt::Result {
    if bulkheads.is_empty() {
        return Ok(());
    }
    let width =
        bulkheads.iter().map(|r| r.name.chars().count()).max().unwrap_or(0).max("bulkhead".len());
    writeln!(f, "\nbulkheads:")?;
    writeln!(
        f,
        "{:<width$} {:>6} {:>9} {:>7} {:>9} {:>9} {:>8} {:>8} {:>9} {:>9} {:>9}",
        "bulkhead",
        "bound",
        "max wait",
        "inside",
        "peak",
        "calls",
        "waited",
        "rejected",
        "wait p50",
        "wait p99",
        "wait max",
    )?;
    let opt = |v: Option<u64>| v.map(format_duration).unwrap_or_else(|| "-".into());
    for r in bulkheads {
        writeln!(
            f,
            "{:<width$} {:>6} {:>9} {:>7} {:>9} {:>9} {:>8} {:>8} {:>9} {:>9} {:>9}",
            r.name,
            r.max_concurrent,
            format_duration(r.max_wait_ns),
            r.in_flight,
            r.max_in_flight,
            r.calls,
            r.waited,
            r.rejected,
            opt(r.wait_p50_ns),
            opt(r.wait_p99_ns),
            opt(r.wait_max_ns),
        )?;
    }
    Ok(())
}
