//! `perf-report show`: the table `report()` prints, sorted and filtered.

use perf_runtime::Report;

/// The order of the functions table, largest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Sort {
    /// Wall time of all calls (the order `report()` prints).
    #[default]
    Total,
    /// 99th percentile.
    P99,
    /// Calls.
    Calls,
    /// Calls that returned `Err`.
    Errors,
}

/// The report with its fns in `sort` order and, given a `filter`, only the entries (fns,
/// caches, retries, benches, loads, budget results, breakers) whose name holds it. Its `Display` is the table.
///
/// ```
/// use perf_report::{Sort, show};
///
/// let report: perf_runtime::Report = serde_json::from_str(r#"{
///     "schema_version": 1, "generated_at": "2026-01-01T00:00:00.000Z",
///     "functions": [], "caches": [], "retries": [], "benches": []
/// }"#).unwrap();
/// let shown = show(&report, Sort::P99, Some("db."));
/// assert!(shown.to_string().contains("no profiled calls recorded"));
/// ```
pub fn show(report: &Report, sort: Sort, filter: Option<&str>) -> Report {
    let keep = |name: &str| filter.is_none_or(|f| name.contains(f));
    let mut out = report.clone();
    out.functions.retain(|f| keep(&f.name));
    out.caches.retain(|c| keep(&c.name));
    out.retries.retain(|r| keep(&r.name));
    out.benches.retain(|b| keep(&b.name));
    out.loads.retain(|l| keep(&l.name));
    out.budgets.retain(|b| keep(&b.r#fn));
    out.batchers.retain(|b| keep(&b.name));
    out.limits.retain(|l| keep(&l.name));
    out.breakers.retain(|b| keep(&b.name));
    let key = |f: &perf_runtime::FunctionReport| match sort {
        Sort::Total => f.total_ns,
        Sort::P99 => f.p99_ns,
        Sort::Calls => f.calls,
        Sort::Errors => f.errors,
    };
    out.functions.sort_by(|a, b| key(b).cmp(&key(a)).then_with(|| a.name.cmp(&b.name)));
    out
}
