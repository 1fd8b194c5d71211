//! `perf-report html`: one self-contained page (inline CSS, inline SVG, a small inline script
//! for sorting and filtering; nothing fetched), readable on a laptop and printable.

mod benches;
mod caches;
mod functions;
mod limits;
mod loads;
mod plot;
mod retries;

use std::fmt::Write as _;

use perf_runtime::Report;
use perf_runtime::budget::Status;

use crate::diff::{DiffOptions, diff};
use crate::input::decode;

const STYLE: &str = include_str!("style.css");
const SCRIPT: &str = include_str!("page.js");

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
    let compared = baseline.map(|(b, _)| diff(b, report, DiffOptions::default()));
    let mut out = String::with_capacity(4096 + report.functions.len() * 4096);
    let _ = write!(
        out,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>perf report: {}</title><style>{STYLE}</style></head><body>"#,
        escape(title)
    );
    plot::x_axes(&mut out);
    header(&mut out, report, baseline, title, compared.as_ref());
    out.push_str("<main>");
    let base = baseline.map(|(b, _)| b);
    functions::summary(&mut out, report, compared.as_ref());
    functions::cards(&mut out, report, base, compared.as_ref());
    caches::section(&mut out, report, base);
    retries::section(&mut out, report, base);
    benches::section(&mut out, report, compared.as_ref());
    loads::section(&mut out, report);
    benches::budgets(&mut out, report);
    limits::section(&mut out, report, base);
    out.push_str("</main>");
    let _ = write!(
        out,
        r#"<footer>perf-report {} · schema_version {}</footer><script>{SCRIPT}</script></body></html>"#,
        env!("CARGO_PKG_VERSION"),
        report.schema_version
    );
    out.push('\n');
    out
}

fn header(
    out: &mut String,
    report: &Report,
    baseline: Option<(&Report, &str)>,
    title: &str,
    compared: Option<&crate::diff::Diff>,
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
    decode(text).ok().filter(|h| !h.is_empty())
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
