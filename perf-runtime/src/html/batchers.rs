//! One card per `#[batched]` fn: how many keys its batch calls carried, and what gathering
//! them cost.

use std::fmt::Write as _;

use crate::Report;
use crate::batch::BatchReport;

use super::units::duration;
use super::{escape, figures, hist};

pub(super) fn section(out: &mut String, report: &Report, baseline: Option<&Report>) {
    if report.batchers.is_empty() {
        return;
    }
    out.push_str(r#"<section id="batchers"><h2>Batchers</h2>"#);
    for (i, b) in report.batchers.iter().enumerate() {
        card(out, i, b, baseline.and_then(|r| r.batcher(&b.name)));
    }
    out.push_str("</section>");
}

fn card(out: &mut String, i: usize, b: &BatchReport, base: Option<&BatchReport>) {
    let _ = write!(
        out,
        r##"<article class="card batcher" id="b{i}"><h3><a href="#b{i}">{}</a></h3><p class="where">{}:{}</p><div class="cols"><div class="chart">"##,
        escape(&b.name),
        escape(&b.file),
        b.line
    );
    out.push_str("<h4>Batch calls by keys per batch</h4>");
    sizes_chart(out, b);
    out.push_str(r#"</div><div class="side">"#);
    let mut pairs = vec![
        ("single-key calls", b.calls.to_string()),
        ("batch calls", b.batch_calls.to_string()),
        ("keys per batch", format!("{:.1}", b.keys_per_batch_mean)),
        ("most keys in a batch", b.keys_per_batch_max.to_string()),
        ("deduplicated keys", b.deduplicated_keys.to_string()),
        ("errors", b.errors.to_string()),
        ("panics", b.panics.to_string()),
        ("cancelled callers", b.cancelled.to_string()),
        ("key wait p50", duration(b.key_wait_p50_ns as f64)),
        ("key wait p99", duration(b.key_wait_p99_ns as f64)),
        ("batch call p50", duration(b.batch_p50_ns as f64)),
        ("batch call p99", duration(b.batch_p99_ns as f64)),
        ("max_batch · window", format!("{} · {}", b.max_batch, duration(b.window_ns as f64))),
    ];
    if let Some(base) = base {
        pairs.push(("baseline keys per batch", format!("{:.1}", base.keys_per_batch_mean)));
        pairs.push(("baseline key wait p99", duration(base.key_wait_p99_ns as f64)));
    }
    figures(out, &pairs);
    out.push_str("</div></div></article>");
}

/// Bars: batch calls per size, over at most 24 equal ranges of sizes up to the largest.
fn sizes_chart(out: &mut String, b: &BatchReport) {
    let Some(h) = hist(&b.keys_per_batch_histogram) else {
        out.push_str("<p>no batch calls</p>");
        return;
    };
    let max = h.max().max(1);
    let slots = (max as usize).min(24);
    let width = max.div_ceil(slots as u64);
    let mut counts = vec![0u64; slots];
    for v in h.iter_recorded() {
        let size = h.highest_equivalent(v.value_iterated_to()).max(1);
        let slot = (((size - 1) / width) as usize).min(slots - 1);
        counts[slot] += v.count_at_value();
    }
    let top = counts.iter().copied().max().unwrap_or(1).max(1);
    let (w, ht, left, bottom, top_pad) = (560.0, 200.0, 40.0, 34.0, 16.0);
    let slot_w = (w - left - 10.0) / slots as f64;
    let bar = (slot_w * 0.7).min(60.0);
    let _ = write!(
        out,
        r#"<svg class="plot bars" viewBox="0 0 {w} {ht}" role="img" aria-label="batch calls by keys per batch of {}"><path class="axis" d="M{left},{}H{}"/>"#,
        escape(&b.name),
        ht - bottom,
        w - 10.0
    );
    for (i, &count) in counts.iter().enumerate() {
        let x = left + slot_w * i as f64 + (slot_w - bar) / 2.0;
        let bh = count as f64 / top as f64 * (ht - bottom - top_pad);
        let (lo, hi) = (i as u64 * width + 1, ((i as u64 + 1) * width).min(max));
        let range = if lo == hi { lo.to_string() } else { format!("{lo}–{hi}") };
        let _ = write!(
            out,
            r#"<rect class="bar" x="{x:.1}" y="{:.1}" width="{bar:.1}" height="{bh:.1}"><title>{count} batch calls of {range} keys</title></rect><text x="{:.1}" y="{}" text-anchor="middle">{hi}</text>"#,
            ht - bottom - bh,
            x + bar / 2.0,
            ht - bottom + 14.0,
        );
    }
    let _ = write!(
        out,
        r#"<text class="ax-title" x="{}" y="{}" text-anchor="middle">keys per batch</text></svg>"#,
        (w + left) / 2.0,
        ht - 4.0
    );
}
