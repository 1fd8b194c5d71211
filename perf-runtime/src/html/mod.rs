//! The report as one self-contained HTML page (inline CSS, inline SVG, a small inline script
//! for sorting and filtering; nothing fetched), readable on a laptop and printable: what
//! `perf-report html` writes and what the exporter's live page redraws (cargo feature `html`,
//! which `exporter` implies).
//!
//! One file per section, each with `section(out, report, base)` appending its markup: the page
//! and the live page are the same code.

mod batchers;
mod benches;
mod caches;
mod compare;
mod functions;
mod limits;
mod loads;
mod plot;
mod retries;
pub mod units;

use std::fmt::Write as _;

use crate::Report;
use crate::budget::Status;

pub use compare::{Compared, Comparison, Figure};

const STYLE: &str = include_str!("style.css");
const SCRIPT: &str = include_str!("page.js");
const LIVE: &str = include_str!("live.js");

/// The page for `report`, with `baseline`'s curves and figures beside it when given, and
/// `compared`'s verdicts (perf-report's diff of the two) beside each fn and bench. `title`
/// names the report (its file name, say).
///
/// ```
/// let report = perf_runtime::Report::collect();
/// let page = perf_runtime::html::page(&report, None, None, "now");
/// assert!(page.starts_with("<!doctype html>"));
/// assert!(!page.contains("http://") && !page.contains("https://"));
/// ```
pub fn page(
    report: &Report,
    baseline: Option<(&Report, &str)>,
    compared: Option<&Comparison>,
    title: &str,
) -> String {
    render(report, baseline, compared, title, false)
}

/// The live page the exporter serves at `/`: [`page`] of `report`, plus a script that fetches
/// `report.json` and `report.html` (beside the page) every 2 s, redraws the views from the
/// latter (the same renderer, so the same views), and draws calls/s and errors/s per fn from
/// successive fetches.
///
/// ```
/// let page = perf_runtime::html::live(&perf_runtime::Report::collect(), "live");
/// assert!(page.contains(r#"<section id="live""#) && page.contains("report.json"));
/// ```
pub fn live(report: &Report, title: &str) -> String {
    render(report, None, None, title, true)
}

fn render(
    report: &Report,
    baseline: Option<(&Report, &str)>,
    compared: Option<&Comparison>,
    title: &str,
    live: bool,
) -> String {
    let mut out = String::with_capacity(4096 + report.functions.len() * 4096);
    let _ = write!(
        out,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>perf report: {}</title><style>{STYLE}</style></head><body>"#,
        escape(title)
    );
    plot::x_axes(&mut out);
    header(&mut out, report, baseline, title, compared);
    if live {
        out.push_str(r#"<section id="live" data-every-ms="2000" data-fetches="0"><h2>Live</h2><p class="status">live: waiting for the first fetch</p><div class="rates"><p class="hint">Calls/s per fn appear after two fetches.</p></div></section>"#);
    }
    out.push_str("<main>");
    let base = baseline.map(|(b, _)| b);
    functions::summary(&mut out, report, compared);
    functions::cards(&mut out, report, base, compared);
    caches::section(&mut out, report, base);
    retries::section(&mut out, report, base);
    benches::section(&mut out, report, compared);
    loads::section(&mut out, report);
    benches::budgets(&mut out, report);
    batchers::section(&mut out, report, base);
    limits::section(&mut out, report, base);
    out.push_str("</main>");
    let _ = write!(
        out,
        r#"<footer>perf {} · schema_version {}</footer><script>{SCRIPT}</script>"#,
        env!("CARGO_PKG_VERSION"),
        report.schema_version
    );
    if live {
        let _ = write!(out, "<script>{LIVE}</script>");
    }
    out.push_str("</body></html>");
    out.push('\n');
    out
}

fn header(
    out: &mut String,
    report: &Report,
    baseline: Option<(&Report, &str)>,
    title: &str,
    compared: Option<&Comparison>,
) {
    let _ = write!(
        out,
        r#"<header><h1>perf report <span class="file">{}</span></h1><p class="meta">"#,
        escape(title)
    );
    let _ = write!(out, "taken {}", escape(&report.generated_at));
    if !report.started_at.is_empty() {
        let _ = write!(out, " · counting since {}", escape(&report.started_at));
    }
    if !report.instance.is_empty() {
        let _ = write!(out, " · instance {}", escape(&report.instance));
    }
    if let Some((b, name)) = baseline {
        let _ = write!(
            out,
            r#" · baseline <span class="file">{}</span> taken {}"#,
            escape(name),
            escape(&b.generated_at)
        );
    }
    out.push_str("</p>");
    let calls: u64 = report.functions.iter().map(|f| f.calls).sum();
    let errors: u64 = report.functions.iter().map(|f| f.errors).sum();
    let panics: u64 = report.functions.iter().map(|f| f.panics).sum();
    let mut tiles = vec![
        (report.functions.len().to_string(), "functions"),
        (calls.to_string(), "calls"),
        (errors.to_string(), "errors"),
        (panics.to_string(), "panics"),
    ];
    if !report.caches.is_empty() {
        tiles.push((report.caches.len().to_string(), "caches"));
    }
    if !report.retries.is_empty() {
        tiles.push((report.retries.len().to_string(), "retried fns"));
    }
    if !report.benches.is_empty() {
        tiles.push((report.benches.len().to_string(), "benches"));
    }
    if !report.loads.is_empty() {
        tiles.push((report.loads.len().to_string(), "loads"));
    }
    if !report.batchers.is_empty() {
        tiles.push((report.batchers.len().to_string(), "batchers"));
    }
    if !report.budgets.is_empty() {
        let failed = report.budgets.iter().filter(|b| b.status == Status::Fail).count();
        tiles.push((failed.to_string(), "budgets failed"));
    }
    if !report.limits.is_empty() {
        tiles.push((report.limits.len().to_string(), "rate limits"));
    }
    if let Some(d) = compared {
        tiles.push((d.regressed.to_string(), "regressed"));
        tiles.push((d.improved.to_string(), "improved"));
    }
    out.push_str(r#"<div class="tiles">"#);
    for (value, label) in tiles {
        let class = match label {
            "regressed" | "budgets failed" if value != "0" => " bad",
            "improved" if value != "0" => " good",
            _ => "",
        };
        let _ = write!(out, r#"<div class="tile{class}"><b>{value}</b><span>{label}</span></div>"#);
    }
    out.push_str("</div><nav>");
    let mut links = vec![("summary", "Summary")];
    if !report.functions.is_empty() {
        links.push(("functions", "Functions"));
    }
    if !report.caches.is_empty() {
        links.push(("caches", "Caches"));
    }
    if !report.retries.is_empty() {
        links.push(("retries", "Retries"));
    }
    if !report.benches.is_empty() {
        links.push(("benches", "Benches"));
    }
    if !report.loads.is_empty() {
        links.push(("loads", "Loads"));
    }
    if !report.budgets.is_empty() {
        links.push(("budgets", "Budgets"));
    }
    if !report.batchers.is_empty() {
        links.push(("batchers", "Batchers"));
    }
    if !report.limits.is_empty() {
        links.push(("limits", "Rate limits"));
    }
    for (id, label) in links {
        let _ = write!(out, r##"<a href="#{id}">{label}</a>"##);
    }
    out.push_str("</nav></header>");
}

/// `text` safe inside an element or a double-quoted attribute.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A decoded, non-empty histogram (reports are checked on load, so a failure is only an
/// empty string from an older report).
fn hist(text: &str) -> Option<hdrhistogram::Histogram<u64>> {
    crate::report::histogram::decode(text).ok().filter(|h| !h.is_empty())
}

/// `<div class="kv"><span>label</span><b>value</b></div>` pairs.
fn figures(out: &mut String, pairs: &[(&str, String)]) {
    out.push_str(r#"<dl class="figures">"#);
    for (label, value) in pairs {
        let _ = write!(out, "<div><dt>{label}</dt><dd>{}</dd></div>", escape(value));
    }
    out.push_str("</dl>");
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes() {
        assert_eq!(super::escape(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }
}
