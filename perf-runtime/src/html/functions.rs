//! The summary table and one card per profiled fn.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::{FunctionReport, Report};

use super::compare::{Compared, Comparison};
use super::plot::{Series, percentile_plot};
use super::units::{change, duration};
use super::{escape, figures, hist};

fn rows_by_name(compared: Option<&Comparison>) -> HashMap<&str, &Compared> {
    compared
        .map(|d| {
            d.rows.iter().filter(|r| r.kind == "function").map(|r| (r.name.as_str(), r)).collect()
        })
        .unwrap_or_default()
}

fn verdict_badge(out: &mut String, verdict: &str) {
    let class = verdict.replace(' ', "-");
    let _ = write!(out, r#"<span class="verdict {class}">{verdict}</span>"#);
}

fn busy_share(f: &FunctionReport) -> Option<f64> {
    let busy = f.busy_total_ns?;
    (f.total_ns > 0).then(|| busy as f64 / f.total_ns as f64)
}

pub(super) fn summary(out: &mut String, report: &Report, compared: Option<&Comparison>) {
    out.push_str(r#"<section id="summary"><h2>Summary</h2>"#);
    if report.functions.is_empty() {
        out.push_str(r#"<p class="empty">No profiled calls recorded.</p></section>"#);
        return;
    }
    let rows = rows_by_name(compared);
    out.push_str(
        r#"<input class="filter" type="search" placeholder="Filter functions…" aria-label="Filter functions" data-table="summary-table">"#,
    );
    out.push_str(r#"<div class="scroll"><table class="sortable" id="summary-table"><thead><tr>"#);
    let mut headers = vec![
        ("function", "text"),
        ("calls", "num"),
        ("errors", "num"),
        ("panics", "num"),
        ("p50", "num"),
        ("p99", "num"),
        ("max", "num"),
        ("total", "num"),
        ("busy", "num"),
    ];
    if compared.is_some() {
        headers.extend([("p99 vs base", "num"), ("verdict", "text")]);
    }
    for (label, kind) in headers {
        let _ = write!(out, r#"<th data-type="{kind}" tabindex="0">{label}</th>"#);
    }
    out.push_str("</tr></thead><tbody>");
    for (i, f) in report.functions.iter().enumerate() {
        let _ = write!(
            out,
            r##"<tr><td class="name"><a href="#f{i}">{}</a>{}</td>"##,
            escape(&f.name),
            if f.sample > 1 { r#" <span class="tag">sampled</span>"# } else { "" }
        );
        let _ = write!(out, r#"<td data-v="{}">{}</td>"#, f.calls, f.calls);
        for count in [f.errors, f.panics] {
            let class = if count > 0 { r#" class="warn""# } else { "" };
            let _ = write!(out, r#"<td data-v="{count}"{class}>{count}</td>"#);
        }
        for v in [f.p50_ns, f.p99_ns, f.max_ns, f.total_ns] {
            let _ = write!(out, r#"<td data-v="{v}">{}</td>"#, duration(v as f64));
        }
        match busy_share(f) {
            Some(share) => {
                let _ = write!(out, r#"<td data-v="{share:.4}">{:.0}%</td>"#, share * 100.0);
            }
            None => out.push_str(r#"<td data-v="-1" class="sync">sync</td>"#),
        }
        if compared.is_some() {
            match rows.get(f.name.as_str()) {
                Some(row) => {
                    let p99 = row.figures.iter().find(|m| m.name == "p99_ns");
                    let pct = p99.and_then(|m| m.change_pct);
                    let _ = write!(
                        out,
                        r#"<td data-v="{}">{}</td><td class="l" data-v="{}">"#,
                        pct.unwrap_or(0.0),
                        change(pct),
                        row.verdict
                    );
                    verdict_badge(out, row.verdict);
                    out.push_str("</td>");
                }
                None => out.push_str(r#"<td data-v="0"></td><td class="l" data-v=""></td>"#),
            }
        }
        out.push_str("</tr>");
    }
    out.push_str(r#"</tbody></table></div><p class="hint">errors: calls that returned <code>Err</code>; panics: calls that unwound (both count in calls). busy: the share of an async fn's wall time spent inside <code>poll</code>, the rest waiting; <i>sync</i> for a sync fn, which holds its thread all its wall time.</p></section>"#);
}

pub(super) fn cards(
    out: &mut String,
    report: &Report,
    baseline: Option<&Report>,
    compared: Option<&Comparison>,
) {
    if report.functions.is_empty() {
        return;
    }
    let rows = rows_by_name(compared);
    out.push_str(r#"<section id="functions"><h2>Functions</h2><p class="hint">Latency by percentile: the x axis counts nines (90%, 99%, 99.9%…), so the tail gets as much room as the median. Hover a dot for its figure.</p>"#);
    for (i, f) in report.functions.iter().enumerate() {
        card(out, i, f, baseline.and_then(|b| b.function(&f.name)), rows.get(f.name.as_str()));
    }
    out.push_str("</section>");
}

fn card(
    out: &mut String,
    i: usize,
    f: &FunctionReport,
    base: Option<&FunctionReport>,
    row: Option<&&Compared>,
) {
    let _ = write!(
        out,
        r##"<article class="card fn" id="f{i}"><h3><a href="#f{i}">{}</a>"##,
        escape(&f.name)
    );
    if f.is_async {
        out.push_str(r#"<span class="tag">async</span>"#);
    }
    if f.sample > 1 {
        let _ = write!(
            out,
            r#"<span class="tag" title="{} of {} calls timed">sampled 1 in {}</span>"#,
            f.timed_calls, f.calls, f.sample
        );
    }
    if let Some(row) = row {
        verdict_badge(out, row.verdict);
    }
    let _ = write!(
        out,
        r#"</h3><p class="where">{}:{}</p><div class="cols"><div class="chart">"#,
        escape(&f.file),
        f.line
    );
    let wall = hist(&f.histogram);
    let base_wall = base.and_then(|b| hist(&b.histogram));
    let busy = f.busy_histogram.as_deref().and_then(hist);
    let mut series = Vec::new();
    if let Some(h) = &wall {
        series.push(Series { hist: h, class: "curve", label: "wall" });
    }
    if let Some(h) = &busy {
        series.push(Series { hist: h, class: "curve-busy", label: "busy (in poll)" });
    }
    if let Some(h) = &base_wall {
        series.push(Series { hist: h, class: "curve-base", label: "baseline" });
    }
    if wall.is_some() {
        out.push_str("<h4>Latency by percentile</h4>");
        percentile_plot(out, &series, &format!("latency by percentile of {}", f.name));
    } else {
        out.push_str(r#"<p class="empty">No timed calls.</p>"#);
    }
    out.push_str(r#"</div><div class="side">"#);
    let mut pairs = vec![
        ("calls", f.calls.to_string()),
        ("errors", f.errors.to_string()),
        ("panics", f.panics.to_string()),
        ("mean", duration(f.mean_ns)),
        ("p50", duration(f.p50_ns as f64)),
        ("p90", duration(f.p90_ns as f64)),
        ("p99", duration(f.p99_ns as f64)),
        ("p99.9", duration(f.p999_ns as f64)),
        ("max", duration(f.max_ns as f64)),
        ("total", duration(f.total_ns as f64)),
    ];
    if f.cancelled > 0 {
        pairs.push(("cancelled", f.cancelled.to_string()));
    }
    if f.slow_calls > 0 {
        pairs.push(("slow calls", f.slow_calls.to_string()));
    }
    figures(out, &pairs);
    if let (Some(busy_total), Some(share)) = (f.busy_total_ns, busy_share(f)) {
        let _ = write!(
            out,
            r#"<div class="busy"><div class="label">busy vs wall: <b>{:.1}%</b> of the wall time was spent in <code>poll</code> ({} of {})</div><div class="bar"><i style="width:{:.2}%"></i></div><div class="sub">median call: {} busy of {} wall · p99: {} busy of {} wall</div></div>"#,
            share * 100.0,
            duration(busy_total as f64),
            duration(f.total_ns as f64),
            (share * 100.0).clamp(0.0, 100.0),
            duration(f.busy_p50_ns.unwrap_or(0) as f64),
            duration(f.p50_ns as f64),
            duration(f.busy_p99_ns.unwrap_or(0) as f64),
            duration(f.p99_ns as f64),
        );
    }
    if let Some(row) = row.filter(|r| r.verdict == "new") {
        let _ = write!(out, r#"<p class="why">{}: not in the baseline</p>"#, row.verdict);
    }
    if let Some(row) = row.filter(|r| r.verdict != "new") {
        out.push_str(r#"<table class="vs"><thead><tr><th></th><th>baseline</th><th>this run</th><th>change</th></tr></thead><tbody>"#);
        for m in row.figures.iter().filter(|m| m.name != "calls") {
            let fmt = |v: Option<f64>| match (m.name, v) {
                (_, None) => "-".to_owned(),
                ("error_rate", Some(v)) => super::units::rate(v),
                (_, Some(v)) => duration(v),
            };
            let class = match m.shift {
                Some("worse") => r#" class="bad""#,
                Some(_) => r#" class="good""#,
                None => "",
            };
            let label = match m.name {
                "error_rate" => "failed (errors + panics)".to_owned(),
                name => name.trim_end_matches("_ns").replace('_', " "),
            };
            let delta = match (m.name, m.base, m.new) {
                ("error_rate", Some(b), Some(n)) => format!("{:+.1}pp", (n - b) * 100.0),
                _ => change(m.change_pct),
            };
            let _ = write!(
                out,
                "<tr{class}><th>{label}</th><td>{}</td><td>{}</td><td>{delta}</td></tr>",
                fmt(m.base),
                fmt(m.new),
            );
        }
        let _ = write!(out, r#"</tbody></table><p class="why">{}</p>"#, escape(&row.why));
    }
    if !f.slowest.is_empty() {
        out.push_str(r#"<div class="slowest"><h4>Slowest calls</h4><ol>"#);
        for s in &f.slowest {
            let _ = write!(
                out,
                "<li><b>{}</b> <span>{}</span></li>",
                duration(s.duration_ns as f64),
                escape(&s.at)
            );
        }
        out.push_str("</ol></div>");
    }
    if f.sample > 1 {
        let _ = write!(
            out,
            r#"<p class="note">Sampled: 1 call in {} timed ({} of {}); counts are exact, percentiles describe the timed calls, mean and total are scaled up.</p>"#,
            f.sample, f.timed_calls, f.calls
        );
    }
    out.push_str("</div></div></article>");
}
