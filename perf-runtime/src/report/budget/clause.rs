//! What a budget limits: one stat of a profiled fn and the value it must stay below.

use std::fmt::{self, Display, Formatter};

/// A stat a budget can limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "json", serde(rename_all = "lowercase"))]
pub enum Stat {
    /// Median wall time.
    P50,
    /// 90th percentile of wall time.
    P90,
    /// 95th percentile of wall time.
    P95,
    /// 99th percentile of wall time.
    P99,
    /// 99.9th percentile of wall time.
    P999,
    /// Slowest call.
    Max,
    /// Mean wall time.
    Mean,
    /// Calls that returned `Err`.
    Errors,
    /// Calls that unwound.
    Panics,
    /// Calls at or over the fn's `slow` threshold.
    Slow,
    /// Calls a rate limiter refused (`rejected < 1%` of its decisions), for the limiter of the
    /// budget's name.
    Rejected,
}

impl Stat {
    /// Every stat, in the order the report lists them.
    pub const ALL: [Stat; 11] = [
        Stat::P50,
        Stat::P90,
        Stat::P95,
        Stat::P99,
        Stat::P999,
        Stat::Max,
        Stat::Mean,
        Stat::Errors,
        Stat::Panics,
        Stat::Slow,
        Stat::Rejected,
    ];

    /// The name used in budgets and in the JSON: `p99`, `errors`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Stat::P50 => "p50",
            Stat::P90 => "p90",
            Stat::P95 => "p95",
            Stat::P99 => "p99",
            Stat::P999 => "p999",
            Stat::Max => "max",
            Stat::Mean => "mean",
            Stat::Errors => "errors",
            Stat::Panics => "panics",
            Stat::Slow => "slow",
            Stat::Rejected => "rejected",
        }
    }

    /// The stat called `name`.
    pub fn from_name(name: &str) -> Option<Stat> {
        Stat::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Whether the stat is a duration (the others are counts of calls).
    pub fn is_latency(self) -> bool {
        matches!(
            self,
            Stat::P50 | Stat::P90 | Stat::P95 | Stat::P99 | Stat::P999 | Stat::Max | Stat::Mean
        )
    }

    /// Percentiles need `min_calls` calls to mean something.
    pub(crate) fn is_percentile(self) -> bool {
        matches!(self, Stat::P50 | Stat::P90 | Stat::P95 | Stat::P99 | Stat::P999)
    }
}

impl Display for Stat {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The value a stat must stay below. In JSON: `"unit": "ns" | "percent" | "count"` beside
/// `"limit": <number>`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "json", serde(tag = "unit", content = "limit"))]
pub enum Limit {
    /// A duration, for latencies.
    #[cfg_attr(feature = "json", serde(rename = "ns"))]
    Nanos(u64),
    /// A percentage of calls (`1.0` is 1%), for errors, panics and slow calls.
    #[cfg_attr(feature = "json", serde(rename = "percent"))]
    Percent(f64),
    /// A number of calls, for errors, panics and slow calls.
    #[cfg_attr(feature = "json", serde(rename = "count"))]
    Count(u64),
}

impl Limit {
    /// The limit as a number in its unit.
    pub fn value(self) -> f64 {
        match self {
            Limit::Nanos(n) | Limit::Count(n) => n as f64,
            Limit::Percent(p) => p,
        }
    }

    /// `value`, a number in this limit's unit, written as the limit is.
    pub(crate) fn show(self, value: f64) -> String {
        match self {
            Limit::Nanos(_) => crate::format::duration(value.round() as u64),
            Limit::Percent(_) => format!("{}%", round3(value)),
            Limit::Count(_) => format!("{value}"),
        }
    }

    /// `text` as a limit for `stat`, as a budgets file writes it: `"50ms"`, `"1%"`, `"10"`.
    pub(crate) fn parse(stat: Stat, text: &str) -> Result<Limit, String> {
        let text = text.trim();
        if stat.is_latency() {
            return match parse_nanos(text)? {
                0 => Err("the limit must be above zero".into()),
                n => Ok(Limit::Nanos(n)),
            };
        }
        let expected = || {
            format!(
                "expected a percentage of calls like \"1%\" or a whole count like 10, not {text:?}"
            )
        };
        if let Some(number) = text.strip_suffix('%') {
            let percent: f64 = number.trim().parse().map_err(|_| expected())?;
            if !(percent > 0.0 && percent <= 100.0) {
                return Err(format!(
                    "{text:?}: a percentage of calls must be above 0% and at most 100%"
                ));
            }
            return Ok(Limit::Percent(percent));
        }
        match text.parse::<u64>() {
            Ok(0) => Err(format!("{stat} < 0 can never pass: write 1 for none at all")),
            Ok(n) => Ok(Limit::Count(n)),
            Err(_) => Err(expected()),
        }
    }
}

impl Display for Limit {
    /// As a budget writes it: `50ms`, `1.5s`, `1%`, `10`.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match *self {
            Limit::Nanos(ns) => f.pad(&exact_duration(ns)),
            other => f.pad(&other.show(other.value())),
        }
    }
}

/// `ns` in the largest unit it has at least one of, with no more decimals than it needs.
fn exact_duration(ns: u64) -> String {
    const UNITS: [(u64, &str); 5] = [
        (3_600_000_000_000, "h"),
        (60_000_000_000, "m"),
        (1_000_000_000, "s"),
        (1_000_000, "ms"),
        (1_000, "us"),
    ];
    for (scale, unit) in UNITS {
        if ns >= scale {
            return format!("{}{unit}", round3(ns as f64 / scale as f64));
        }
    }
    format!("{ns}ns")
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// `stat < limit`: one clause of a budget.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
pub struct Clause {
    /// What is limited.
    pub stat: Stat,
    /// What it must stay below.
    #[cfg_attr(feature = "json", serde(flatten))]
    pub limit: Limit,
}

impl Display for Clause {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} < {}", self.stat, self.limit)
    }
}

/// Nanoseconds in `"250ms"`; the units `#[profile(slow = ...)]` takes.
pub(crate) fn parse_nanos(text: &str) -> Result<u64, String> {
    let bad = || {
        format!(
            "invalid duration {text:?}: expected a number with a unit (ns, us, ms, s, m, h), like \"250ms\""
        )
    };
    let split = text.find(|c: char| !c.is_ascii_digit() && c != '.' && c != '_').ok_or_else(bad)?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.replace('_', "").parse().map_err(|_| bad())?;
    let scale = match unit.trim() {
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "m" => 60e9,
        "h" => 3600e9,
        _ => return Err(bad()),
    };
    let nanos = number * scale;
    if nanos > u64::MAX as f64 {
        return Err(format!("duration {text:?} is too long"));
    }
    Ok(nanos.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_flat() {
        let clause = Clause { stat: Stat::P99, limit: Limit::Nanos(50_000_000) };
        let json = crate::report::json::to_string(&clause).unwrap();
        assert_eq!(json, r#"{"stat":"p99","unit":"ns","limit":50000000}"#);
        assert_eq!(crate::report::json::from_slice::<Clause>(json.as_bytes()).unwrap(), clause);
        let clause = Clause { stat: Stat::Errors, limit: Limit::Percent(1.5) };
        let json = crate::report::json::to_string(&clause).unwrap();
        assert_eq!(crate::report::json::from_slice::<Clause>(json.as_bytes()).unwrap(), clause);
        assert_eq!(clause.to_string(), "errors < 1.5%");
        let shown = [50_000_000, 1_500_000_000, 250, 2_000, 90_000_000_000, 1_234_567]
            .map(|ns| Limit::Nanos(ns).to_string());
        assert_eq!(shown, ["50ms", "1.5s", "250ns", "2us", "1.5m", "1.235ms"]);
    }

    #[test]
    fn file_values() {
        assert_eq!(Limit::parse(Stat::P99, "50ms"), Ok(Limit::Nanos(50_000_000)));
        assert_eq!(Limit::parse(Stat::Errors, "1%"), Ok(Limit::Percent(1.0)));
        assert_eq!(Limit::parse(Stat::Slow, "10"), Ok(Limit::Count(10)));
        for (stat, bad) in [
            (Stat::P99, "50"),
            (Stat::P99, "0s"),
            (Stat::Errors, "150%"),
            (Stat::Errors, "0"),
            (Stat::Panics, "5ms"),
        ] {
            assert!(Limit::parse(stat, bad).is_err(), "{stat} {bad}");
        }
    }
}
