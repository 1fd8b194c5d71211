//! Summary statistics of per-iteration times, and the comparison with a baseline.

#[cfg(feature = "bench")]
/// Summary of samples, each the mean time of one iteration within that sample, in ns.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Summary {
    pub(crate) mean: f64,
    pub(crate) median: f64,
    pub(crate) stddev: f64,
    pub(crate) mad: f64,
    pub(crate) min: f64,
    pub(crate) max: f64,
    pub(crate) p99: f64,
    /// 95% confidence interval of the mean (normal approximation, t for small samples).
    pub(crate) ci95: (f64, f64),
    /// Samples outside Tukey's fences (1.5 × IQR beyond the quartiles).
    pub(crate) outliers: u32,
}

#[cfg(feature = "bench")]
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

#[cfg(feature = "bench")]
/// Two-sided 97.5% quantile of Student's t, for `n - 1` degrees of freedom.
fn t975(n: usize) -> f64 {
    const TABLE: [f64; 10] = [12.71, 4.30, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23];
    match n.saturating_sub(1) {
        0 => f64::INFINITY,
        df @ 1..=10 => TABLE[df - 1],
        11..=30 => 2.10,
        _ => 1.96,
    }
}

#[cfg(feature = "bench")]
pub(crate) fn summarize(samples: &[f64]) -> Summary {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let mean = sorted.iter().sum::<f64>() / n;
    let var = if sorted.len() > 1 {
        sorted.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    let stddev = var.sqrt();
    let median = quantile(&sorted, 0.5);
    let mut deviations: Vec<f64> = sorted.iter().map(|x| (x - median).abs()).collect();
    deviations.sort_by(f64::total_cmp);
    let (q1, q3) = (quantile(&sorted, 0.25), quantile(&sorted, 0.75));
    let fence = 1.5 * (q3 - q1);
    // One sample (`samples = 1`) has no spread to estimate: its interval is the sample itself,
    // where t's 0 × ∞ would write NaN into the report.
    let half = if sorted.len() < 2 { 0.0 } else { t975(sorted.len()) * stddev / n.sqrt() };
    Summary {
        mean,
        median,
        stddev,
        mad: quantile(&deviations, 0.5),
        min: sorted[0],
        max: sorted[sorted.len() - 1],
        p99: quantile(&sorted, 0.99),
        ci95: (mean - half, mean + half),
        outliers: sorted.iter().filter(|&&x| x < q1 - fence || x > q3 + fence).count() as u32,
    }
}

/// How a benchmark compares with its saved baseline.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
pub struct BaselineComparison {
    /// The baseline's name.
    pub name: String,
    /// Change of the mean in percent (positive is slower); `None` (JSON `null`) when the
    /// baseline's mean is 0 ns, of which no percentage exists.
    pub change_pct: Option<f64>,
    /// 95% confidence interval of that change, in percent; `None` with `change_pct`.
    pub change_ci95_pct: Option<(f64, f64)>,
    /// `"improved"`, `"regressed"`, or `"no change"` (within noise or the threshold).
    pub verdict: String,
}

#[cfg(feature = "bench")]
/// Compares two runs' means. The change's interval comes from both runs' standard errors; the
/// verdict needs the whole interval beyond zero and the change beyond `threshold_pct` (which
/// any change from a baseline of 0 ns is).
pub(crate) fn compare(
    name: &str,
    new: (f64, f64, usize),
    old: (f64, f64, usize),
    threshold_pct: f64,
) -> BaselineComparison {
    let ((m1, s1, n1), (m0, s0, n0)) = (new, old);
    let diff = m1 - m0;
    let se = ((s1 * s1) / n1 as f64 + (s0 * s0) / n0 as f64).sqrt();
    let ci = (diff - 1.96 * se, diff + 1.96 * se);
    let pct = |ns: f64| ns / m0 * 100.0;
    let change = (m0 > 0.0).then(|| pct(diff));
    let beyond = |sign: f64| change.is_none_or(|c| sign * c > threshold_pct);
    let verdict = if ci.0 > 0.0 && beyond(1.0) {
        "regressed"
    } else if ci.1 < 0.0 && beyond(-1.0) {
        "improved"
    } else {
        "no change"
    };
    BaselineComparison {
        name: name.to_owned(),
        change_pct: change,
        change_ci95_pct: change.map(|_| (pct(ci.0), pct(ci.1))),
        verdict: verdict.to_owned(),
    }
}

#[cfg(all(test, feature = "bench"))]
mod tests {
    use super::*;

    #[test]
    fn summary_of_known_samples() {
        let s = summarize(&[1.0, 2.0, 3.0, 4.0, 100.0]);
        assert_eq!((s.min, s.median, s.max), (1.0, 3.0, 100.0));
        assert_eq!(s.mean, 22.0);
        assert_eq!(s.mad, 1.0);
        assert_eq!(s.outliers, 1);
        assert!(s.ci95.0 < s.mean && s.mean < s.ci95.1);
    }

    #[test]
    fn verdicts() {
        assert_eq!(compare("b", (110.0, 1.0, 50), (100.0, 1.0, 50), 5.0).verdict, "regressed");
        assert_eq!(compare("b", (90.0, 1.0, 50), (100.0, 1.0, 50), 5.0).verdict, "improved");
        assert_eq!(compare("b", (101.0, 1.0, 50), (100.0, 1.0, 50), 5.0).verdict, "no change");
        assert_eq!(compare("b", (110.0, 40.0, 5), (100.0, 40.0, 5), 5.0).verdict, "no change");
        let c = compare("b", (110.0, 1.0, 50), (100.0, 1.0, 50), 5.0);
        let (lo, hi) = c.change_ci95_pct.unwrap();
        assert!((c.change_pct.unwrap() - 10.0).abs() < 1e-9 && lo < 10.0 && 10.0 < hi);
    }

    // A baseline that measured 0 ns gives no percentage (not an infinite one), and still a
    // verdict from the interval of the difference.
    #[test]
    fn a_zero_baseline() {
        let c = compare("b", (3.0, 0.1, 50), (0.0, 0.0, 50), 5.0);
        assert_eq!(
            (c.change_pct, c.change_ci95_pct, c.verdict.as_str()),
            (None, None, "regressed")
        );
        let c = compare("b", (0.0, 0.0, 50), (0.0, 0.0, 50), 5.0);
        assert_eq!((c.change_pct, c.verdict.as_str()), (None, "no change"));
    }

    // One sample has no spread to estimate an interval from: the interval is the sample.
    #[test]
    fn one_sample_has_finite_numbers() {
        let s = summarize(&[4.0]);
        assert_eq!((s.mean, s.stddev, s.ci95), (4.0, 0.0, (4.0, 4.0)));
    }
}
