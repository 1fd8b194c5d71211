//! The benches table (medians with the 95% interval of the mean, and the change against a
//! baseline) and the budgets the report was checked against.

use std::fmt::Write as _;

use crate::Report;
use crate::bench::BenchResult;
use crate::budget::{Limit, Status};

use super::compare::Comparison;
use super::escape;
use super::units::duration;

fn ns(v: f64) -> String {
    if v < 1000.0 { format!("{v:.2}ns") } else { duration(v) }
}

pub(super) fn section(out: &mut String, report: &Report, compared: Option<&Comparison>) {
    if report.benches.is_empty() {
        return;
    }
    out.push_str(r#"<section id="benches"><h2>Benches</h2><p class="hint">The strip shows each bench's samples from fastest to slowest, the 95% interval of the mean as a box and the median as a tick.</p><div class="scroll"><table class="sortable" id="bench-table"><thead><tr>"#);
    for (label, kind) in [
        ("bench", "text"),
        ("median", "num"),
        ("mean", "num"),
        ("95% interval of the mean", "num"),
        ("samples", "text"),
        ("ops/s", "num"),
        ("outliers", "num"),
        ("change", "num"),
        ("verdict", "text"),
    ] {
        let _ = write!(out, r#"<th data-type="{kind}" tabindex="0">{label}</th>"#);
    }
    out.push_str("</tr></thead><tbody>");
    for b in &report.benches {
        let _ = write!(
            out,
            r#"<tr><td class="name">{}</td><td data-v="{}">{}</td><td data-v="{}">{}</td><td data-v="{}">"#,
            escape(&b.name),
            b.median_ns,
            ns(b.median_ns),
            b.mean_ns,
            ns(b.mean_ns),
            b.ci95_high_ns - b.ci95_low_ns
        );
        strip(out, b);
        let _ = write!(
            out,
            r#" {} – {}</td><td>{} × {}</td><td data-v="{}">{}</td><td data-v="{}">{}</td>"#,
            ns(b.ci95_low_ns),
            ns(b.ci95_high_ns),
            b.samples,
            b.iterations,
            // No rate when the median is below what the harness resolves.
            b.ops_per_sec.unwrap_or(f64::MAX),
            b.ops_per_sec.map_or("unbounded".to_owned(), |r| format!("{r:.0}")),
            b.outliers,
            b.outliers
        );
        // Against the page's baseline report if given, else the bench run's own `--baseline`.
        let row = compared.and_then(|d| d.row("bench", &b.name));
        let mean = row.and_then(|r| r.figures.iter().find(|m| m.name == "mean_ns"));
        let change = match (row, mean) {
            (Some(row), Some(m)) => {
                m.change_pct.zip(m.change_ci95_pct).map(|(c, ci)| (c, ci, row.verdict.to_owned()))
            }
            _ => b.baseline.as_ref().and_then(|base| {
                let (change, ci) = base.change_pct.zip(base.change_ci95_pct)?;
                Some((change, ci, base.verdict.clone()))
            }),
        };
        match change {
            Some((c, (lo, hi), verdict)) => {
                let class = verdict.replace(' ', "-");
                let _ = write!(
                    out,
                    r#"<td data-v="{c}">{c:+.1}% <span class="sub">[{lo:+.1}%, {hi:+.1}%]</span></td><td class="l" data-v="{verdict}"><span class="verdict {class}">{verdict}</span></td>"#
                );
            }
            None => {
                let verdict = row.map_or("", |r| r.verdict);
                let _ = write!(
                    out,
                    r#"<td data-v="0"></td><td class="l" data-v="{verdict}">{verdict}</td>"#
                );
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div></section>");
}

/// A small strip: min to max as a line, the interval of the mean as a box, the median a tick.
fn strip(out: &mut String, b: &BenchResult) {
    let (w, h) = (120.0, 14.0);
    let (lo, hi) = (b.min_ns.min(b.ci95_low_ns), b.max_ns.max(b.ci95_high_ns));
    let span = (hi - lo).max(f64::MIN_POSITIVE);
    let x = |v: f64| 2.0 + (v - lo) / span * (w - 4.0);
    let _ = write!(
        out,
        r#"<svg class="strip" viewBox="0 0 {w} {h}" width="{w}" height="{h}" aria-hidden="true"><path class="range" d="M{:.1},7H{:.1}"/><rect class="ci" x="{:.1}" y="3" width="{:.1}" height="8"/><path class="median" d="M{:.1},1V13"/></svg>"#,
        x(b.min_ns),
        x(b.max_ns),
        x(b.ci95_low_ns),
        (x(b.ci95_high_ns) - x(b.ci95_low_ns)).max(1.0),
        x(b.median_ns)
    );
}

pub(super) fn budgets(out: &mut String, report: &Report) {
    if report.budgets.is_empty() {
        return;
    }
    out.push_str(r#"<section id="budgets"><h2>Budgets</h2><div class="scroll"><table class="sortable" id="budget-table"><thead><tr>"#);
    for (label, kind) in [
        ("status", "text"),
        ("function", "text"),
        ("budget", "text"),
        ("actual", "num"),
        ("calls", "num"),
    ] {
        let _ = write!(out, r#"<th data-type="{kind}" tabindex="0">{label}</th>"#);
    }
    out.push_str("</tr></thead><tbody>");
    for r in &report.budgets {
        let (class, status) = match r.status {
            Status::Fail => ("regressed", "fail"),
            Status::Pass => ("improved", "pass"),
            Status::NoData => ("no-change", "no data"),
        };
        let actual = match (r.actual, r.limit) {
            (None, _) if r.calls == 0 => "never called".to_owned(),
            (None, _) => "no data".to_owned(),
            (Some(v), Limit::Nanos(_)) => duration(v),
            (Some(v), Limit::Percent(_)) => format!("{v:.2}%"),
            (Some(v), Limit::Count(_)) => format!("{v:.0}"),
        };
        let _ = write!(
            out,
            r#"<tr><td data-v="{status}"><span class="verdict {class}">{status}</span></td><td class="name">{}</td><td class="l">{}</td><td data-v="{}">{actual}</td><td data-v="{}">{}</td></tr>"#,
            escape(&r.r#fn),
            escape(&r.clause().to_string()),
            r.actual.unwrap_or(-1.0),
            r.calls,
            r.calls
        );
    }
    out.push_str("</tbody></table></div></section>");
}
