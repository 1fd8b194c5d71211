//! When a difference between two runs is more than noise. Each test asks for the change to be
//! past the threshold *and* beyond what the runs' own spread explains at 95%.

use hdrhistogram::Histogram;

/// z for a two-sided 95% interval.
const Z95: f64 = 1.96;

/// z of the rank test: two-sided p < 0.001. A diff tests a few figures of every fn, so each
/// test is held to a stricter level than the 95% of one interval.
const Z_RANK: f64 = 3.29;

/// Calls a quantile needs on each side of it, in each run, before its move can count: with
/// fewer, the "p99" of 100 calls is the slowest call or the one before, and one stray
/// preemption moves it by any amount.
pub(crate) const CALLS_PAST_QUANTILE: f64 = 10.0;

/// Which way a change goes, when it counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shift {
    /// Worse: slower, more errors, fewer hits.
    Worse,
    /// Better.
    Better,
}

/// `(new - base) / base` in percent; `None` without a base to compare with.
pub(crate) fn change_pct(base: f64, new: f64) -> Option<f64> {
    if base == 0.0 {
        return if new == 0.0 { Some(0.0) } else { None };
    }
    Some((new - base) / base * 100.0)
}

/// A distribution-free 95% interval of the `q` quantile of the values `h` holds: the values at
/// the ranks `nq ± 1.96·√(nq(1-q))` (the count of values below the true quantile is binomial).
pub(crate) fn quantile_interval(h: &Histogram<u64>, q: f64) -> Option<(u64, u64)> {
    let n = h.len() as f64;
    if n == 0.0 {
        return None;
    }
    let half = Z95 * (n * q * (1.0 - q)).sqrt();
    let lo = (n * q - half).floor().max(1.0);
    let hi = (n * q + half).ceil().min(n);
    Some((h.value_at_quantile(lo / n), h.value_at_quantile(hi / n)))
}

/// Whether both runs have [`CALLS_PAST_QUANTILE`] calls on each side of the `q` quantile.
pub(crate) fn quantile_has_calls(base: &Histogram<u64>, new: &Histogram<u64>, q: f64) -> bool {
    let enough = |h: &Histogram<u64>| {
        let n = h.len() as f64;
        n * q.min(1.0 - q) >= CALLS_PAST_QUANTILE
    };
    enough(base) && enough(new)
}

/// A latency quantile moved (larger is worse) when it moved past `threshold_pct` and by at
/// least `min_change_ns`, each run has [`CALLS_PAST_QUANTILE`] calls past it, and the two runs'
/// 95% intervals of it do not overlap.
pub(crate) fn quantile_shift(
    base: &Histogram<u64>,
    new: &Histogram<u64>,
    q: f64,
    threshold_pct: f64,
    min_change_ns: f64,
) -> Option<Shift> {
    if !quantile_has_calls(base, new, q) {
        return None;
    }
    let (b, n) = (base.value_at_quantile(q) as f64, new.value_at_quantile(q) as f64);
    let change = change_pct(b, n)?;
    if (n - b).abs() < min_change_ns {
        return None;
    }
    let (b_lo, b_hi) = quantile_interval(base, q)?;
    let (n_lo, n_hi) = quantile_interval(new, q)?;
    if change > threshold_pct && n_lo > b_hi {
        Some(Shift::Worse)
    } else if change < -threshold_pct && n_hi < b_lo {
        Some(Shift::Better)
    } else {
        None
    }
}

/// A mean moved (larger is worse) when it moved past `threshold_pct` and the 95% interval of
/// the difference (Welch: `1.96·√(s₀²/n₀ + s₁²/n₁)`) leaves out zero. `(mean, stddev, n)` each.
pub(crate) fn mean_shift(
    base: (f64, f64, u64),
    new: (f64, f64, u64),
    threshold_pct: f64,
    min_change: f64,
) -> Option<Shift> {
    let ((m0, s0, n0), (m1, s1, n1)) = (base, new);
    if n0 == 0 || n1 == 0 || (m1 - m0).abs() < min_change {
        return None;
    }
    let change = change_pct(m0, m1)?;
    let half = Z95 * (s0 * s0 / n0 as f64 + s1 * s1 / n1 as f64).sqrt();
    if change > threshold_pct && m1 - m0 > half {
        Some(Shift::Worse)
    } else if change < -threshold_pct && m0 - m1 > half {
        Some(Shift::Better)
    } else {
        None
    }
}

/// The Mann–Whitney rank test of two recorded distributions, from their histograms: every
/// bucket is a value held `count` times, values of one bucket are ties, so the statistic is
/// exact for what the histograms hold (3 significant digits).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RankTest {
    /// The chance that a call of the new run is slower than one of the base run (ties count
    /// half): 0.5 when neither is slower.
    pub slower: f64,
    /// The standardized U statistic, with the tie correction; positive when the new run is
    /// slower.
    pub z: f64,
}

impl RankTest {
    /// The direction the whole distribution moved, when the test puts it beyond noise
    /// (two-sided p < 0.001).
    pub(crate) fn shift(self) -> Option<Shift> {
        if self.z > Z_RANK {
            Some(Shift::Worse)
        } else if self.z < -Z_RANK {
            Some(Shift::Better)
        } else {
            None
        }
    }
}

/// [`RankTest`] of `base` against `new`; `None` when either is empty.
pub(crate) fn rank_test(base: &Histogram<u64>, new: &Histogram<u64>) -> Option<RankTest> {
    let (n0, n1) = (base.len() as f64, new.len() as f64);
    if n0 == 0.0 || n1 == 0.0 {
        return None;
    }
    // Both histograms have the same bounds when they come from reports of this runtime; any
    // two, though, are walked by value, so buckets of equal value are ties.
    let buckets = |h: &Histogram<u64>| -> Vec<(u64, f64)> {
        h.iter_recorded()
            .map(|v| (h.highest_equivalent(v.value_iterated_to()), v.count_at_value() as f64))
            .collect()
    };
    let (b, n) = (buckets(base), buckets(new));
    let (mut i, mut j) = (0, 0);
    let (mut below, mut u, mut ties) = (0.0, 0.0, 0.0);
    while i < b.len() || j < n.len() {
        let value = match (b.get(i), n.get(j)) {
            (Some(x), Some(y)) => x.0.min(y.0),
            (Some(x), None) => x.0,
            (None, Some(y)) => y.0,
            (None, None) => unreachable!(),
        };
        let mut x = 0.0;
        if b.get(i).is_some_and(|e| e.0 == value) {
            x = b[i].1;
            i += 1;
        }
        let mut y = 0.0;
        if n.get(j).is_some_and(|e| e.0 == value) {
            y = n[j].1;
            j += 1;
        }
        u += y * (below + x / 2.0);
        below += x;
        let t = x + y;
        ties += t * t * t - t;
    }
    let total = n0 + n1;
    let var = n0 * n1 / 12.0 * ((total + 1.0) - ties / (total * (total - 1.0)));
    let z = if var > 0.0 { (u - n0 * n1 / 2.0) / var.sqrt() } else { 0.0 };
    Some(RankTest { slower: u / (n0 * n1), z })
}

/// A rate (errors per call, hits per lookup, ...) moved when it moved by more than
/// `threshold_pct` of itself and a two-proportion z-test puts the move beyond 95%.
/// `higher_is_worse` says which way is worse. `(events, trials)` each.
pub(crate) fn rate_shift(
    base: (u64, u64),
    new: (u64, u64),
    threshold_pct: f64,
    higher_is_worse: bool,
) -> Option<Shift> {
    let ((e0, n0), (e1, n1)) = (base, new);
    if n0 == 0 || n1 == 0 {
        return None;
    }
    let (p0, p1) = (e0 as f64 / n0 as f64, e1 as f64 / n1 as f64);
    let pooled = (e0 + e1) as f64 / (n0 + n1) as f64;
    let se = (pooled * (1.0 - pooled) * (1.0 / n0 as f64 + 1.0 / n1 as f64)).sqrt();
    if se == 0.0 {
        return None; // both all or both none
    }
    let z = (p1 - p0) / se;
    let past_threshold = change_pct(p0, p1).is_none_or(|c| c.abs() > threshold_pct);
    if !past_threshold || z.abs() <= Z95 {
        return None;
    }
    Some(if (z > 0.0) == higher_is_worse { Shift::Worse } else { Shift::Better })
}

/// The change of a bench's mean with its 95% interval, in percent, from the two results'
/// intervals of the mean (half-widths combined in quadrature, as the bench harness's own
/// `--baseline` comparison does), and the shift when the whole interval is past zero and the
/// change past `threshold_pct`. `(mean, ci95_low, ci95_high)` each.
pub(crate) fn bench_change(
    base: (f64, f64, f64),
    new: (f64, f64, f64),
    threshold_pct: f64,
) -> Option<(f64, (f64, f64), Option<Shift>)> {
    let ((m0, lo0, hi0), (m1, lo1, hi1)) = (base, new);
    if m0 <= 0.0 {
        return None;
    }
    let change = (m1 - m0) / m0 * 100.0;
    let (h0, h1) = ((hi0 - lo0) / 2.0, (hi1 - lo1) / 2.0);
    let half = (h0 * h0 + h1 * h1).sqrt() / m0 * 100.0;
    let ci = (change - half, change + half);
    let shift = if ci.0 > 0.0 && change > threshold_pct {
        Some(Shift::Worse)
    } else if ci.1 < 0.0 && change < -threshold_pct {
        Some(Shift::Better)
    } else {
        None
    };
    Some((change, ci, shift))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist(values: impl IntoIterator<Item = u64>) -> Histogram<u64> {
        let mut h = Histogram::new_with_bounds(1, 3_600_000_000_000, 3).unwrap();
        for v in values {
            h.record(v).unwrap();
        }
        h
    }

    #[test]
    fn a_quantile_interval_holds_the_quantile() {
        let h = hist(1..=1000);
        let (lo, hi) = quantile_interval(&h, 0.5).unwrap();
        assert!(lo < 500 && 500 < hi, "{lo}..{hi}");
        assert!(hi - lo < 80, "{lo}..{hi}");
        let (lo, hi) = quantile_interval(&h, 0.99).unwrap();
        assert!(lo <= 990 && 990 <= hi, "{lo}..{hi}");
    }

    #[test]
    fn a_shift_needs_the_threshold_and_separated_intervals() {
        let base = hist((0..1000).map(|i| 1000 + i % 100));
        let slower = hist((0..1000).map(|i| 1300 + i % 100));
        assert_eq!(quantile_shift(&base, &slower, 0.5, 10.0, 0.0), Some(Shift::Worse));
        assert_eq!(quantile_shift(&slower, &base, 0.5, 10.0, 0.0), Some(Shift::Better));
        assert_eq!(quantile_shift(&base, &slower, 0.5, 50.0, 0.0), None);
        // Past the threshold, but not past the floor of 300 ns.
        assert_eq!(quantile_shift(&base, &slower, 0.5, 10.0, 301.0), None);
        // Past the threshold, but three calls each: too few on each side of the median.
        let (few_base, few_new) = (hist([1000, 2000, 3000]), hist([1500, 2500, 3500]));
        assert_eq!(quantile_shift(&few_base, &few_new, 0.5, 10.0, 0.0), None);
    }

    #[test]
    fn a_p99_needs_ten_calls_past_it() {
        // 100 calls, the slowest twice as slow: the "p99" doubled, on one call.
        let base = hist((0..100).map(|i| 1000 + i));
        let new = hist((0..100).map(|i| if i == 99 { 5000 } else { 1000 + i }));
        assert_eq!(quantile_shift(&base, &new, 0.99, 10.0, 0.0), None);
        // 1,000 calls, the slowest 2% five times slower: ten calls past the p99 moved.
        let base = hist((0..1000).map(|i| 1000 + i % 100));
        let new = hist((0..1000).map(|i| if i % 50 == 0 { 5000 } else { 1000 + i % 100 }));
        assert_eq!(quantile_shift(&base, &new, 0.99, 10.0, 0.0), Some(Shift::Worse));
    }

    #[test]
    fn the_rank_test_counts_ties_from_buckets() {
        // Identical distributions: U is half of n0·n1, z is 0.
        let same = hist((0..500).map(|i| 1000 + i % 7));
        let t = rank_test(&same, &same).unwrap();
        assert!((t.slower - 0.5).abs() < 1e-12 && t.z.abs() < 1e-9, "{t:?}");
        assert_eq!(t.shift(), None);
        // Every new call slower than every base call.
        let slower = hist((0..500).map(|i| 2000 + i % 7));
        let t = rank_test(&same, &slower).unwrap();
        assert_eq!((t.slower, t.shift()), (1.0, Some(Shift::Worse)));
        assert_eq!(rank_test(&slower, &same).unwrap().shift(), Some(Shift::Better));
        // All values tied: no variance, no shift.
        let t = rank_test(&hist([5; 60]), &hist([5; 60])).unwrap();
        assert_eq!((t.z, t.shift()), (0.0, None));
        // U by hand: base {1, 2}, new {2, 3}: pairs (1,2) (1,3) (2,3) new slower, (2,2) a tie.
        let t = rank_test(&hist([1, 2]), &hist([2, 3])).unwrap();
        assert!((t.slower - 3.5 / 4.0).abs() < 1e-12, "{t:?}");
    }

    #[test]
    fn rates_and_means() {
        assert_eq!(rate_shift((10, 1000), (50, 1000), 10.0, true), Some(Shift::Worse));
        assert_eq!(rate_shift((10, 1000), (12, 1000), 10.0, true), None); // noise
        assert_eq!(rate_shift((900, 1000), (500, 1000), 10.0, false), Some(Shift::Worse));
        let worse = mean_shift((100.0, 10.0, 100), (150.0, 10.0, 100), 10.0, 0.0);
        assert_eq!(worse, Some(Shift::Worse));
        assert_eq!(mean_shift((100.0, 10.0, 100), (150.0, 10.0, 100), 10.0, 60.0), None);
        assert_eq!(mean_shift((100.0, 200.0, 100), (150.0, 200.0, 100), 10.0, 0.0), None);
    }

    #[test]
    fn bench_changes_use_both_intervals() {
        let (change, ci, shift) =
            bench_change((100.0, 99.0, 101.0), (120.0, 119.0, 121.0), 10.0).unwrap();
        assert!((change - 20.0).abs() < 1e-9);
        assert!(ci.0 > 18.0 && ci.1 < 22.0);
        assert_eq!(shift, Some(Shift::Worse));
        let (_, _, shift) =
            bench_change((100.0, 80.0, 120.0), (120.0, 100.0, 140.0), 10.0).unwrap();
        assert_eq!(shift, None);
    }
}
