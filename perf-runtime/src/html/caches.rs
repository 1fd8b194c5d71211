//! One card per `#[cached]` fn: hit rate by level, loads, and load latency.

use std::fmt::Write as _;

use crate::{CacheReport, Report};

use super::plot::{Series, percentile_plot};
use super::units::{duration, rate};
use super::{escape, figures, hist};

pub(super) fn section(out: &mut String, report: &Report, baseline: Option<&Report>) {
    if report.caches.is_empty() {
        return;
    }
    out.push_str(r#"<section id="caches"><h2>Caches</h2>"#);
    for (i, c) in report.caches.iter().enumerate() {
        card(out, i, c, baseline.and_then(|b| b.cache(&c.name)));
    }
    out.push_str("</section>");
}

fn card(out: &mut String, i: usize, c: &CacheReport, base: Option<&CacheReport>) {
    let _ = write!(
        out,
        r##"<article class="card cache" id="c{i}"><h3><a href="#c{i}">{}</a>"##,
        escape(&c.name)
    );
    if c.l2 != "off" && !c.l2.is_empty() {
        let _ = write!(out, r#"<span class="tag">L2 {}</span>"#, escape(&c.l2));
    }
    out.push_str(r#"</h3><div class="cols"><div class="chart">"#);
    let lookups = c.hits + c.misses;
    // Hits by level: memory, then Redis; the rest missed both and loaded (or waited).
    let parts = [
        ("l1", "memory hits", c.l1_hits),
        ("l2", "Redis hits", c.l2_hits),
        ("miss", "misses", c.misses),
    ];
    let _ = write!(
        out,
        r#"<div class="hits"><div class="label">hit rate <b>{}</b> of {lookups} lookups"#,
        rate(c.hit_rate)
    );
    if let Some(b) = base {
        let _ = write!(out, r#" <span class="sub">(baseline {})</span>"#, rate(b.hit_rate));
    }
    out.push_str(r#"</div><div class="stack">"#);
    for (class, label, n) in parts {
        if n > 0 && lookups > 0 {
            let share = n as f64 / lookups as f64 * 100.0;
            let _ = write!(
                out,
                r#"<i class="{class}" style="width:{share:.2}%" title="{label}: {n} ({share:.1}%)"></i>"#
            );
        }
    }
    out.push_str(r#"</div><div class="keys">"#);
    for (class, label, n) in parts {
        if class != "l2" || c.l2_hits > 0 || (c.l2 != "off" && !c.l2.is_empty()) {
            let _ = write!(out, r#"<span><i class="{class}"></i>{label} {n}</span>"#);
        }
    }
    out.push_str("</div></div>");
    let load = hist(&c.load_histogram);
    let l2 = hist(&c.l2_get_histogram);
    let base_load = base.and_then(|b| hist(&b.load_histogram));
    let mut series = Vec::new();
    if let Some(h) = &load {
        series.push(Series { hist: h, class: "curve-load", label: "load" });
    }
    if let Some(h) = &l2 {
        series.push(Series { hist: h, class: "curve-l2", label: "Redis get" });
    }
    if let Some(h) = &base_load {
        series.push(Series { hist: h, class: "curve-base", label: "baseline load" });
    }
    if load.is_some() || l2.is_some() {
        out.push_str("<h4>Load latency by percentile</h4>");
        percentile_plot(out, &series, &format!("load latency by percentile of {}", c.name));
    }
    out.push_str(r#"</div><div class="side">"#);
    let mut pairs = vec![
        ("lookups", lookups.to_string()),
        ("hits", c.hits.to_string()),
        ("misses", c.misses.to_string()),
        ("loads", c.loads.to_string()),
        ("load errors", c.load_errors.to_string()),
        ("load p50", duration(c.load_p50_ns as f64)),
        ("load p99", duration(c.load_p99_ns as f64)),
        ("waited for a load", c.coalesced.to_string()),
        ("entries", c.entries.to_string()),
        ("evictions", c.evictions.to_string()),
    ];
    if c.warmed > 0 {
        pairs.push(("loaded by warm()", c.warmed.to_string()));
    }
    if c.l2 != "off" && !c.l2.is_empty() {
        pairs.extend([
            ("Redis hits", c.l2_hits.to_string()),
            ("Redis misses", c.l2_misses.to_string()),
            ("Redis errors", c.l2_errors.to_string()),
            ("Redis timeouts", c.l2_timeouts.to_string()),
            ("undecodable", c.l2_decode_errors.to_string()),
            ("breaker opened", c.breaker_opened.to_string()),
            ("Redis get p50", duration(c.l2_get_p50_ns as f64)),
            ("Redis get p99", duration(c.l2_get_p99_ns as f64)),
            ("lock waits", c.lock_waits.to_string()),
        ]);
    }
    figures(out, &pairs);
    out.push_str("</div></div></article>");
}
