//! The Prometheus buckets of `perf_call_duration_seconds`, and how HdrHistogram counts fall
//! into them.

/// Upper bounds, in seconds, of `perf_call_duration_seconds`'s buckets unless
/// [`Config::buckets`](crate::Config::buckets) says otherwise: 1, 2.5 and 5 per decade from
/// 1µs to 25s, then 60s (Prometheus's own default buckets follow the same 1-2.5-5 steps).
///
/// Every process must use the same bounds for `histogram_quantile` over
/// `sum by (le) (...)` to aggregate replicas.
pub const DEFAULT_BUCKETS: &[f64] = &[
    1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2,
    5e-2, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0, 60.0,
];

/// Classic bounds as fine as the native histogram's: 8 per doubling (each 2^(1/8) ≈ 1.0905×
/// the last, rounded to 5 significant digits) from `from` up to at least `to` seconds, for
/// [`Config::buckets`](crate::Config::buckets) when the scraper cannot read native histograms.
/// `histogram_quantile` over them is within 9.1% of the report's percentile for times between
/// `from` and `to`; outside, the default buckets' error returns.
///
/// They cost series: one per bound per fn, 8 per doubling, so 1 ms to 1 s is 81 bounds
/// (82 `_bucket` series per fn, against 25 for [`DEFAULT_BUCKETS`]), and as many more lines
/// per scrape. A Prometheus with native histograms stores one series per fn whatever the
/// range.
///
/// ```
/// let bounds = perf_runtime::export::fine_buckets(0.001, 1.0);
/// assert_eq!(bounds.len(), 81);
/// assert_eq!((bounds[0], bounds[1], bounds[80]), (0.001, 0.0010905, 1.024));
/// perf_runtime::configure(perf_runtime::Config { buckets: Some(bounds), ..Default::default() });
/// ```
pub fn fine_buckets(from: f64, to: f64) -> Vec<f64> {
    let step = 2f64.powf(0.125);
    let mut bounds = Vec::new();
    let mut bound = from;
    while bounds.last().is_none_or(|&last| last < to) && bound.is_finite() && bound > 0.0 {
        let rounded: f64 = format!("{bound:.4e}").parse().expect("a float");
        if bounds.last().is_none_or(|&last| last < rounded) {
            bounds.push(rounded);
        }
        bound *= step;
    }
    bounds
}

/// Bounds ready for rendering: `le` label values and the same bounds in nanoseconds.
#[derive(Debug, Clone)]
pub(crate) struct Buckets {
    pub(crate) les: Vec<String>,
    bounds: Vec<f64>,
    bounds_ns: Vec<u64>,
}

impl Buckets {
    /// From [`crate::Config::buckets`]; bounds that are not positive, finite and increasing
    /// fall back to [`DEFAULT_BUCKETS`] (with one message on stderr), since a scrape must
    /// never fail.
    pub(crate) fn configured() -> Self {
        match crate::report::config().buckets {
            Some(bounds) if valid(&bounds) => Self::new(&bounds),
            Some(bounds) => {
                static WARNED: std::sync::Once = std::sync::Once::new();
                WARNED.call_once(|| {
                    eprintln!(
                        "perf: Config::buckets {bounds:?} are not positive, finite and \
                         increasing; using the default buckets"
                    );
                });
                Self::new(DEFAULT_BUCKETS)
            }
            None => Self::new(DEFAULT_BUCKETS),
        }
    }

    pub(crate) fn new(bounds: &[f64]) -> Self {
        Self {
            les: bounds.iter().map(|b| format!("{b}")).collect(),
            bounds: bounds.to_vec(),
            bounds_ns: bounds.iter().map(|b| (b * 1e9).round() as u64).collect(),
        }
    }

    /// The bounds, in seconds.
    pub(crate) fn bounds(&self) -> impl Iterator<Item = f64> + '_ {
        self.bounds.iter().copied()
    }

    /// Slots a histogram needs: one per bound, plus one above them all.
    pub(crate) fn slots(&self) -> usize {
        self.bounds_ns.len() + 1
    }

    /// The slot of an HdrHistogram bucket whose highest value is `highest_ns`: the first
    /// bound at or above it. An HdrHistogram bucket is 0.1% wide, so a value within 0.1% under
    /// a bound may be counted in the next slot; placing buckets by their highest value keeps
    /// the slots consistent with the report's percentiles, which report that value too.
    #[inline]
    pub(crate) fn slot(&self, highest_ns: u64) -> usize {
        self.bounds_ns.partition_point(|&b| b < highest_ns)
    }
}

fn valid(bounds: &[f64]) -> bool {
    !bounds.is_empty()
        && bounds.iter().all(|b| b.is_finite() && *b > 0.0)
        && bounds.windows(2).all(|w| w[0] < w[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_follow_the_bounds() {
        let b = Buckets::new(&[1e-6, 1e-3]);
        assert_eq!(b.les, ["0.000001", "0.001"]);
        assert_eq!(b.slot(0), 0);
        assert_eq!(b.slot(1_000), 0);
        assert_eq!(b.slot(1_001), 1);
        assert_eq!(b.slot(1_000_000), 1);
        assert_eq!(b.slot(1_000_001), 2);
        assert!(valid(DEFAULT_BUCKETS));
        assert!(!valid(&[1.0, 1.0]));
        assert!(!valid(&[f64::NAN]));
    }

    #[test]
    fn fine_buckets_are_at_most_9_1_percent_apart() {
        let b = fine_buckets(1e-6, 60.0);
        assert!(valid(&b));
        assert_eq!(b[0], 1e-6);
        assert!(*b.last().unwrap() >= 60.0);
        for w in b.windows(2) {
            assert!(w[1] / w[0] <= 1.0906, "{w:?}");
        }
        // 1µs to 60s: 25.8 doublings.
        assert_eq!(b.len(), 208);
        assert!(fine_buckets(0.0, 1.0).is_empty());
    }
}
