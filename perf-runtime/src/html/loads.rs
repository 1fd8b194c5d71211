//! The loads table (requests, errors, achieved rate, corrected latency beside service time) and
//! each load's per-second timeline as an inline SVG: requests a second and p99 latency.

use std::fmt::Write as _;

use crate::Report;
use crate::load::LoadResult;

use super::escape;
use super::units::duration;

pub(super) fn section(out: &mut String, report: &Report) {
    if report.loads.is_empty() {
        return;
    }
    out.push_str(r#"<section id="loads"><h2>Loads</h2><p class="hint">Latency counts from each request's scheduled start (corrected for coordinated omission); service time from its actual start.</p><div class="scroll"><table class="sortable" id="load-table"><thead><tr>"#);
    for (label, kind) in [
        ("load", "text"),
        ("mode", "text"),
        ("requests", "num"),
        ("errors", "num"),
        ("rps", "num"),
        ("latency p50", "num"),
        ("latency p99", "num"),
        ("latency max", "num"),
        ("service p99", "num"),
        ("late starts", "num"),
        ("budget", "text"),
    ] {
        let _ = write!(out, r#"<th data-type="{kind}" tabindex="0">{label}</th>"#);
    }
    out.push_str("</tr></thead><tbody>");
    for l in &report.loads {
        let mode = match (l.concurrency, l.target_rps) {
            (Some(c), _) => format!("closed, {c} workers"),
            (None, Some(rps)) => format!("open, {rps:.0}/s"),
            (None, None) => l.mode.clone(),
        };
        let e = &l.errors_by_kind;
        let budget = match (l.budget.is_empty(), l.failed) {
            (true, _) => "",
            (false, true) => "failed",
            (false, false) => "passed",
        };
        let ns = |v: u64| (v, duration(v as f64));
        let (p50, p99, max, service) = (
            ns(l.latency.p50_ns),
            ns(l.latency.p99_ns),
            ns(l.latency.max_ns),
            ns(l.service.p99_ns),
        );
        let _ = write!(
            out,
            r#"<tr><td class="name">{}</td><td>{mode}</td><td data-v="{}">{}</td><td data-v="{}" title="err {}, panic {}, timeout {}">{}</td><td data-v="{:.1}">{:.1}</td><td data-v="{}">{}</td><td data-v="{}">{}</td><td data-v="{}">{}</td><td data-v="{}">{}</td><td data-v="{}">{}</td><td>{budget}</td></tr>"#,
            escape(&l.name),
            l.requests,
            l.requests,
            l.errors,
            e.err,
            e.panic,
            e.timeout,
            l.errors,
            l.achieved_rps,
            l.achieved_rps,
            p50.0,
            p50.1,
            p99.0,
            p99.1,
            max.0,
            max.1,
            service.0,
            service.1,
            l.late_starts,
            l.late_starts,
        );
    }
    out.push_str("</tbody></table></div>");
    for l in &report.loads {
        timeline(out, l);
    }
    out.push_str("</section>");
}

const W: f64 = 600.0;
const H: f64 = 120.0;

/// Requests a second (solid) and p99 (dashed) over the load's seconds, each scaled to its own
/// maximum, with both maxima written on the axis.
fn timeline(out: &mut String, l: &LoadResult) {
    if l.timeline.is_empty() {
        return;
    }
    let end = l.timeline.last().map_or(1.0, |p| p.at_s).max(1e-9);
    let max_rps = l.timeline.iter().map(|p| p.rps).fold(0.0, f64::max).max(1e-9);
    let max_p99 = l.timeline.iter().map(|p| p.p99_ns).max().unwrap_or(0).max(1) as f64;
    let points = |y: &dyn Fn(&crate::load::TimelinePoint) -> f64| {
        let mut s = String::new();
        for p in &l.timeline {
            let _ = write!(s, "{:.1},{:.1} ", p.at_s / end * W, H - y(p) * (H - 10.0));
        }
        s
    };
    let rps = points(&|p| p.rps / max_rps);
    let p99 = points(&|p| p.p99_ns as f64 / max_p99);
    let _ = write!(
        out,
        r##"<figure class="timeline"><figcaption>{name}: requests a second (solid, up to {max_rps:.0}) and p99 latency (dashed, up to {p99_max}) per second, over {end:.1}s</figcaption><svg viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="timeline of {name}"><line x1="0" y1="{H}" x2="{W}" y2="{H}" stroke="currentColor" stroke-opacity="0.3"/><polyline class="rps" fill="none" stroke="#2b6cb0" stroke-width="2" points="{rps}"/><polyline class="p99" fill="none" stroke="#c05621" stroke-width="2" stroke-dasharray="5 3" points="{p99}"/></svg></figure>"##,
        name = escape(&l.name),
        p99_max = duration(max_p99),
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_load_gets_a_row_and_a_timeline() {
        let pct = r#"{"mean_ns": 2e6, "p50_ns": 1000000, "p90_ns": 2000000, "p95_ns": 3000000,
            "p99_ns": 4000000, "p999_ns": 5000000, "max_ns": 6000000}"#;
        let report: crate::Report = serde_json::from_str(&format!(
            r#"{{"schema_version": 1, "generated_at": "2026-01-01T00:00:00.000Z",
            "functions": [], "caches": [], "retries": [], "benches": [],
            "loads": [{{"name": "checkout <open>", "mode": "open", "target_rps": 300.0,
                "max_in_flight": 16, "elapsed_ns": 2000000000, "warmup_ns": 0, "ramp_ns": 0,
                "requests": 600, "successes": 599, "errors": 1,
                "errors_by_kind": {{"err": 1, "panic": 0, "timeout": 0}},
                "achieved_rps": 300.0, "latency": {pct}, "service": {pct}, "late_starts": 3,
                "latency_histogram": "", "service_histogram": "",
                "timeline": [{{"at_s": 1.0, "requests": 300, "errors": 1, "rps": 300.0,
                    "p99_ns": 4000000}}, {{"at_s": 2.0, "requests": 300, "errors": 0,
                    "rps": 300.0, "p99_ns": 2000000}}],
                "budget": [], "failed": false}}]}}"#
        ))
        .unwrap();
        let page = super::super::page(&report, None, None, "load.json");
        assert!(page.contains(r##"<a href="#loads">Loads</a>"##));
        assert!(page.contains("<td class=\"name\">checkout &lt;open&gt;</td><td>open, 300/s</td>"));
        assert!(page.contains(r#"points="300.0,10.0 600.0,10.0 ""#), "rps at its maximum");
        assert!(page.contains(r#"points="300.0,10.0 600.0,65.0 ""#), "p99 halves");
    }
}
