//! Numbers as the report table writes them: the HTML page and perf-report's terminal views use
//! these, so that every view agrees to the digit.
//!
//! ```
//! use perf_runtime::html::units;
//!
//! assert_eq!(units::duration(1_234_567.0), "1.23ms");
//! assert_eq!(units::change(Some(12.34)), "+12.3%");
//! ```

/// `850ns`, `12.3µs`, `1.23ms`, `4.56s`: three significant digits, as in `report()`'s table.
pub fn duration(ns: f64) -> String {
    const UNITS: [(f64, &str); 3] = [(1e9, "s"), (1e6, "ms"), (1e3, "µs")];
    if !ns.is_finite() {
        return "-".to_owned();
    }
    for (scale, unit) in UNITS {
        if ns >= scale {
            let v = ns / scale;
            let decimals = if v >= 100.0 {
                0
            } else if v >= 10.0 {
                1
            } else {
                2
            };
            return format!("{v:.decimals$}{unit}");
        }
    }
    if ns < 100.0 && ns.fract() != 0.0 { format!("{ns:.1}ns") } else { format!("{ns:.0}ns") }
}

/// `+12.3%`, `-4.0%`, `0.0%`; `-` when there is no base to compare with.
pub fn change(pct: Option<f64>) -> String {
    match pct {
        Some(p) if p.is_finite() => format!("{p:+.1}%"),
        Some(_) => "+inf%".to_owned(),
        None => "-".to_owned(),
    }
}

/// `12.5%` of a rate in 0..=1.
pub fn rate(r: f64) -> String {
    format!("{:.1}%", r * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_match_the_report_table() {
        assert_eq!(duration(0.0), "0ns");
        assert_eq!(duration(999.0), "999ns");
        assert_eq!(duration(1_000.0), "1.00µs");
        assert_eq!(duration(12_345.0), "12.3µs");
        assert_eq!(duration(123_456_789.0), "123ms");
        assert_eq!(duration(4_560_000_000.0), "4.56s");
        assert_eq!(duration(2.5), "2.5ns");
        assert_eq!(change(Some(-4.0)), "-4.0%");
        assert_eq!(rate(0.125), "12.5%");
    }
}
