//! `perf-report diff`: what changed between a base report and a new one, entry by entry, with a
//! verdict that noise alone does not flip (see [`crate::noise`] and docs/perf-report.md).

use hdrhistogram::Histogram;
use perf_runtime::batch::BatchReport;
use perf_runtime::bench::BenchResult;
use perf_runtime::limit::LimitReport;
use perf_runtime::load::LoadResult;
use perf_runtime::retry::RetryReport;
use perf_runtime::{CacheReport, FunctionReport, Report};
use serde::Serialize;

use crate::input::decode;
use crate::noise::{self, Shift, change_pct};
use crate::units;

/// What [`diff`] counts as a change.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiffOptions {
    /// A latency or rate must move by more than this, in percent of the base value.
    pub threshold_pct: f64,
    /// Both sides need this many calls (lookups for caches) before latencies and rates count.
    pub min_calls: u64,
    /// A latency must also move by at least this many nanoseconds: below it, what moves a
    /// figure between two runs of one build (clock reads, CPU frequency, caches) is larger than
    /// what one run's spread shows.
    pub min_change_ns: f64,
}

impl Default for DiffOptions {
    fn default() -> Self {
        Self { threshold_pct: 10.0, min_calls: 50, min_change_ns: DEFAULT_MIN_CHANGE_NS }
    }
}

/// [`DiffOptions::min_change_ns`] unless told otherwise.
pub const DEFAULT_MIN_CHANGE_NS: f64 = 250.0;

/// One row's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// Something got worse beyond noise.
    #[serde(rename = "regressed")]
    Regressed,
    /// Something got better beyond noise, and nothing worse.
    #[serde(rename = "improved")]
    Improved,
    /// Nothing moved beyond noise (or too few calls to tell).
    #[serde(rename = "no change")]
    NoChange,
    /// Only in the new report.
    #[serde(rename = "new")]
    New,
    /// Only in the base report.
    #[serde(rename = "gone")]
    Gone,
}

impl Verdict {
    /// `regressed`, `improved`, `no change`, `new` or `gone`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Regressed => "regressed",
            Verdict::Improved => "improved",
            Verdict::NoChange => "no change",
            Verdict::New => "new",
            Verdict::Gone => "gone",
        }
    }
}

/// Which section of the report a row comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `functions[]`.
    Function,
    /// `caches[]`.
    Cache,
    /// `retries[]`.
    Retry,
    /// `benches[]`.
    Bench,
    /// `loads[]`.
    Load,
    /// `batchers[]`.
    Batcher,
    /// `limits[]`.
    Limit,
}

/// How a figure is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Nanoseconds.
    Ns,
    /// A fraction of calls, 0 to 1.
    Rate,
    /// A count.
    Count,
    /// A ratio, like attempts per call.
    Ratio,
}

/// One figure of a row on both sides.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metric {
    /// `calls`, `error_rate`, `p50_ns`, `p99_ns`, `mean_ns`, `hit_rate`, ...
    pub name: &'static str,
    /// How to read `base` and `new`.
    pub unit: Unit,
    /// The base report's value; `None` when the entry (or the figure) is not there.
    pub base: Option<f64>,
    /// The new report's value.
    pub new: Option<f64>,
    /// `(new - base) / base` in percent; `None` without both (or with a base of 0).
    pub change_pct: Option<f64>,
    /// For benches: the 95% interval of `change_pct`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_ci95_pct: Option<(f64, f64)>,
    /// `worse` or `better` when the change counts (past the threshold and the noise).
    pub shift: Option<&'static str>,
}

/// One entry of either report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// The section.
    pub kind: Kind,
    /// The entry's name.
    pub name: String,
    /// The verdict.
    pub verdict: Verdict,
    /// The figures compared, in table order.
    pub metrics: Vec<Metric>,
    /// Why the verdict, in a few words: the figures that moved, or why none could.
    pub why: String,
}

/// The whole comparison; `Display` is the table `perf-report diff` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    /// Base report's `generated_at`.
    pub base_generated_at: String,
    /// New report's `generated_at`.
    pub new_generated_at: String,
    /// [`DiffOptions::threshold_pct`].
    pub threshold_pct: f64,
    /// [`DiffOptions::min_calls`].
    pub min_calls: u64,
    /// [`DiffOptions::min_change_ns`].
    pub min_change_ns: f64,
    /// Rows with the verdict `regressed`.
    pub regressed: usize,
    /// Rows with the verdict `improved`.
    pub improved: usize,
    /// Functions, then caches, retries, benches and loads; within each, the new report's order, then
    /// the entries that are gone.
    pub rows: Vec<Row>,
}

impl Diff {
    /// Why this comparison is of the wrong pair of files, when both reports hold entries
    /// and none of them in common: every row is `new` or `gone`, and a diff that passes
    /// that way would pass whatever the build does.
    pub fn nothing_in_common(&self) -> Option<String> {
        let count = |v: Verdict| self.rows.iter().filter(|r| r.verdict == v).count();
        let (new, gone) = (count(Verdict::New), count(Verdict::Gone));
        (new > 0 && gone > 0 && new + gone == self.rows.len()).then(|| {
            format!(
                "no fn, cache, retry, bench or load in common ({gone} only in the base, {new} only in \
                 the new report): not two runs of the same program"
            )
        })
    }

    /// The row of `kind` called `name`.
    pub fn row(&self, kind: Kind, name: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.kind == kind && r.name == name)
    }
}

/// Compares `base` with `new`.
///
/// ```
/// use perf_report::{DiffOptions, Verdict, diff};
///
/// let empty: perf_runtime::Report = serde_json::from_str(r#"{
///     "schema_version": 1, "generated_at": "2026-01-01T00:00:00.000Z",
///     "functions": [], "caches": [], "retries": [], "benches": []
/// }"#).unwrap();
/// let d = diff(&empty, &empty, DiffOptions::default());
/// assert_eq!((d.regressed, d.rows.len()), (0, 0));
/// assert_eq!(Verdict::NoChange.as_str(), "no change");
/// ```
pub fn diff(base: &Report, new: &Report, options: DiffOptions) -> Diff {
    let mut rows = Vec::new();
    pair(&base.functions, &new.functions, |f| &f.name, |b, n| rows.push(function(b, n, options)));
    pair(&base.caches, &new.caches, |c| &c.name, |b, n| rows.push(cache(b, n, options)));
    pair(&base.retries, &new.retries, |r| &r.name, |b, n| rows.push(retry(b, n, options)));
    pair(&base.benches, &new.benches, |b| &b.name, |b, n| rows.push(bench(b, n, options)));
    pair(&base.loads, &new.loads, |l| &l.name, |b, n| rows.push(load(b, n, options)));
    pair(&base.batchers, &new.batchers, |b| &b.name, |b, n| rows.push(batcher(b, n, options)));
    pair(&base.limits, &new.limits, |l| &l.name, |b, n| rows.push(limit(b, n, options)));
    let count = |v: Verdict| rows.iter().filter(|r| r.verdict == v).count();
    Diff {
        base_generated_at: base.generated_at.clone(),
        new_generated_at: new.generated_at.clone(),
        threshold_pct: options.threshold_pct,
        min_calls: options.min_calls,
        min_change_ns: options.min_change_ns,
        regressed: count(Verdict::Regressed),
        improved: count(Verdict::Improved),
        rows,
    }
}

/// Calls `each` for every name of `new` (with its base entry, if any), then for every name
/// only `base` has.
fn pair<'a, T>(
    base: &'a [T],
    new: &'a [T],
    name: impl Fn(&T) -> &String,
    mut each: impl FnMut(Option<&'a T>, Option<&'a T>),
) {
    let by_name: std::collections::HashMap<&str, &T> =
        base.iter().map(|b| (name(b).as_str(), b)).collect();
    let in_new: std::collections::HashSet<&str> = new.iter().map(|n| name(n).as_str()).collect();
    for n in new {
        each(by_name.get(name(n).as_str()).copied(), Some(n));
    }
    for b in base.iter().filter(|b| !in_new.contains(name(b).as_str())) {
        each(Some(b), None);
    }
}

/// Builds rows: the figures, then the verdict from the shifts found.
struct RowBuilder {
    metrics: Vec<Metric>,
    moved: Vec<String>,
}

impl RowBuilder {
    fn new() -> Self {
        Self { metrics: Vec::new(), moved: Vec::new() }
    }

    fn add(
        &mut self,
        name: &'static str,
        unit: Unit,
        base: Option<f64>,
        new: Option<f64>,
        shift: Option<Shift>,
    ) {
        let change = match (base, new) {
            (Some(b), Some(n)) => change_pct(b, n),
            _ => None,
        };
        if shift.is_some() {
            let label = match name {
                "error_rate" => "failed".to_owned(),
                _ => name.trim_end_matches("_ns").replace('_', " "),
            };
            let text = match (unit, base, new) {
                (Unit::Rate, Some(b), Some(n)) => {
                    format!("{label} {}→{}", units::rate(b), units::rate(n))
                }
                _ => format!("{label} {}", units::change(change)),
            };
            self.moved.push(text);
        }
        self.metrics.push(Metric {
            name,
            unit,
            base,
            new,
            change_pct: change,
            change_ci95_pct: None,
            shift: shift.map(|s| if s == Shift::Worse { "worse" } else { "better" }),
        });
    }

    fn finish(self, kind: Kind, name: &str, exists: (bool, bool), notes: &[String]) -> Row {
        let verdict = match exists {
            (false, _) => Verdict::New,
            (_, false) => Verdict::Gone,
            _ if self.metrics.iter().any(|m| m.shift == Some("worse")) => Verdict::Regressed,
            _ if self.metrics.iter().any(|m| m.shift == Some("better")) => Verdict::Improved,
            _ => Verdict::NoChange,
        };
        let mut why = self.moved;
        if verdict == Verdict::NoChange
            && why.is_empty()
            && !notes.iter().any(|n| n.starts_with("few "))
        {
            why.push("within noise".to_owned());
        }
        why.extend(notes.iter().cloned());
        Row { kind, name: name.to_owned(), verdict, metrics: self.metrics, why: why.join("; ") }
    }
}

fn hist(text: &str) -> Option<Histogram<u64>> {
    decode(text).ok().filter(|h| !h.is_empty())
}

/// Whether the `q` quantile of a latency moved beyond noise: past the threshold and the
/// floor, with enough calls past it, outside both runs' intervals and, for the median, in the
/// direction the rank test of the whole distributions gives. A quantile that moved past the
/// threshold without the calls to test it gets a note.
fn latency_shift(
    base: &Histogram<u64>,
    new: &Histogram<u64>,
    q: f64,
    o: DiffOptions,
    rank: Option<noise::RankTest>,
    notes: &mut Vec<String>,
    label: &str,
) -> Option<Shift> {
    if !noise::quantile_has_calls(base, new, q) {
        let moved = change_pct(base.value_at_quantile(q) as f64, new.value_at_quantile(q) as f64)
            .is_some_and(|c| c.abs() > o.threshold_pct);
        if moved {
            let needed = (noise::CALLS_PAST_QUANTILE / q.min(1.0 - q)).round();
            notes.push(format!("{label} not tested ({needed} calls needed)"));
        }
        return None;
    }
    let shift = noise::quantile_shift(base, new, q, o.threshold_pct, o.min_change_ns)?;
    // The median moves with the whole distribution, which the rank test sees; the tail can
    // move alone.
    if q == 0.5 && rank.and_then(noise::RankTest::shift) != Some(shift) {
        return None;
    }
    Some(shift)
}

fn few_calls(what: &str, base: u64, new: u64, min: u64) -> Option<String> {
    (base < min || new < min).then(|| format!("few {what} ({base} and {new}, {min} needed)"))
}

fn function(b: Option<&FunctionReport>, n: Option<&FunctionReport>, o: DiffOptions) -> Row {
    let name = &n.or(b).expect("one side").name;
    let mut row = RowBuilder::new();
    let enough =
        matches!((b, n), (Some(b), Some(n)) if b.calls >= o.min_calls && n.calls >= o.min_calls);
    let failed = |f: &FunctionReport| f.errors + f.panics;
    let error_rate = |f: &FunctionReport| {
        if f.calls == 0 { 0.0 } else { failed(f) as f64 / f.calls as f64 }
    };
    let hists = match (b, n) {
        (Some(b), Some(n)) if enough => hist(&b.histogram).zip(hist(&n.histogram)),
        _ => None,
    };
    let (bv, nv) =
        (|g: fn(&FunctionReport) -> f64| b.map(g), |g: fn(&FunctionReport) -> f64| n.map(g));
    row.add("calls", Unit::Count, bv(|f| f.calls as f64), nv(|f| f.calls as f64), None);
    let errors_shift = match (b, n) {
        (Some(b), Some(n)) if enough => {
            noise::rate_shift((failed(b), b.calls), (failed(n), n.calls), o.threshold_pct, true)
        }
        _ => None,
    };
    row.add("error_rate", Unit::Rate, b.map(error_rate), n.map(error_rate), errors_shift);
    let rank = hists.as_ref().and_then(|(hb, hn)| noise::rank_test(hb, hn));
    let mut notes = Vec::new();
    for (metric, q, get) in [
        ("p50_ns", 0.5, (|f: &FunctionReport| f.p50_ns as f64) as fn(&FunctionReport) -> f64),
        ("p99_ns", 0.99, |f| f.p99_ns as f64),
    ] {
        let shift = hists.as_ref().and_then(|(hb, hn)| {
            latency_shift(hb, hn, q, o, rank, &mut notes, metric.trim_end_matches("_ns"))
        });
        row.add(metric, Unit::Ns, bv(get), nv(get), shift);
    }
    let mean_shift = match (b, n, &hists) {
        (Some(b), Some(n), Some((hb, hn))) => noise::mean_shift(
            (b.mean_ns, b.stddev_ns, hb.len()),
            (n.mean_ns, n.stddev_ns, hn.len()),
            o.threshold_pct,
            o.min_change_ns,
        )
        .filter(|s| rank.and_then(noise::RankTest::shift) == Some(*s)),
        _ => None,
    };
    row.add("mean_ns", Unit::Ns, bv(|f| f.mean_ns), nv(|f| f.mean_ns), mean_shift);
    if let (Some(b), Some(n)) = (b, n) {
        notes.extend(few_calls("calls", b.calls, n.calls, o.min_calls));
    }
    let sampled: Vec<String> = [b, n]
        .into_iter()
        .flatten()
        .map(|f| f.sample)
        .filter(|&s| s > 1)
        .map(|s| format!("1/{s}"))
        .collect();
    if !sampled.is_empty() {
        let mut sampled = sampled;
        sampled.dedup();
        notes.push(format!("sampled {}", sampled.join(" vs ")));
    }
    row.finish(Kind::Function, name, (b.is_some(), n.is_some()), &notes)
}

fn cache(b: Option<&CacheReport>, n: Option<&CacheReport>, o: DiffOptions) -> Row {
    let name = &n.or(b).expect("one side").name;
    let lookups = |c: &CacheReport| c.hits + c.misses;
    let mut row = RowBuilder::new();
    let both = b.zip(n);
    let enough = both.is_some_and(|(b, n)| lookups(b) >= o.min_calls && lookups(n) >= o.min_calls);
    row.add("calls", Unit::Count, b.map(|c| lookups(c) as f64), n.map(|c| lookups(c) as f64), None);
    let hit_shift = both.filter(|_| enough).and_then(|(b, n)| {
        noise::rate_shift((b.hits, lookups(b)), (n.hits, lookups(n)), o.threshold_pct, false)
    });
    row.add("hit_rate", Unit::Rate, b.map(|c| c.hit_rate), n.map(|c| c.hit_rate), hit_shift);
    let loads_enough = both.is_some_and(|(b, n)| b.loads >= o.min_calls && n.loads >= o.min_calls);
    let hists = both
        .filter(|_| loads_enough)
        .and_then(|(b, n)| hist(&b.load_histogram).zip(hist(&n.load_histogram)));
    let rank = hists.as_ref().and_then(|(hb, hn)| noise::rank_test(hb, hn));
    let mut notes = Vec::new();
    for (metric, q, get) in [
        ("load_p50_ns", 0.5, (|c: &CacheReport| c.load_p50_ns as f64) as fn(&CacheReport) -> f64),
        ("load_p99_ns", 0.99, |c| c.load_p99_ns as f64),
    ] {
        let label = if q == 0.5 { "load p50" } else { "load p99" };
        let shift = hists
            .as_ref()
            .and_then(|(hb, hn)| latency_shift(hb, hn, q, o, rank, &mut notes, label));
        row.add(metric, Unit::Ns, b.map(get), n.map(get), shift);
    }
    row.add("loads", Unit::Count, b.map(|c| c.loads as f64), n.map(|c| c.loads as f64), None);
    if let Some((b, n)) = both {
        notes.extend(few_calls("lookups", lookups(b), lookups(n), o.min_calls));
    }
    row.finish(Kind::Cache, name, (b.is_some(), n.is_some()), &notes)
}

/// Mean and standard deviation of attempts per call, from `attempts_histogram`.
fn attempts_spread(r: &RetryReport) -> (f64, f64, u64) {
    let n: u64 = r.attempts_histogram.iter().sum();
    if n == 0 {
        return (0.0, 0.0, 0);
    }
    let mean = r
        .attempts_histogram
        .iter()
        .enumerate()
        .map(|(i, c)| (i + 1) as f64 * *c as f64)
        .sum::<f64>()
        / n as f64;
    let var = r
        .attempts_histogram
        .iter()
        .enumerate()
        .map(|(i, c)| ((i + 1) as f64 - mean).powi(2) * *c as f64)
        .sum::<f64>()
        / n as f64;
    (mean, var.sqrt(), n)
}

fn retry(b: Option<&RetryReport>, n: Option<&RetryReport>, o: DiffOptions) -> Row {
    let name = &n.or(b).expect("one side").name;
    let mut row = RowBuilder::new();
    let both = b.zip(n).filter(|(b, n)| b.calls >= o.min_calls && n.calls >= o.min_calls);
    let per_call =
        |r: &RetryReport| if r.calls == 0 { 0.0 } else { r.attempts as f64 / r.calls as f64 };
    let giveup_rate =
        |r: &RetryReport| if r.calls == 0 { 0.0 } else { r.giveups as f64 / r.calls as f64 };
    row.add("calls", Unit::Count, b.map(|r| r.calls as f64), n.map(|r| r.calls as f64), None);
    let attempts_shift = both.and_then(|(b, n)| {
        noise::mean_shift(attempts_spread(b), attempts_spread(n), o.threshold_pct, 0.0)
    });
    row.add("attempts_per_call", Unit::Ratio, b.map(per_call), n.map(per_call), attempts_shift);
    let giveup_shift = both.and_then(|(b, n)| {
        noise::rate_shift((b.giveups, b.calls), (n.giveups, n.calls), o.threshold_pct, true)
    });
    row.add("giveup_rate", Unit::Rate, b.map(giveup_rate), n.map(giveup_rate), giveup_shift);
    let hists = both.and_then(|(b, n)| {
        let (hb, hn) = (b.attempt_histogram.as_deref()?, n.attempt_histogram.as_deref()?);
        hist(hb).zip(hist(hn))
    });
    let mut notes = Vec::new();
    let shift = hists
        .as_ref()
        .and_then(|(hb, hn)| latency_shift(hb, hn, 0.99, o, None, &mut notes, "attempt p99"));
    let p99 = |r: &RetryReport| r.attempt_p99_ns.map(|v| v as f64);
    row.add("attempt_p99_ns", Unit::Ns, b.and_then(p99), n.and_then(p99), shift);
    if let (Some(b), Some(n)) = (b, n) {
        notes.extend(few_calls("calls", b.calls, n.calls, o.min_calls));
    }
    row.finish(Kind::Retry, name, (b.is_some(), n.is_some()), &notes)
}

fn bench(b: Option<&BenchResult>, n: Option<&BenchResult>, o: DiffOptions) -> Row {
    let name = &n.or(b).expect("one side").name;
    let mut row = RowBuilder::new();
    row.add("median_ns", Unit::Ns, b.map(|r| r.median_ns), n.map(|r| r.median_ns), None);
    let spread = |r: &BenchResult| (r.mean_ns, r.ci95_low_ns, r.ci95_high_ns);
    let compared =
        b.zip(n).and_then(|(b, n)| noise::bench_change(spread(b), spread(n), o.threshold_pct));
    row.add(
        "mean_ns",
        Unit::Ns,
        b.map(|r| r.mean_ns),
        n.map(|r| r.mean_ns),
        compared.and_then(|c| c.2),
    );
    if let (Some((change, ci, _)), Some(m)) = (compared, row.metrics.last_mut()) {
        m.change_pct = Some(change);
        m.change_ci95_pct = Some(ci);
    }
    let notes: Vec<String> = compared
        .map(|(_, (lo, hi), _)| format!("change's 95% interval {lo:+.1}%..{hi:+.1}%"))
        .into_iter()
        .collect();
    row.finish(Kind::Bench, name, (b.is_some(), n.is_some()), &notes)
}

fn load(b: Option<&LoadResult>, n: Option<&LoadResult>, o: DiffOptions) -> Row {
    let name = &n.or(b).expect("one side").name;
    let mut row = RowBuilder::new();
    let both = b.zip(n);
    let enough = both.is_some_and(|(b, n)| b.requests >= o.min_calls && n.requests >= o.min_calls);
    let requests = |l: &LoadResult| l.requests as f64;
    row.add("requests", Unit::Count, b.map(requests), n.map(requests), None);
    let failed =
        |l: &LoadResult| if l.requests == 0 { 0.0 } else { l.errors as f64 / l.requests as f64 };
    let failed_shift = both.filter(|_| enough).and_then(|(b, n)| {
        noise::rate_shift((b.errors, b.requests), (n.errors, n.requests), o.threshold_pct, true)
    });
    row.add("error_rate", Unit::Rate, b.map(failed), n.map(failed), failed_shift);
    // The rate a closed loop reached follows its latency; an open loop's is the one asked for.
    let rps = |l: &LoadResult| l.achieved_rps;
    row.add("achieved_rps", Unit::Ratio, b.map(rps), n.map(rps), None);
    let hists = both
        .filter(|_| enough)
        .and_then(|(b, n)| hist(&b.latency_histogram).zip(hist(&n.latency_histogram)));
    let rank = hists.as_ref().and_then(|(hb, hn)| noise::rank_test(hb, hn));
    let mut notes = Vec::new();
    for (metric, q, get) in [
        (
            "latency_p50_ns",
            0.5,
            (|l: &LoadResult| l.latency.p50_ns as f64) as fn(&LoadResult) -> f64,
        ),
        ("latency_p99_ns", 0.99, |l| l.latency.p99_ns as f64),
    ] {
        let label = if q == 0.5 { "latency p50" } else { "latency p99" };
        let shift = hists
            .as_ref()
            .and_then(|(hb, hn)| latency_shift(hb, hn, q, o, rank, &mut notes, label));
        row.add(metric, Unit::Ns, b.map(get), n.map(get), shift);
    }
    if let Some((b, n)) = both {
        notes.extend(few_calls("requests", b.requests, n.requests, o.min_calls));
        if b.mode != n.mode {
            notes.push(format!("{} loop vs {} loop", b.mode, n.mode));
        }
    }
    row.finish(Kind::Load, name, (b.is_some(), n.is_some()), &notes)
}

/// A batcher: calls, keys per batch, and the p99 of a key's wait and of the batch call, the
/// latencies compared as a fn's are.
fn batcher(b: Option<&BatchReport>, n: Option<&BatchReport>, o: DiffOptions) -> Row {
    let name = &n.or(b).expect("one side").name;
    let mut row = RowBuilder::new();
    let both = b.zip(n).filter(|(b, n)| b.calls >= o.min_calls && n.calls >= o.min_calls);
    row.add("calls", Unit::Count, b.map(|r| r.calls as f64), n.map(|r| r.calls as f64), None);
    let keys = |r: &BatchReport| r.keys_per_batch_mean;
    row.add("keys_per_batch", Unit::Ratio, b.map(keys), n.map(keys), None);
    let mut notes = Vec::new();
    type Figure = fn(&BatchReport) -> (u64, &str);
    let figures: [(&str, Figure); 2] = [
        ("key_wait_p99_ns", |r| (r.key_wait_p99_ns, &r.key_wait_histogram)),
        ("batch_p99_ns", |r| (r.batch_p99_ns, &r.batch_histogram)),
    ];
    for (field, figure) in figures {
        let shift = both
            .and_then(|(b, n)| hist(figure(b).1).zip(hist(figure(n).1)))
            .and_then(|(hb, hn)| latency_shift(&hb, &hn, 0.99, o, None, &mut notes, field));
        let p99 = |r: &BatchReport| figure(r).0 as f64;
        row.add(field, Unit::Ns, b.map(p99), n.map(p99), shift);
    }
    if let (Some(b), Some(n)) = (b, n) {
        notes.extend(few_calls("calls", b.calls, n.calls, o.min_calls));
    }
    row.finish(Kind::Batcher, name, (b.is_some(), n.is_some()), &notes)
}

/// A limiter: its share of refused calls (a rate test, higher is worse) and its waiters' p99.
fn limit(b: Option<&LimitReport>, n: Option<&LimitReport>, o: DiffOptions) -> Row {
    let name = &n.or(b).expect("one side").name;
    let mut row = RowBuilder::new();
    let calls = |l: &LimitReport| l.admitted + l.rejected;
    let both = b.zip(n).filter(|(b, n)| calls(b) >= o.min_calls && calls(n) >= o.min_calls);
    row.add("calls", Unit::Count, b.map(|l| calls(l) as f64), n.map(|l| calls(l) as f64), None);
    let shift = both.and_then(|(b, n)| {
        noise::rate_shift((b.rejected, calls(b)), (n.rejected, calls(n)), o.threshold_pct, true)
    });
    let rate = |l: &LimitReport| l.rejected_ratio();
    row.add("rejected_rate", Unit::Rate, b.map(rate), n.map(rate), shift);
    let p99 = |l: &LimitReport| l.wait_p99_ns.map(|v| v as f64);
    row.add("wait_p99_ns", Unit::Ns, b.and_then(p99), n.and_then(p99), None);
    let mut notes = Vec::new();
    if let (Some(b), Some(n)) = (b, n) {
        notes.extend(few_calls("calls", calls(b), calls(n), o.min_calls));
    }
    row.finish(Kind::Limit, name, (b.is_some(), n.is_some()), &notes)
}
