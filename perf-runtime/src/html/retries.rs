//! One card per `#[retry]` fn: the attempts histogram and what the retries did.

use std::fmt::Write as _;

use crate::Report;
use crate::retry::RetryReport;

use super::units::duration;
use super::{escape, figures};

pub(super) fn section(out: &mut String, report: &Report, baseline: Option<&Report>) {
    if report.retries.is_empty() {
        return;
    }
    out.push_str(r#"<section id="retries"><h2>Retries</h2>"#);
    for (i, r) in report.retries.iter().enumerate() {
        card(out, i, r, baseline.and_then(|b| b.retry(&r.name)));
    }
    out.push_str("</section>");
}

fn card(out: &mut String, i: usize, r: &RetryReport, base: Option<&RetryReport>) {
    let _ = write!(
        out,
        r##"<article class="card retry" id="r{i}"><h3><a href="#r{i}">{}</a></h3><p class="where">{}:{}</p><div class="cols"><div class="chart">"##,
        escape(&r.name),
        escape(&r.file),
        r.line
    );
    out.push_str("<h4>Calls by attempts taken</h4>");
    attempts_chart(out, r, base);
    out.push_str(r#"</div><div class="side">"#);
    let mut pairs = vec![
        ("calls", r.calls.to_string()),
        ("attempts", r.attempts.to_string()),
        ("retries", r.retries.to_string()),
        ("ok", r.successes.to_string()),
        ("ok after a retry", r.successes_after_retry.to_string()),
        ("gave up", r.giveups.to_string()),
        ("permanent errors", r.permanent_errors.to_string()),
        ("budget refused", r.budget_refused.to_string()),
        ("deadline stops", r.deadline_stops.to_string()),
        ("timeouts", r.timeouts.to_string()),
        ("slept", duration(r.sleep_total_ns as f64)),
        ("max attempts", r.max_attempts.to_string()),
    ];
    // Only with `timed = true`.
    for (label, v) in [
        ("attempt p50", r.attempt_p50_ns),
        ("attempt p99", r.attempt_p99_ns),
        ("call p50", r.call_p50_ns),
        ("call p99", r.call_p99_ns),
    ] {
        if let Some(v) = v {
            pairs.push((label, duration(v as f64)));
        }
    }
    figures(out, &pairs);
    out.push_str("</div></div></article>");
}

/// Bars: calls that took 1, 2, 3… attempts (the baseline's as outlines).
fn attempts_chart(out: &mut String, r: &RetryReport, base: Option<&RetryReport>) {
    let used = |h: &[u64]| h.iter().rposition(|&c| c > 0).map_or(0, |i| i + 1);
    let slots = used(&r.attempts_histogram)
        .max(base.map_or(0, |b| used(&b.attempts_histogram)))
        .max((r.max_attempts as usize).min(r.attempts_histogram.len()))
        .max(1);
    let top = r
        .attempts_histogram
        .iter()
        .chain(base.map_or(&[][..], |b| &b.attempts_histogram[..]))
        .copied()
        .max()
        .unwrap_or(0)
        .max(1);
    let (w, h, left, bottom, top_pad) = (560.0, 200.0, 40.0, 34.0, 16.0);
    let slot = (w - left - 10.0) / slots as f64;
    let bar = (slot * 0.6).min(60.0);
    let _ = write!(
        out,
        r#"<svg class="plot bars" viewBox="0 0 {w} {h}" role="img" aria-label="calls by attempts taken of {}"><path class="axis" d="M{left},{}H{}"/>"#,
        escape(&r.name),
        h - bottom,
        w - 10.0
    );
    let scale = |c: u64| c as f64 / top as f64 * (h - bottom - top_pad);
    for i in 0..slots {
        let x = left + slot * i as f64 + (slot - bar) / 2.0;
        let count = r.attempts_histogram.get(i).copied().unwrap_or(0);
        let bh = scale(count);
        let _ = write!(
            out,
            r#"<rect class="bar" x="{x:.1}" y="{:.1}" width="{bar:.1}" height="{bh:.1}"><title>{count} calls took {} attempt{}</title></rect>"#,
            h - bottom - bh,
            i + 1,
            if i == 0 { "" } else { "s" }
        );
        if let Some(b) = base {
            let bc = b.attempts_histogram.get(i).copied().unwrap_or(0);
            if bc > 0 {
                let bbh = scale(bc);
                let _ = write!(
                    out,
                    r#"<rect class="bar-base" x="{x:.1}" y="{:.1}" width="{bar:.1}" height="{bbh:.1}"><title>baseline: {bc}</title></rect>"#,
                    h - bottom - bbh,
                );
            }
        }
        let cx = x + bar / 2.0;
        let _ = write!(
            out,
            r#"<text class="count" x="{cx:.1}" y="{:.1}" text-anchor="middle">{count}</text><text x="{cx:.1}" y="{}" text-anchor="middle">{}</text>"#,
            h - bottom - bh - 4.0,
            h - bottom + 14.0,
            i + 1
        );
    }
    let _ = write!(
        out,
        r#"<text class="ax-title" x="{}" y="{}" text-anchor="middle">attempts per call</text></svg>"#,
        (w + left) / 2.0,
        h - 4.0
    );
}
