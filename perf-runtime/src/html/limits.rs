//! One card per rate limiter: how its calls were decided, and what waiting and keys cost.

use std::fmt::Write as _;

use crate::Report;
use crate::limit::LimitReport;

use super::units::duration;
use super::{escape, figures};

pub(super) fn section(out: &mut String, report: &Report, baseline: Option<&Report>) {
    if report.limits.is_empty() {
        return;
    }
    out.push_str(r#"<section id="limits"><h2>Rate limits</h2>"#);
    for (i, l) in report.limits.iter().enumerate() {
        card(out, i, l, baseline.and_then(|b| b.limit(&l.name)));
    }
    out.push_str("</section>");
}

fn card(out: &mut String, i: usize, l: &LimitReport, base: Option<&LimitReport>) {
    let _ = write!(
        out,
        r##"<article class="card limit" id="l{i}"><h3><a href="#l{i}">{}</a></h3><p class="where">{}:{} · {}</p><div class="cols"><div class="chart">"##,
        escape(&l.name),
        escape(&l.file),
        l.line,
        escape(&l.scope),
    );
    out.push_str("<h4>Decisions</h4>");
    decisions_chart(out, l, base);
    out.push_str(r#"</div><div class="side">"#);
    let quota = match (l.rate_per_s, l.burst) {
        (Some(rate), Some(burst)) => format!("{rate}/s, burst {burst}"),
        _ => "per call (quota = expr)".to_owned(),
    };
    let mut pairs = vec![
        ("quota", quota),
        ("admitted", l.admitted.to_string()),
        ("rejected", format!("{} ({:.2}%)", l.rejected, l.rejected_ratio() * 100.0)),
        ("waited", l.waited.to_string()),
        ("slept in all", duration(l.wait_total_ns as f64)),
    ];
    for (label, v) in
        [("wait p50", l.wait_p50_ns), ("wait p99", l.wait_p99_ns), ("wait max", l.wait_max_ns)]
    {
        if let Some(v) = v {
            pairs.push((label, duration(v as f64)));
        }
    }
    if l.keyed {
        pairs.push(("live keys", format!("{} of {}", l.live_keys, l.max_keys)));
        pairs.push(("key overflows", l.key_overflows.to_string()));
    }
    if l.scope == "redis" {
        pairs.push((
            "fallback local / allow / deny",
            format!("{} / {} / {}", l.fallback_local, l.fallback_allow, l.fallback_deny),
        ));
    }
    if let Some(b) = base {
        pairs.push(("baseline rejected", format!("{:.2}%", b.rejected_ratio() * 100.0)));
    }
    figures(out, &pairs);
    out.push_str("</div></div></article>");
}

/// One bar split three ways: admitted at once, admitted after a wait, refused.
fn decisions_chart(out: &mut String, l: &LimitReport, base: Option<&LimitReport>) {
    let (w, h, left) = (560.0, 90.0, 70.0);
    let rows: Vec<(&str, &LimitReport)> =
        std::iter::once(("this run", l)).chain(base.map(|b| ("baseline", b))).collect();
    let _ = write!(
        out,
        r#"<svg class="plot bars" viewBox="0 0 {w} {h}" role="img" aria-label="decisions of {}">"#,
        escape(&l.name)
    );
    for (row, (label, r)) in rows.iter().enumerate() {
        let total = (r.admitted + r.rejected).max(1) as f64;
        let y = 10.0 + row as f64 * 36.0;
        let mut x = left;
        let _ = write!(out, r#"<text x="4" y="{:.1}">{label}</text>"#, y + 18.0);
        for (class, count, what) in [
            ("bar", r.admitted - r.waited, "admitted at once"),
            ("bar-base", r.waited, "admitted after a wait"),
            ("bar bad", r.rejected, "rejected"),
        ] {
            let width = count as f64 / total * (w - left - 10.0);
            let _ = write!(
                out,
                r#"<rect class="{class}" x="{x:.1}" y="{y:.1}" width="{width:.1}" height="26"><title>{count} {what}</title></rect>"#,
            );
            x += width;
        }
    }
    out.push_str("</svg>");
}
