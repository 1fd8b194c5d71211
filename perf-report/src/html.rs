//! `perf-report html`: perf-runtime's page (`perf_runtime::html`, the renderer the exporter's
//! live page shares), with this crate's diff against a baseline beside each fn and bench.

use perf_runtime::Report;
use perf_runtime::html::{Compared, Comparison, Figure};

use crate::diff::{Diff, DiffOptions, Kind, diff};

/// The page for `report`, with `baseline`'s curves and figures beside it when given. `title`
/// names the report (its file name, say).
///
/// ```
/// let report: perf_runtime::Report = serde_json::from_str(r#"{
///     "schema_version": 1, "generated_at": "2026-01-01T00:00:00.000Z",
///     "functions": [], "caches": [], "retries": [], "benches": []
/// }"#).unwrap();
/// let page = perf_report::html(&report, None, "empty.json");
/// assert!(page.starts_with("<!doctype html>"));
/// assert!(!page.contains("http://") && !page.contains("https://"));
/// ```
pub fn html(report: &Report, baseline: Option<(&Report, &str)>, title: &str) -> String {
    let compared = baseline.map(|(b, _)| comparison(&diff(b, report, DiffOptions::default())));
    perf_runtime::html::page(report, baseline, compared.as_ref(), title)
}

/// The diff's rows as the page draws them.
fn comparison(d: &Diff) -> Comparison {
    let rows = d
        .rows
        .iter()
        .map(|r| Compared {
            kind: match r.kind {
                Kind::Function => "function",
                Kind::Cache => "cache",
                Kind::Retry => "retry",
                Kind::Bench => "bench",
                Kind::Load => "load",
                Kind::Batcher => "batcher",
                Kind::Limit => "limit",
            },
            name: r.name.clone(),
            verdict: r.verdict.as_str(),
            why: r.why.clone(),
            figures: r
                .metrics
                .iter()
                .map(|m| Figure {
                    name: m.name,
                    base: m.base,
                    new: m.new,
                    change_pct: m.change_pct,
                    change_ci95_pct: m.change_ci95_pct,
                    shift: m.shift,
                })
                .collect(),
        })
        .collect();
    Comparison { regressed: d.regressed, improved: d.improved, rows }
}
