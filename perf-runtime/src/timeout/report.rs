//! The `timeouts[]` part of the report: one [`TimeoutReport`] per `#[timeout]` name.

use std::fmt::{self, Formatter};

use crate::format::duration as format_duration;
use crate::report::MergeError;

/// What `#[timeout]` recorded for one name. Durations are nanoseconds.
///
/// ```
/// use perf_runtime::{Elapsed, timeout};
///
/// #[derive(Debug)]
/// struct TooSlow;
/// impl From<Elapsed> for TooSlow {
///     fn from(_: Elapsed) -> Self {
///         TooSlow
///     }
/// }
///
/// #[timeout("10ms", name = "doc.timeout")]
/// async fn answer(stall: bool) -> Result<u32, TooSlow> {
///     if stall {
///         std::future::pending::<()>().await;
///     }
///     Ok(42)
/// }
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// assert_eq!(answer(false).await.unwrap(), 42);
/// assert!(answer(true).await.is_err());
/// # });
/// let t = perf_runtime::Report::collect().timeout("doc.timeout").cloned().unwrap();
/// assert_eq!((t.calls, t.elapsed), (2, 1));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
pub struct TimeoutReport {
    /// `module::fn`, `module::Type::method`, or the attribute's `name = "..."`.
    pub name: String,
    /// Source file of the fn.
    pub file: String,
    /// Line of the fn's attribute.
    pub line: u32,
    /// The deadline.
    pub timeout_ns: u64,
    /// Calls that finished or ran out of time (a call cancelled from outside is neither).
    pub calls: u64,
    /// Calls dropped at the deadline.
    pub elapsed: u64,
}

/// Every timeout name with calls, by name (none without the `timeout` feature).
pub(crate) fn collect() -> Vec<TimeoutReport> {
    #[cfg(feature = "timeout")]
    let mut out: Vec<_> = super::stats::all()
        .into_iter()
        .filter_map(|s| {
            let t = s.totals();
            (t.calls != 0).then(|| TimeoutReport {
                name: s.name.to_string(),
                file: s.file.to_owned(),
                line: s.line,
                timeout_ns: s.timeout_ns,
                calls: t.calls,
                elapsed: t.elapsed,
            })
        })
        .collect();
    #[cfg(not(feature = "timeout"))]
    let mut out: Vec<TimeoutReport> = Vec::new();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Processes' entries of one name, counts summed.
pub(crate) fn merge(group: &[&TimeoutReport]) -> Result<TimeoutReport, MergeError> {
    let mut out = group[0].clone();
    out.calls = group.iter().map(|t| t.calls).sum();
    out.elapsed = group.iter().map(|t| t.elapsed).sum();
    Ok(out)
}

/// What happened between `e` and `t`; `None` when counts went down (a reset).
pub(crate) fn delta(t: &TimeoutReport, e: &TimeoutReport) -> Option<TimeoutReport> {
    let mut out = t.clone();
    out.calls = t.calls.checked_sub(e.calls)?;
    out.elapsed = t.elapsed.checked_sub(e.elapsed)?;
    Some(out)
}

/// The `timeouts` section of the report table.
pub(crate) fn write_table(f: &mut Formatter<'_>, timeouts: &[TimeoutReport]) -> fmt::Result {
    if timeouts.is_empty() {
        return Ok(());
    }
    let width =
        timeouts.iter().map(|t| t.name.chars().count()).max().unwrap_or(0).max("timeout".len());
    writeln!(f, "\ntimeouts:")?;
    writeln!(f, "{:<width$} {:>9} {:>9} {:>9} {:>8}", "timeout", "after", "calls", "elapsed", "%")?;
    for t in timeouts {
        let pct = if t.calls == 0 { 0.0 } else { 100.0 * t.elapsed as f64 / t.calls as f64 };
        writeln!(
            f,
            "{:<width$} {:>9} {:>9} {:>9} {:>7.2}%",
            t.name,
            format_duration(t.timeout_ns),
            t.calls,
            t.elapsed,
            pct,
        )?;
    }
    Ok(())
}
