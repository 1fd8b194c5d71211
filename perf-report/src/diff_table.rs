//! The table `perf-report diff` prints.

use std::fmt::{self, Display, Formatter};

use crate::diff::{Diff, Kind, Metric, Row, Unit, Verdict};
use crate::units;

pub(crate) fn label(metric: &str) -> &str {
    match metric {
        "error_rate" => "failed",
        "p50_ns" => "p50",
        "p99_ns" => "p99",
        "mean_ns" => "mean",
        "median_ns" => "median",
        "hit_rate" => "hit rate",
        "load_p50_ns" => "load p50",
        "load_p99_ns" => "load p99",
        "attempts_per_call" => "attempts/call",
        "giveup_rate" => "give-ups",
        "attempt_p99_ns" => "attempt p99",
        "achieved_rps" => "req/s",
        "latency_p50_ns" => "latency p50",
        "latency_p99_ns" => "latency p99",
        other => other,
    }
}

pub(crate) fn value(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Ns => units::duration(v),
        Unit::Rate => units::rate(v),
        Unit::Count => format!("{v:.0}"),
        Unit::Ratio => format!("{v:.2}"),
    }
}

/// `2.16ms +12.0%`: the new value (the base's for a gone entry) and its change; rates change
/// in percentage points.
fn cell(m: &Metric) -> String {
    let Some(shown) = m.new.or(m.base) else { return "-".to_owned() };
    let change = match (m.unit, m.base, m.new) {
        (_, None, _) | (_, _, None) => String::new(),
        (Unit::Rate, Some(b), Some(n)) => format!(" {:+.1}pp", (n - b) * 100.0),
        _ => format!(" {}", units::change(m.change_pct)),
    };
    let mark = match m.shift {
        Some("worse") => "!",
        Some(_) => "*",
        None => "",
    };
    format!("{}{change}{mark}", value(m.unit, shown))
}

impl Display for Diff {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "perf diff: base {} -> new {}", self.base_generated_at, self.new_generated_at)?;
        writeln!(
            f,
            "a latency change counts past {}% and {}, beyond both runs' spread (95% intervals; \
             medians and means also by a rank test, p < 0.001), with {} calls on each side \
             (10 past a percentile)",
            self.threshold_pct,
            units::duration(self.min_change_ns),
            self.min_calls
        )?;
        if self.rows.is_empty() {
            return writeln!(f, "\nnothing to compare: both reports are empty");
        }
        for (kind, title) in [
            (Kind::Function, "function"),
            (Kind::Cache, "cache"),
            (Kind::Retry, "retry"),
            (Kind::Bench, "bench"),
            (Kind::Load, "load"),
            (Kind::Batcher, "batcher"),
            (Kind::Limit, "limit"),
        ] {
            let rows: Vec<&Row> = self.rows.iter().filter(|r| r.kind == kind).collect();
            if !rows.is_empty() {
                section(f, title, &rows)?;
            }
        }
        let count = |v: Verdict| self.rows.iter().filter(|r| r.verdict == v).count();
        writeln!(
            f,
            "\n{} regressed, {} improved, {} no change, {} new, {} gone  (! worse, * better)",
            count(Verdict::Regressed),
            count(Verdict::Improved),
            count(Verdict::NoChange),
            count(Verdict::New),
            count(Verdict::Gone),
        )
    }
}

fn section(f: &mut Formatter<'_>, title: &str, rows: &[&Row]) -> fmt::Result {
    let mut header = vec![title.to_owned()];
    header.extend(rows[0].metrics.iter().map(|m| label(m.name).to_owned()));
    header.extend(["verdict".to_owned(), "why".to_owned()]);
    let table: Vec<Vec<String>> = std::iter::once(header)
        .chain(rows.iter().map(|r| {
            let mut line = vec![r.name.clone()];
            line.extend(r.metrics.iter().map(cell));
            line.extend([r.verdict.as_str().to_owned(), r.why.clone()]);
            line
        }))
        .collect();
    let columns = table[0].len();
    let width: Vec<usize> = (0..columns)
        .map(|i| table.iter().map(|row| row[i].chars().count()).max().unwrap_or(0))
        .collect();
    writeln!(f)?;
    for row in &table {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let w = width[i];
            let last = i + 1 == columns;
            let left = i == 0 || i + 2 >= columns;
            let pad = w - cell.chars().count();
            if i > 0 {
                line.push_str("  ");
            }
            match (left, last) {
                (true, true) => line.push_str(cell),
                (true, false) => {
                    line.push_str(cell);
                    line.extend(std::iter::repeat_n(' ', pad));
                }
                (false, _) => {
                    line.extend(std::iter::repeat_n(' ', pad));
                    line.push_str(cell);
                }
            }
        }
        writeln!(f, "{}", line.trim_end())?;
    }
    Ok(())
}
