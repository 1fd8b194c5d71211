//! HdrHistogram's percentile-distribution plot as inline SVG: x is the percentile on a log
//! scale of "nines" (`log10(1 / (1 - q))`: 90% at 1, 99% at 2, 99.9% at 3), y the latency on a
//! log scale, each histogram a step curve with one step per recorded bucket.

use std::fmt::Write as _;

use hdrhistogram::Histogram;

use super::units;

/// One curve of a plot.
pub(crate) struct Series<'a> {
    pub(crate) hist: &'a Histogram<u64>,
    /// `curve`, `curve-base`, `curve-busy`, `curve-load`, `curve-l2`: the CSS colour, and what
    /// a test counts.
    pub(crate) class: &'static str,
    /// Legend text.
    pub(crate) label: &'static str,
}

const W: f64 = 560.0;
const H: f64 = 230.0;
const LEFT: f64 = 58.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 40.0;
/// The fewest and most nines an axis shows: a 10⁷-call histogram reaches 99.99999%.
const MIN_NINES: u32 = 2;
const MAX_NINES: u32 = 7;
/// How far (in px) a simplified curve may stray from the exact one: less than a line's width.
const TOLERANCE: f64 = 0.6;

/// The x axes (grid lines and percentile labels), written once per page and drawn by `<use>`
/// in every plot, since they depend only on how many nines a plot shows.
pub(crate) fn x_axes(out: &mut String) {
    out.push_str(r#"<svg class="defs" width="0" height="0" aria-hidden="true"><defs>"#);
    for nines in MIN_NINES..=MAX_NINES {
        let frame = Frame { nines: f64::from(nines), axis: YAxis::new(1.0, 10.0) };
        let _ = write!(out, r#"<g id="x{nines}">"#);
        frame.x_axis(out);
        out.push_str("</g>");
    }
    out.push_str("</defs></svg>");
}

/// Writes an `<svg>` with the curves of `series` (empty histograms are left out), and an HTML
/// key when there is more than one; nothing when all are empty.
pub(crate) fn percentile_plot(out: &mut String, series: &[Series<'_>], aria: &str) {
    let series: Vec<&Series<'_>> = series.iter().filter(|s| !s.hist.is_empty()).collect();
    if series.is_empty() {
        return;
    }
    let nines = series
        .iter()
        .map(|s| (s.hist.len() as f64).log10())
        .fold(0.0, f64::max)
        .ceil()
        .clamp(f64::from(MIN_NINES), f64::from(MAX_NINES));
    let lowest = series.iter().map(|s| s.hist.min().max(1)).min().unwrap_or(1) as f64;
    let highest = series.iter().map(|s| s.hist.max().max(1)).max().unwrap_or(1) as f64;
    let plot = Frame { nines, axis: YAxis::new(lowest, highest) };
    let _ = write!(
        out,
        r##"<svg class="plot" viewBox="0 0 {W} {H}" role="img" aria-label="{}"><use href="#x{nines}"/>"##,
        super::escape(aria)
    );
    plot.y_axis(out);
    // This run's curve last, on top.
    for s in series.iter().rev() {
        let _ = write!(out, r#"<path class="{}" d=""#, s.class);
        plot.curve(out, s.hist);
        out.push_str(r#""/>"#);
    }
    // Markers with the exact figures on hover, on this run's curve.
    let main = series[0];
    for (q, name) in [(0.5, "p50"), (0.9, "p90"), (0.99, "p99"), (0.999, "p99.9")] {
        let x = nines_of(q);
        if x > (main.hist.len() as f64).log10() + 1e-9 {
            continue;
        }
        let v = main.hist.value_at_quantile(q);
        let _ = write!(
            out,
            r#"<circle cx="{}" cy="{}" r="2.6"><title>{name} {}</title></circle>"#,
            num(plot.px(x)),
            num(plot.py(v as f64)),
            units::duration(v as f64)
        );
    }
    out.push_str("</svg>");
    if series.len() > 1 {
        out.push_str(r#"<p class="key">"#);
        for s in &series {
            let _ = write!(out, r#"<span><i class="{}"></i>{}</span>"#, s.class, s.label);
        }
        out.push_str("</p>");
    }
}

/// `log10(1 / (1 - q))`.
fn nines_of(q: f64) -> f64 {
    (1.0 / (1.0 - q)).log10()
}

/// A latency axis on a log scale, from a 1-2-5 step at or below the lowest value to one at or
/// above the highest.
struct YAxis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl YAxis {
    fn new(lowest: f64, highest: f64) -> Self {
        // A narrow range (one load time ± a few percent) gets a padded axis with plain ticks;
        // a wide one, an axis from one 1-2-5 step to another.
        if highest / lowest < 3.0 {
            let (lo, hi) = (lowest / 1.12, highest * 1.12);
            return Self { lo, hi, ticks: linear_ticks(lo, hi) };
        }
        let steps = |v: f64| {
            let decade = 10f64.powf(v.log10().floor());
            [decade, 2.0 * decade, 5.0 * decade, 10.0 * decade]
        };
        let lo = steps(lowest).into_iter().rev().find(|s| *s <= lowest * 1.000_001).unwrap_or(1.0);
        let hi = steps(highest).into_iter().find(|s| *s >= highest / 1.000_001).unwrap_or(1.0);
        let decades = (hi / lo).log10();
        let mut ticks = Vec::new();
        let mut decade = 10f64.powf(lo.log10().floor());
        while decade <= hi * 1.000_001 {
            for m in [1.0, 2.0, 5.0] {
                let t = m * decade;
                let shown = m == 1.0 || decades <= 2.5;
                if shown && t >= lo / 1.000_001 && t <= hi * 1.000_001 {
                    ticks.push(t);
                }
            }
            decade *= 10.0;
        }
        Self { lo, hi, ticks }
    }
}

/// About four round ticks between `lo` and `hi` (steps of 1, 2 or 5 times a power of ten).
fn linear_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let raw = (hi - lo) / 4.0;
    let mut step = 10f64.powf(raw.log10().floor());
    let err = raw / step;
    if err >= 7.5 {
        step *= 10.0;
    } else if err >= 3.5 {
        step *= 5.0;
    } else if err >= 1.5 {
        step *= 2.0;
    }
    let mut ticks = Vec::new();
    let mut t = (lo / step).ceil() * step;
    while t <= hi {
        ticks.push(t);
        t += step;
    }
    ticks
}

struct Frame {
    nines: f64,
    axis: YAxis,
}

impl Frame {
    fn px(&self, nines: f64) -> f64 {
        LEFT + nines.min(self.nines) / self.nines * (W - LEFT - RIGHT)
    }

    fn py(&self, v: f64) -> f64 {
        let (lo, hi) = (self.axis.lo.log10(), self.axis.hi.log10());
        let t = (v.max(1.0).log10() - lo) / (hi - lo);
        TOP + (1.0 - t.clamp(0.0, 1.0)) * (H - TOP - BOTTOM)
    }

    /// Vertical grid lines at 0%, 50%, 90%, 99%…, their labels and the axis title.
    fn x_axis(&self, out: &mut String) {
        let (x0, x1, y0, y1) = (LEFT, W - RIGHT, TOP, H - BOTTOM);
        let mut xs: Vec<(f64, String)> = vec![(0.0, "0%".into()), (2f64.log10(), "50%".into())];
        for k in 1..=self.nines as u32 {
            let pct = 100.0 - 100.0 / 10f64.powi(k as i32);
            let decimals = k.saturating_sub(2) as usize;
            xs.push((f64::from(k), format!("{pct:.decimals$}%")));
        }
        out.push_str(r#"<path class="grid" d=""#);
        for (x, _) in &xs {
            let _ = write!(out, "M{},{y0}V{y1}", num(self.px(*x)));
        }
        out.push_str(r#""/><g class="ax">"#);
        for (x, label) in &xs {
            let _ = write!(
                out,
                r#"<text x="{}" y="{}" text-anchor="middle">{label}</text>"#,
                num(self.px(*x)),
                y1 + 14.0
            );
        }
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" text-anchor="middle" class="ax-title">percentile</text></g>"#,
            num((x0 + x1) / 2.0),
            y1 + 31.0
        );
    }

    /// Horizontal grid lines at the latency ticks, and their labels.
    fn y_axis(&self, out: &mut String) {
        let (x0, x1) = (LEFT, W - RIGHT);
        out.push_str(r#"<path class="grid" d=""#);
        for t in &self.axis.ticks {
            let _ = write!(out, "M{x0},{}H{x1}", num(self.py(*t)));
        }
        out.push_str(r#""/><g class="ax" text-anchor="end">"#);
        for t in &self.axis.ticks {
            let _ = write!(
                out,
                r#"<text x="{}" y="{}">{}</text>"#,
                x0 - 6.0,
                num(self.py(*t) + 3.5),
                tick(*t)
            );
        }
        out.push_str("</g>");
    }

    /// The vertices of `h`'s step curve in px: each recorded bucket a horizontal run at its
    /// value, from the percentile before it to the percentile it reaches.
    fn steps(&self, h: &Histogram<u64>) -> Vec<(f64, f64)> {
        let n = h.len() as f64;
        let mut below = 0u64;
        let mut points = Vec::new();
        for v in h.iter_recorded() {
            let x_start = nines_of(below as f64 / n);
            below += v.count_since_last_iteration();
            // The slowest bucket holds every percentile past the one before it: its step runs
            // to the plot's right edge (two calls end at 50% otherwise, in a vertical line).
            let x_end =
                if below == h.len() { self.nines } else { nines_of(below as f64 / n).max(x_start) };
            let y = self.py(v.value_iterated_to() as f64);
            points.push((self.px(x_start), y));
            points.push((self.px(x_end), y));
        }
        points
    }

    /// Path data of `h`'s curve: the exact steps, simplified to within [`TOLERANCE`], written
    /// as whole-px moves relative to the last point (`l3,-2 5,0`): a few hundred bytes even
    /// for a histogram of thousands of buckets.
    fn curve(&self, out: &mut String, h: &Histogram<u64>) {
        let points = simplify(&self.steps(h), TOLERANCE);
        let mut last: Option<(i64, i64)> = None;
        for (x, y) in points {
            let p = (x.round() as i64, y.round() as i64);
            match last {
                None => {
                    let _ = write!(out, "M{},{}l", p.0, p.1);
                }
                Some(prev) if prev == p => continue,
                Some(prev) => {
                    let (dx, dy) = (p.0 - prev.0, p.1 - prev.1);
                    // Coordinates after `l` come in pairs; a negative number needs no space.
                    if !out.ends_with('l') && dx >= 0 {
                        out.push(' ');
                    }
                    let _ = write!(out, "{dx}");
                    if dy >= 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "{dy}");
                }
            }
            last = Some(p);
        }
        if out.ends_with('l') {
            out.pop();
        }
    }
}

/// Ramer-Douglas-Peucker: the fewest of `points` that keep every one of them within `eps` of
/// the line through the kept ones.
fn simplify(points: &[(f64, f64)], eps: f64) -> Vec<(f64, f64)> {
    if points.len() < 3 {
        return points.to_vec();
    }
    let mut keep = vec![false; points.len()];
    let (first, last) = (0, points.len() - 1);
    keep[first] = true;
    keep[last] = true;
    let mut stack = vec![(first, last)];
    while let Some((a, b)) = stack.pop() {
        let (pa, pb) = (points[a], points[b]);
        let (dx, dy) = (pb.0 - pa.0, pb.1 - pa.1);
        let len = (dx * dx + dy * dy).sqrt();
        let mut far = (0.0, a);
        for (i, p) in points.iter().enumerate().take(b).skip(a + 1) {
            let d = if len == 0.0 {
                ((p.0 - pa.0).powi(2) + (p.1 - pa.1).powi(2)).sqrt()
            } else {
                ((p.0 - pa.0) * dy - (p.1 - pa.1) * dx).abs() / len
            };
            if d > far.0 {
                far = (d, i);
            }
        }
        if far.0 > eps {
            keep[far.1] = true;
            stack.push((a, far.1));
            stack.push((far.1, b));
        }
    }
    points.iter().zip(keep).filter(|(_, k)| *k).map(|(p, _)| *p).collect()
}

/// A 1-2-5 tick as `2ms`, `500µs`, `10ns`: whole numbers of the largest unit that fits.
fn tick(ns: f64) -> String {
    let (scale, unit) = [(1e9, "s"), (1e6, "ms"), (1e3, "µs"), (1.0, "ns")]
        .into_iter()
        .find(|(scale, _)| ns >= *scale * 0.999)
        .unwrap_or((1.0, "ns"));
    let v = format!("{:.3}", ns / scale);
    format!("{}{unit}", v.trim_end_matches('0').trim_end_matches('.'))
}

/// A coordinate with one decimal, without a trailing `.0`.
fn num(v: f64) -> String {
    let s = format!("{v:.1}");
    match s.strip_suffix(".0") {
        Some(whole) => whole.to_owned(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes() {
        let a = YAxis::new(1_200.0, 9_000_000.0);
        assert_eq!((a.lo, a.hi), (1_000.0, 10_000_000.0));
        assert_eq!(a.ticks.len(), 5); // decades only over 4 decades
        let a = YAxis::new(130.0, 700.0);
        assert_eq!((a.lo, a.hi), (100.0, 1_000.0));
        assert_eq!(a.ticks, [100.0, 200.0, 500.0, 1_000.0]);
        let a = YAxis::new(500.0, 500.0);
        assert!(a.lo < 500.0 && a.hi > 500.0 && !a.ticks.is_empty());
        let a = YAxis::new(20_100_000.0, 20_900_000.0);
        assert!(a.ticks.len() >= 3, "{:?}", a.ticks);
        assert!((nines_of(0.99) - 2.0).abs() < 1e-9);
        assert_eq!([tick(1e4), tick(2e6), tick(500.0), tick(1e9)], ["10µs", "2ms", "500ns", "1s"]);
    }

    #[test]
    fn one_path_per_series_and_steps_that_climb() {
        let mut h = Histogram::<u64>::new_with_bounds(1, 3_600_000_000_000, 3).unwrap();
        for v in 1..=1000u64 {
            h.record(v * 1000).unwrap();
        }
        let mut out = String::new();
        percentile_plot(&mut out, &[Series { hist: &h, class: "curve", label: "run" }], "x");
        assert_eq!(out.matches(r#"<path class="curve""#).count(), 1);
        assert!(out.contains("#x3"), "{out}"); // 1,000 values: three nines
        assert_eq!(out.matches("<circle").count(), 4);
        let mut axes = String::new();
        x_axes(&mut axes);
        assert!(axes.contains(">99.9%<") && axes.contains(">99.99999%<"), "{axes}");
    }

    #[test]
    fn a_curve_of_two_calls_runs_to_the_right_edge() {
        let mut h = Histogram::<u64>::new_with_bounds(1, 3_600_000_000_000, 3).unwrap();
        h.record(100).unwrap();
        h.record(50_000).unwrap();
        let frame = Frame { nines: 2.0, axis: YAxis::new(100.0, 50_000.0) };
        let steps = frame.steps(&h);
        let (x_last, y_last) = steps[steps.len() - 1];
        let (x_before, y_before) = steps[steps.len() - 2];
        assert_eq!(x_last, frame.px(2.0), "{steps:?}");
        assert_eq!(y_last, y_before, "the last step is flat: {steps:?}");
        assert!(x_last > x_before + 100.0, "{steps:?}");
    }

    #[test]
    fn simplified_curves_stay_within_the_tolerance() {
        let staircase: Vec<(f64, f64)> = (0..1000)
            .flat_map(|i| {
                [
                    (i as f64 * 0.5, 200.0 - i as f64 * 0.1),
                    ((i + 1) as f64 * 0.5, 200.0 - i as f64 * 0.1),
                ]
            })
            .collect();
        let kept = simplify(&staircase, 0.6);
        assert!(kept.len() < 10, "{}", kept.len());
        assert_eq!((kept[0], *kept.last().unwrap()), (staircase[0], *staircase.last().unwrap()));
        // A real step survives.
        let step = [(0.0, 100.0), (50.0, 100.0), (50.0, 20.0), (100.0, 20.0)];
        assert_eq!(simplify(&step, 0.6).len(), 4);
    }
}
