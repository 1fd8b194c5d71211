use std::fmt;
use std::sync::Mutex;

use super::stats::BaselineComparison;
#[cfg(feature = "bench")]
use super::stats::Summary;
use crate::format::duration as format_duration;
use crate::record::lock;

/// One benchmark's result. Fields carry their JSON names; times are ns per iteration.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
pub struct BenchResult {
    /// The registered name.
    pub name: String,
    /// Samples taken.
    pub samples: u32,
    /// Iterations in each sample.
    pub iterations: u64,
    /// Mean of the samples.
    pub mean_ns: f64,
    /// Median of the samples.
    pub median_ns: f64,
    /// Standard deviation of the samples.
    pub stddev_ns: f64,
    /// Median absolute deviation from the median.
    pub mad_ns: f64,
    /// Fastest sample.
    pub min_ns: f64,
    /// Slowest sample.
    pub max_ns: f64,
    /// 99th percentile of the samples.
    pub p99_ns: f64,
    /// Iterations a second, from the median; `None` (JSON `null`) when the median is 0 ns, below
    /// what the harness resolves, where the rate has no bound. Every other float is finite.
    pub ops_per_sec: Option<f64>,
    /// 95% confidence interval of the mean.
    pub ci95_low_ns: f64,
    /// Upper end of `ci95_low_ns`'s interval.
    pub ci95_high_ns: f64,
    /// Samples beyond Tukey's fences.
    pub outliers: u32,
    /// The comparison with `--baseline NAME`, when one was asked for and found.
    #[cfg_attr(feature = "json", serde(skip_serializing_if = "Option::is_none", default))]
    pub baseline: Option<BaselineComparison>,
}

#[cfg(feature = "bench")]
impl BenchResult {
    pub(crate) fn new(name: &str, samples: u32, iterations: u64, s: &Summary) -> Self {
        Self {
            name: name.to_owned(),
            samples,
            iterations,
            mean_ns: s.mean,
            median_ns: s.median,
            stddev_ns: s.stddev,
            mad_ns: s.mad,
            min_ns: s.min,
            max_ns: s.max,
            p99_ns: s.p99,
            ops_per_sec: (s.median > 0.0).then(|| 1e9 / s.median),
            ci95_low_ns: s.ci95.0,
            ci95_high_ns: s.ci95.1,
            outliers: s.outliers,
            baseline: None,
        }
    }
}

/// Every result of this process, for the report's `benches[]`.
static RESULTS: Mutex<Vec<BenchResult>> = Mutex::new(Vec::new());

#[cfg(feature = "bench")]
pub(crate) fn keep(result: &BenchResult) {
    let mut all = lock(&RESULTS);
    all.retain(|r| r.name != result.name);
    all.push(result.clone());
}

pub(crate) fn collect() -> Vec<BenchResult> {
    lock(&RESULTS).clone()
}

fn ns(v: f64) -> String {
    if v < 1000.0 { format!("{v:.2}ns") } else { format_duration(v.round() as u64) }
}

/// The `benches:` section of the report table.
pub(crate) fn write_table(f: &mut fmt::Formatter<'_>, results: &[BenchResult]) -> fmt::Result {
    if results.is_empty() {
        return Ok(());
    }
    let width = results.iter().map(|r| r.name.len()).max().unwrap_or(0).max("bench".len());
    writeln!(f, "\nbenches:")?;
    writeln!(
        f,
        "{:<width$} {:>10} {:>10} {:>10} {:>10} {:>12} {:>8}  baseline",
        "bench", "median", "mean", "mad", "p99", "ops/s", "outliers",
    )?;
    for r in results {
        let baseline = r.baseline.as_ref().map_or(String::new(), |b| {
            match (b.change_pct, b.change_ci95_pct) {
                (Some(change), Some((lo, hi))) => {
                    format!("{change:+.1}% [{lo:+.1}%, {hi:+.1}%] {}", b.verdict)
                }
                _ => format!("from 0ns {}", b.verdict),
            }
        });
        let ops = r.ops_per_sec.map_or_else(|| "unbounded".to_owned(), |ops| format!("{ops:.0}"));
        writeln!(
            f,
            "{:<width$} {:>10} {:>10} {:>10} {:>10} {:>12} {:>8}  {baseline}",
            r.name,
            ns(r.median_ns),
            ns(r.mean_ns),
            ns(r.mad_ns),
            ns(r.p99_ns),
            ops,
            r.outliers,
        )?;
    }
    Ok(())
}

#[cfg(all(test, feature = "bench"))]
mod tests {
    use super::*;
    use crate::bench::stats::summarize;

    /// Every float of a result, in field order.
    fn floats(r: &BenchResult) -> [f64; 10] {
        [
            r.mean_ns,
            r.median_ns,
            r.stddev_ns,
            r.mad_ns,
            r.min_ns,
            r.max_ns,
            r.p99_ns,
            r.ops_per_sec.unwrap_or(0.0),
            r.ci95_low_ns,
            r.ci95_high_ns,
        ]
    }

    // A body the harness cannot tell from its own loop measures 0.00ns in every sample
    // (issue #18): its rate is unbounded, written as null, and the JSON reads back.
    #[test]
    fn a_zero_time_bench_has_finite_numbers_and_no_rate() {
        let r = BenchResult::new("zero", 5, 1_000, &summarize(&[0.0; 5]));
        assert_eq!(r.ops_per_sec, None);
        assert!(floats(&r).iter().all(|v| v.is_finite()), "{r:?}");
        let json = crate::report::json::to_string(&r).unwrap();
        assert!(json.contains("\"ops_per_sec\":null"), "{json}");
        assert_eq!(crate::report::json::from_slice::<BenchResult>(json.as_bytes()).unwrap(), r);
    }

    #[test]
    fn a_measured_bench_has_its_rate() {
        let r = BenchResult::new("one", 3, 10, &summarize(&[2.0, 2.0, 2.0]));
        assert_eq!(r.ops_per_sec, Some(5e8));
    }
}
