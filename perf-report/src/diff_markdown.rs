//! `perf-report diff --format markdown`: the comparison as a pull-request comment, in
//! GitHub-flavoured Markdown: regressions first, the other rows in a collapsed table, and
//! what counts as noise in one line.

use std::fmt::Write as _;

use crate::diff::{Diff, Kind, Metric, Row, Unit, Verdict};
use crate::diff_table::{label, value};
use crate::units;

const KINDS: [(Kind, &str); 5] = [
    (Kind::Function, "function"),
    (Kind::Cache, "cache"),
    (Kind::Retry, "retry"),
    (Kind::Bench, "bench"),
    (Kind::Load, "load"),
];

impl Diff {
    /// The comparison as GitHub-flavoured Markdown, for a pull-request comment.
    ///
    /// ```
    /// use perf_report::{DiffOptions, diff};
    ///
    /// let empty: perf_runtime::Report = serde_json::from_str(r#"{
    ///     "schema_version": 1, "generated_at": "2026-01-01T00:00:00.000Z",
    ///     "functions": [], "caches": [], "retries": [], "benches": []
    /// }"#).unwrap();
    /// let md = diff(&empty, &empty, DiffOptions::default()).to_markdown();
    /// assert!(md.starts_with("### perf diff: no regression"));
    /// ```
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let count = |v: Verdict| self.rows.iter().filter(|r| r.verdict == v).count();
        let title = match self.regressed {
            0 => "no regression".to_owned(),
            1 => "1 regression".to_owned(),
            n => format!("{n} regressions"),
        };
        let _ = writeln!(out, "### perf diff: {title}\n");
        let _ = writeln!(
            out,
            "{} regressed, {} improved, {} no change, {} new, {} gone (base `{}`, new `{}`)\n",
            count(Verdict::Regressed),
            count(Verdict::Improved),
            count(Verdict::NoChange),
            count(Verdict::New),
            count(Verdict::Gone),
            self.base_generated_at,
            self.new_generated_at,
        );
        let regressed: Vec<&Row> =
            self.rows.iter().filter(|r| r.verdict == Verdict::Regressed).collect();
        tables(&mut out, &regressed);
        let rest: Vec<&Row> =
            self.rows.iter().filter(|r| r.verdict != Verdict::Regressed).collect();
        if !rest.is_empty() {
            let _ = writeln!(
                out,
                "<details><summary>{} other {}</summary>\n",
                rest.len(),
                if rest.len() == 1 { "entry" } else { "entries" }
            );
            tables(&mut out, &rest);
            let _ = writeln!(out, "</details>\n");
        }
        let _ = writeln!(
            out,
            "<sub>Noise: a latency counts past {}% and {}, outside both runs' 95% intervals (medians \
             and means also by a rank test, p < 0.001), with {} calls a side; **bold** is worse, \
             _italic_ better.</sub>",
            self.threshold_pct,
            units::duration(self.min_change_ns),
            self.min_calls
        );
        out
    }
}

/// One table per section that has rows.
fn tables(out: &mut String, rows: &[&Row]) {
    for (kind, title) in KINDS {
        let rows: Vec<&&Row> = rows.iter().filter(|r| r.kind == kind).collect();
        let Some(first) = rows.first() else { continue };
        let mut header = vec![title.to_owned()];
        header.extend(first.metrics.iter().map(|m| label(m.name).to_owned()));
        header.extend(["verdict".to_owned(), "why".to_owned()]);
        let _ = writeln!(out, "| {} |", header.join(" | "));
        let align: Vec<&str> = (0..header.len())
            .map(|i| if i == 0 || i + 2 >= header.len() { ":--" } else { "--:" })
            .collect();
        let _ = writeln!(out, "| {} |", align.join(" | "));
        for r in rows {
            let mut line = vec![format!("`{}`", r.name.replace('`', "'"))];
            line.extend(r.metrics.iter().map(cell));
            line.extend([r.verdict.as_str().to_owned(), escape(&r.why)]);
            let _ = writeln!(out, "| {} |", line.join(" | "));
        }
        out.push('\n');
    }
}

/// `3.18ms (+50.0%)`, bold when worse, italic when better.
fn cell(m: &Metric) -> String {
    let Some(shown) = m.new.or(m.base) else { return "-".to_owned() };
    let change = match (m.unit, m.base, m.new) {
        (_, None, _) | (_, _, None) => String::new(),
        (Unit::Rate, Some(b), Some(n)) => format!(" ({:+.1}pp)", (n - b) * 100.0),
        _ => format!(" ({})", units::change(m.change_pct)),
    };
    let text = format!("{}{change}", value(m.unit, shown));
    match m.shift {
        Some("worse") => format!("**{text}**"),
        Some(_) => format!("_{text}_"),
        None => text,
    }
}

/// Text that may hold `|`, `*`, `_` or `<`, made literal in a table cell.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '|' | '*' | '_' | '<' | '>' | '`' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_mark_and_escape() {
        assert_eq!(escape("p50 +50.0%; a|b <x>"), "p50 +50.0%; a\\|b \\<x\\>");
        let m = Metric {
            name: "p50_ns",
            unit: Unit::Ns,
            base: Some(2e6),
            new: Some(3e6),
            change_pct: Some(50.0),
            change_ci95_pct: None,
            shift: Some("worse"),
        };
        assert_eq!(cell(&m), "**3.00ms (+50.0%)**");
        let gone = Metric { new: None, shift: None, ..m };
        assert_eq!(cell(&gone), "2.00ms");
    }
}
