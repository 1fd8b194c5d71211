//! Combining reports: several processes' into one ([`Report::merge`]), and one process's at two
//! times into what happened between them ([`Report::delta`]).
//!
//! Both work on the histograms the report carries (HdrHistogram V2, base64), never on its
//! percentiles: percentiles do not add, histograms do. Every percentile, `min_ns`, `max_ns` and
//! `stddev_ns` of the result is recomputed from the combined histogram, and `mean_ns` from the
//! summed `total_ns`, so a merge is as exact as one process's report.

use std::collections::HashMap;
use std::fmt;

use hdrhistogram::Histogram;

use super::histogram::{decode, encode, encoded_counts};
use super::{FunctionReport, Report, SCHEMA_VERSION};
use crate::bench::BenchResult;
use crate::cache::CacheReport;
use crate::limit::LimitReport;
use crate::load::LoadResult;
use crate::record::histogram::{LEN, MAX_VALUE, SIGFIG, value_at};
use crate::retry::RetryReport;

/// Why [`Report::merge`] could not combine its reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MergeError {
    /// No report was given.
    NoReports,
    /// A report of another [`SCHEMA_VERSION`].
    SchemaVersion {
        /// The version found.
        found: u32,
    },
    /// A histogram is missing (a report written before the field existed) or unreadable.
    Histogram {
        /// `functions`, `caches` or `retries`.
        section: &'static str,
        /// The entry's name.
        name: String,
        /// The JSON field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// Two histograms of one entry were recorded with different bounds or precision, so
    /// their buckets do not line up.
    Bounds {
        /// `functions`, `caches` or `retries`.
        section: &'static str,
        /// The entry's name.
        name: String,
        /// The JSON field.
        field: &'static str,
        /// `(lowest, highest, significant digits)` of the first report's histogram.
        first: (u64, u64, u8),
        /// The same of the histogram that differs.
        other: (u64, u64, u8),
    },
}

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoReports => write!(f, "cannot merge: no reports given"),
            Self::SchemaVersion { found } => write!(
                f,
                "cannot merge: a report has schema_version {found}, this build reads {SCHEMA_VERSION}"
            ),
            Self::Histogram { section, name, field, reason } => {
                write!(f, "cannot merge {section} entry `{name}`: {field}: {reason}")
            }
            Self::Bounds { section, name, field, first, other } => write!(
                f,
                "cannot merge {section} entry `{name}`: {field} histograms have different bounds \
                 ({}..={} at {} digits vs {}..={} at {} digits)",
                first.0, first.1, first.2, other.0, other.1, other.2
            ),
        }
    }
}

impl std::error::Error for MergeError {}

/// Where a histogram sits, for errors.
#[derive(Clone, Copy)]
pub(crate) struct At<'a> {
    pub(crate) section: &'static str,
    pub(crate) name: &'a str,
    pub(crate) field: &'static str,
}

impl At<'_> {
    fn decode(self, text: &str) -> Result<Histogram<u64>, MergeError> {
        if text.is_empty() {
            return Err(self.error("missing (the report predates the field)".to_owned()));
        }
        decode(text).map_err(|reason| self.error(reason))
    }

    fn error(self, reason: String) -> MergeError {
        let (section, name, field) = (self.section, self.name.to_owned(), self.field);
        MergeError::Histogram { section, name, field, reason }
    }

    /// Adds `text`'s histogram into `sum`.
    pub(crate) fn add(self, sum: &mut Sum, text: &str) -> Result<(), MergeError> {
        if text.is_empty() {
            // Said as a histogram missing from its report.
            return self.decode(text).map(drop);
        }
        if let Sum::Empty | Sum::Counts(_) = sum {
            let counts = match sum {
                Sum::Counts(c) => c,
                _ => {
                    *sum = Sum::Counts(Counts::new());
                    let Sum::Counts(c) = sum else { unreachable!() };
                    c
                }
            };
            let ours = encoded_counts(text, |i, n| counts.add(i, n))
                .map_err(|reason| self.error(reason))?;
            if ours {
                return Ok(());
            }
            // Another layout: sum as histograms from here on, bounds checked.
            *sum = Sum::Histogram(std::mem::take(counts).build());
        }
        if let Sum::Histogram(h) = sum {
            if (h.low(), h.sigfig()) == (1, SIGFIG) && h.high() <= MAX_VALUE {
                h.auto(true);
                let mut failed = false;
                let ours =
                    encoded_counts(text, |i, n| failed |= h.record_n(value_at(i), n).is_err())
                        .map_err(|reason| self.error(reason))?;
                if failed {
                    return Err(self.error("a count out of range".to_owned()));
                }
                if ours {
                    return Ok(());
                }
            }
        }
        let h = self.decode(text)?;
        match sum {
            Sum::Histogram(sum) => {
                // The highest trackable value only sets how far a histogram has grown.
                let bounds = |h: &Histogram<u64>| (h.low(), h.high(), h.sigfig());
                if (sum.low(), sum.sigfig()) != (h.low(), h.sigfig()) {
                    return Err(MergeError::Bounds {
                        section: self.section,
                        name: self.name.to_owned(),
                        field: self.field,
                        first: bounds(sum),
                        other: bounds(&h),
                    });
                }
                sum.auto(true);
                sum.add(&h).map_err(|e| self.error(format!("{e:?}")))?;
            }
            _ => *sum = Sum::Histogram(h),
        }
        Ok(())
    }
}

/// A histogram being summed. Histograms in this crate's layout are summed as a plain vector
/// of counts, indexed as the histograms are: adding one is a few hundred additions, where a
/// `Histogram` would record each bucket (`record_n`, with its bounds and min/max upkeep).
#[derive(Default)]
pub(crate) enum Sum {
    /// Nothing added yet.
    #[default]
    Empty,
    /// Counts of this crate's layout.
    Counts(Counts),
    /// Any other layout.
    Histogram(Histogram<u64>),
}

impl Sum {
    /// The summed histogram; `None` when nothing was added.
    pub(crate) fn finish(self) -> Option<Histogram<u64>> {
        match self {
            Sum::Empty => None,
            Sum::Counts(c) => Some(c.build()),
            Sum::Histogram(h) => Some(h),
        }
    }
}

/// Counts by index, with the range of indices touched, so that building the histogram reads
/// only that range.
#[derive(Default)]
pub(crate) struct Counts {
    counts: Vec<u64>,
    lo: usize,
    hi: usize,
}

impl Counts {
    fn new() -> Self {
        // Zeroed by the allocator: pages never touched cost nothing.
        Self { counts: vec![0; LEN], lo: LEN, hi: 0 }
    }

    #[inline]
    fn add(&mut self, index: usize, n: u64) {
        // `encoded_counts` gives indices below LEN.
        self.counts[index] = self.counts[index].saturating_add(n);
        self.lo = self.lo.min(index);
        self.hi = self.hi.max(index);
    }

    fn build(self) -> Histogram<u64> {
        let mut h = crate::record::histogram::empty();
        if self.lo <= self.hi {
            for (i, &n) in self.counts[self.lo..=self.hi].iter().enumerate() {
                if n > 0 {
                    h.record_n(value_at(self.lo + i), n).expect("an index of the layout");
                }
            }
        }
        h
    }
}

/// `later - earlier` as histograms, or `None` when `earlier` is not contained in `later` (a
/// restart or a [`reset`](crate::reset) between them) or either does not decode.
pub(crate) fn subtract(later: &str, earlier: &str) -> Option<Histogram<u64>> {
    let mut later = decode(later).ok()?;
    let earlier = decode(earlier).ok()?;
    // Histograms grow to their largest value, so only the layout must match.
    if (later.low(), later.sigfig()) != (earlier.low(), earlier.sigfig()) {
        return None;
    }
    later.subtract(&earlier).ok()?;
    Some(later)
}

/// How many slowest calls an entry lists, as `profile/slow.rs` keeps.
const SLOWEST_KEPT: usize = 5;

pub(crate) fn quantile(h: &Histogram<u64>, q: f64) -> u64 {
    if h.is_empty() { 0 } else { h.value_at_quantile(q) }
}

impl Report {
    /// Combines the reports of several processes (or of one process over several runs) into
    /// one: counters are summed, histograms added bucket by bucket, and percentiles, `min_ns`,
    /// `max_ns`, `mean_ns` and `stddev_ns` recomputed from the sums. Entries are matched by
    /// name. Merged with itself N times, a report has every count N times and every percentile
    /// unchanged.
    ///
    /// `generated_at` is the latest of the sources', `started_at` the earliest, and `instance`
    /// lists the sources' instances. Cache `entries` are summed (entries held across the
    /// processes). `#[bench]` and `#[load]` results are not counters: each name keeps the
    /// result of the latest report that has it.
    ///
    /// Fails, naming the entry, when histograms have different bounds or precision, a
    /// histogram is missing or unreadable, or a report has another schema version.
    ///
    /// ```
    /// use perf_runtime::{Report, profile};
    ///
    /// #[profile(name = "doc.merge")]
    /// fn work() {}
    ///
    /// work();
    /// let one = Report::collect();
    /// let three = Report::merge([&one, &one, &one]).unwrap();
    /// let (f1, f3) = (one.function("doc.merge").unwrap(), three.function("doc.merge").unwrap());
    /// assert_eq!(f3.calls, 3 * f1.calls);
    /// assert_eq!(f3.p99_ns, f1.p99_ns);
    /// ```
    pub fn merge<'a>(reports: impl IntoIterator<Item = &'a Report>) -> Result<Report, MergeError> {
        let reports: Vec<&Report> = reports.into_iter().collect();
        if reports.is_empty() {
            return Err(MergeError::NoReports);
        }
        if let Some(r) = reports.iter().find(|r| r.schema_version != SCHEMA_VERSION) {
            return Err(MergeError::SchemaVersion { found: r.schema_version });
        }
        let mut instances: Vec<&str> = Vec::new();
        for r in &reports {
            for i in r.instance.split(',').filter(|i| !i.is_empty()) {
                if !instances.contains(&i) {
                    instances.push(i);
                }
            }
        }
        let started_at = reports
            .iter()
            .map(|r| r.started_at.as_str())
            .filter(|s| !s.is_empty())
            .min()
            .unwrap_or_default();
        let mut functions = merge_by_name(&reports, |r| &r.functions, |f| &f.name, merge_fns)?;
        sort_functions(&mut functions);
        let caches = merge_by_name(&reports, |r| &r.caches, |c| &c.name, merge_caches)?;
        let breakers =
            merge_by_name(&reports, |r| &r.breakers, |b| &b.name, crate::breaker::merge)?;
        let retries = merge_by_name(&reports, |r| &r.retries, |r| &r.name, merge_retries)?;
        let bulkheads =
            merge_by_name(&reports, |r| &r.bulkheads, |b| &b.name, crate::bulkhead::merge)?;
        let timeouts =
            merge_by_name(&reports, |r| &r.timeouts, |t| &t.name, crate::timeout::merge)?;
        let limits = merge_by_name(&reports, |r| &r.limits, |r| &r.name, merge_limits)?;
        let batchers = merge_by_name(&reports, |r| &r.batchers, |b| &b.name, crate::batch::merge)?;
        let mut by_time = reports.clone();
        by_time.sort_by(|a, b| a.generated_at.cmp(&b.generated_at));
        let mut benches: Vec<BenchResult> = Vec::new();
        for r in &by_time {
            for b in &r.benches {
                match benches.iter_mut().find(|kept| kept.name == b.name) {
                    Some(kept) => *kept = b.clone(),
                    None => benches.push(b.clone()),
                }
            }
        }
        let mut loads: Vec<LoadResult> = Vec::new();
        for r in &by_time {
            for l in &r.loads {
                match loads.iter_mut().find(|kept| kept.name == l.name) {
                    Some(kept) => *kept = l.clone(),
                    None => loads.push(l.clone()),
                }
            }
        }
        let edges = crate::calls::report::merge(&reports, &functions);
        Ok(Report {
            schema_version: SCHEMA_VERSION,
            generated_at: reports.iter().map(|r| r.generated_at.clone()).max().unwrap_or_default(),
            instance: instances.join(","),
            started_at: started_at.to_owned(),
            functions,
            breakers,
            caches,
            retries,
            benches,
            loads,
            alloc_counting: reports.iter().any(|r| r.alloc_counting),
            process: Default::default(),
            budgets: Vec::new(),
            bulkheads,
            timeouts,
            limits,
            batchers,
            edges,
        })
    }

    /// What happened between `earlier` and this report of the same process: counts and
    /// histograms since `earlier` (HdrHistogram subtraction), percentiles recomputed, so the
    /// p99 of the last minute is `now.delta(&a_minute_ago).function(name)?.p99_ns`.
    ///
    /// An entry new since `earlier` is kept whole. An entry whose counts went down (a
    /// [`reset`](crate::reset) or a restart between the two) is kept whole too, as Prometheus
    /// treats a counter reset. Entries without activity in between are left out, as
    /// [`Report::collect`] leaves out fns never called; caches stay, since `entries` is a level,
    /// not a count. `started_at` becomes `earlier.generated_at`. `#[bench]` and `#[load]`
    /// results that `earlier` does not hold unchanged are kept.
    ///
    /// ```
    /// use perf_runtime::{Report, profile};
    ///
    /// #[profile(name = "doc.delta")]
    /// fn work() {}
    ///
    /// work();
    /// let before = Report::collect();
    /// work();
    /// work();
    /// let since = Report::collect().delta(&before);
    /// assert_eq!(since.function("doc.delta").unwrap().calls, 2);
    /// ```
    pub fn delta(&self, earlier: &Report) -> Report {
        let functions = self
            .functions
            .iter()
            .filter_map(|f| match earlier.function(&f.name) {
                None => Some(f.clone()),
                Some(e) => delta_fn(f, e).or_else(|| Some(f.clone())),
            })
            .filter(|f| f.calls != 0 || f.cancelled != 0)
            .collect::<Vec<_>>();
        let mut functions = functions;
        sort_functions(&mut functions);
        let caches = self
            .caches
            .iter()
            .map(|c| earlier.cache(&c.name).and_then(|e| delta_cache(c, e)).unwrap_or(c.clone()))
            .collect();
        let retries = self
            .retries
            .iter()
            .map(|r| earlier.retry(&r.name).and_then(|e| delta_retry(r, e)).unwrap_or(r.clone()))
            .filter(|r| r.calls != 0)
            .collect();
        let bulkheads = self
            .bulkheads
            .iter()
            .map(|b| {
                let e = earlier.bulkhead(&b.name);
                e.and_then(|e| crate::bulkhead::delta(b, e)).unwrap_or(b.clone())
            })
            .filter(|b| b.calls != 0 || b.in_flight != 0)
            .collect();
        let timeouts = self
            .timeouts
            .iter()
            .map(|t| {
                let e = earlier.timeout(&t.name);
                e.and_then(|e| crate::timeout::delta(t, e)).unwrap_or(t.clone())
            })
            .filter(|t| t.calls != 0)
            .collect();
        let batchers = self
            .batchers
            .iter()
            .map(|b| {
                earlier
                    .batcher(&b.name)
                    .and_then(|e| crate::batch::delta(b, e))
                    .unwrap_or(b.clone())
            })
            .filter(|b| b.calls != 0)
            .collect();
        let breakers = self
            .breakers
            .iter()
            .map(|b| {
                earlier
                    .breaker(&b.name)
                    .and_then(|e| crate::breaker::delta(b, e))
                    .unwrap_or(b.clone())
            })
            .filter(|b| b.is_active())
            .collect();
        let benches =
            self.benches.iter().filter(|b| !earlier.benches.contains(b)).cloned().collect();
        let loads = self.loads.iter().filter(|l| !earlier.loads.contains(l)).cloned().collect();
        let limits = self
            .limits
            .iter()
            .map(|l| earlier.limit(&l.name).and_then(|e| delta_limit(l, e)).unwrap_or(l.clone()))
            .filter(|l| l.admitted + l.rejected != 0)
            .collect();
        let edges = crate::calls::report::delta(&self.edges, &earlier.edges, &functions);
        Report {
            schema_version: self.schema_version,
            generated_at: self.generated_at.clone(),
            instance: self.instance.clone(),
            started_at: earlier.generated_at.clone(),
            functions,
            caches,
            breakers,
            retries,
            benches,
            loads,
            alloc_counting: self.alloc_counting,
            process: self.process.clone(),
            budgets: Vec::new(),
            bulkheads,
            timeouts,
            limits,
            batchers,
            edges,
        }
    }
}

/// Groups the entries of `section` by name, in order of first appearance, and folds each group.
/// Groups are folded on all cores when there are at least this many entries: below it,
/// starting threads costs more than it saves.
const PARALLEL_ENTRIES: usize = 20_000;

fn merge_by_name<'a, T: 'a + Send + Sync>(
    reports: &[&'a Report],
    section: impl Fn(&'a Report) -> &'a Vec<T>,
    name: impl Fn(&'a T) -> &'a str,
    fold: impl Fn(&[&'a T]) -> Result<T, MergeError> + Sync,
) -> Result<Vec<T>, MergeError> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut groups: Vec<Vec<&'a T>> = Vec::new();
    let mut entries = 0;
    for r in reports {
        for entry in section(r) {
            let n = name(entry);
            let at = *index.entry(n).or_insert_with(|| {
                groups.push(Vec::with_capacity(reports.len()));
                groups.len() - 1
            });
            groups[at].push(entry);
            entries += 1;
        }
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if entries < PARALLEL_ENTRIES || threads == 1 || groups.len() < threads {
        return groups.iter().map(|g| fold(g)).collect();
    }
    let chunk = groups.len().div_ceil(threads);
    let fold = &fold;
    let parts: Vec<Vec<Result<T, MergeError>>> = std::thread::scope(|s| {
        let handles: Vec<_> = groups
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(|g| fold(g)).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    parts.into_iter().flatten().collect()
}

fn sort_functions(functions: &mut [FunctionReport]) {
    functions.sort_by(|a, b| b.total_ns.cmp(&a.total_ns).then_with(|| a.name.cmp(&b.name)));
}

/// Recomputes what `FunctionReport::from_stats` derives from the histograms.
fn refresh_fn(f: &mut FunctionReport, wall: &Histogram<u64>, busy: Option<&Histogram<u64>>) {
    f.mean_ns = if f.calls == 0 { 0.0 } else { f.total_ns as f64 / f.calls as f64 };
    f.self_mean_ns = if f.calls == 0 { 0.0 } else { f.self_total_ns as f64 / f.calls as f64 };
    f.min_ns = if wall.is_empty() { 0 } else { wall.min() };
    f.max_ns = if wall.is_empty() { 0 } else { wall.max() };
    f.stddev_ns = wall.stdev();
    f.p50_ns = quantile(wall, 0.50);
    f.p90_ns = quantile(wall, 0.90);
    f.p95_ns = quantile(wall, 0.95);
    f.p99_ns = quantile(wall, 0.99);
    f.p999_ns = quantile(wall, 0.999);
    f.histogram = encode(wall);
    if let Some(busy) = busy {
        f.busy_p50_ns = Some(quantile(busy, 0.50));
        f.busy_p99_ns = Some(quantile(busy, 0.99));
        f.busy_histogram = Some(encode(busy));
    }
    f.slowest.sort_by(|a, b| b.duration_ns.cmp(&a.duration_ns).then_with(|| a.at.cmp(&b.at)));
    f.slowest.truncate(SLOWEST_KEPT);
    f.timed_calls = wall.len();
}

/// The per-call histograms of allocations and CPU time, when the entry has them.
#[derive(Default)]
struct Usage {
    alloc_count: Option<Histogram<u64>>,
    alloc_bytes: Option<Histogram<u64>>,
    cpu: Option<Histogram<u64>>,
}

/// Recomputes what `FunctionReport::from_stats` derives from the usage histograms and sums.
fn refresh_usage(f: &mut FunctionReport, u: &Usage) {
    if let (Some(count), Some(bytes)) = (&u.alloc_count, &u.alloc_bytes) {
        let n = count.len().max(1) as f64;
        f.alloc_count_mean = f.alloc_count_total.map(|t| t as f64 / n);
        f.alloc_bytes_mean = f.alloc_bytes_total.map(|t| t as f64 / n);
        f.alloc_count_p99 = Some(quantile(count, 0.99));
        f.alloc_bytes_p99 = Some(quantile(bytes, 0.99));
        f.alloc_count_histogram = Some(encode(count));
        f.alloc_bytes_histogram = Some(encode(bytes));
    }
    if let Some(cpu) = &u.cpu {
        f.cpu_p50_ns = Some(quantile(cpu, 0.50));
        f.cpu_p99_ns = Some(quantile(cpu, 0.99));
        f.cpu_histogram = Some(encode(cpu));
        // The wall time of the timed calls, which `total_ns` scales up when sampled.
        let timed_wall = f.total_ns as f64 * f.timed_calls as f64 / f.calls.max(1) as f64;
        f.cpu_share = f.cpu_total_ns.map(|c| c as f64 / timed_wall.max(1.0));
    }
}

fn add_opt(sum: &mut Option<u64>, v: Option<u64>) {
    if let Some(v) = v {
        *sum.get_or_insert(0) += v;
    }
}

fn sub_opt(v: Option<u64>, e: Option<u64>) -> Option<Option<u64>> {
    match (v, e) {
        (Some(v), Some(e)) => Some(Some(v.checked_sub(e)?)),
        (v, _) => Some(v),
    }
}

fn merge_fns(group: &[&FunctionReport]) -> Result<FunctionReport, MergeError> {
    let mut out = group[0].clone();
    out.slowest.clear();
    let (mut calls, mut errors, mut panics, mut cancelled, mut slow_calls, mut total_ns) =
        (0, 0, 0, 0, 0, 0);
    let mut busy_total_ns: Option<u64> = None;
    let (mut self_total_ns, mut busy_self_total_ns) = (0, None::<u64>);
    let (mut wall, mut busy) = (Sum::Empty, Sum::Empty);
    let (mut alloc_count, mut alloc_bytes, mut cpu) = (Sum::Empty, Sum::Empty, Sum::Empty);
    let (mut alloc_count_total, mut alloc_bytes_total, mut net, mut cpu_total) =
        (None, None, None::<i64>, None);
    for f in group {
        out.sample = out.sample.max(f.sample);
        out.sample_auto |= f.sample_auto;
        add_opt(&mut alloc_count_total, f.alloc_count_total);
        add_opt(&mut alloc_bytes_total, f.alloc_bytes_total);
        add_opt(&mut cpu_total, f.cpu_total_ns);
        if let Some(n) = f.net_bytes_total {
            *net.get_or_insert(0) += n;
        }
        let at = |field| At { section: "functions", name: &f.name, field };
        for (sum, text, field) in [
            (&mut alloc_count, &f.alloc_count_histogram, "alloc_count_histogram"),
            (&mut alloc_bytes, &f.alloc_bytes_histogram, "alloc_bytes_histogram"),
            (&mut cpu, &f.cpu_histogram, "cpu_histogram"),
        ] {
            if let Some(text) = text {
                at(field).add(sum, text)?;
            }
        }
        calls += f.calls;
        errors += f.errors;
        panics += f.panics;
        cancelled += f.cancelled;
        slow_calls += f.slow_calls;
        total_ns += f.total_ns;
        let at = |field| At { section: "functions", name: &f.name, field };
        at("histogram").add(&mut wall, &f.histogram)?;
        if let Some(b) = f.busy_total_ns {
            *busy_total_ns.get_or_insert(0) += b;
            match &f.busy_histogram {
                Some(text) => at("busy_histogram").add(&mut busy, text)?,
                None => at("busy_histogram").add(&mut busy, "")?,
            }
        }
        out.slowest.extend(f.slowest.iter().cloned());
        self_total_ns += f.self_total_ns;
        if let Some(b) = f.busy_self_total_ns {
            *busy_self_total_ns.get_or_insert(0) += b;
        }
    }
    out.self_total_ns = self_total_ns;
    out.busy_self_total_ns = busy_self_total_ns;
    out.is_async = busy_total_ns.is_some();
    (out.calls, out.errors, out.panics, out.cancelled, out.slow_calls, out.total_ns) =
        (calls, errors, panics, cancelled, slow_calls, total_ns);
    out.busy_total_ns = busy_total_ns;
    (out.alloc_count_total, out.alloc_bytes_total, out.net_bytes_total, out.cpu_total_ns) =
        (alloc_count_total, alloc_bytes_total, net, cpu_total);
    let wall = wall.finish().expect("a group has at least one entry");
    refresh_fn(&mut out, &wall, busy.finish().as_ref());
    let usage = Usage {
        alloc_count: alloc_count.finish(),
        alloc_bytes: alloc_bytes.finish(),
        cpu: cpu.finish(),
    };
    refresh_usage(&mut out, &usage);
    Ok(out)
}

fn delta_fn(f: &FunctionReport, e: &FunctionReport) -> Option<FunctionReport> {
    let mut out = f.clone();
    out.calls = f.calls.checked_sub(e.calls)?;
    out.errors = f.errors.checked_sub(e.errors)?;
    out.panics = f.panics.checked_sub(e.panics)?;
    out.cancelled = f.cancelled.checked_sub(e.cancelled)?;
    out.slow_calls = f.slow_calls.checked_sub(e.slow_calls)?;
    out.total_ns = f.total_ns.checked_sub(e.total_ns)?;
    out.self_total_ns = f.self_total_ns.checked_sub(e.self_total_ns)?;
    out.busy_self_total_ns = sub_opt(f.busy_self_total_ns, e.busy_self_total_ns)?;
    let wall = subtract(&f.histogram, &e.histogram)?;
    let busy = match (f.busy_total_ns, e.busy_total_ns) {
        (Some(b), Some(eb)) => {
            out.busy_total_ns = Some(b.checked_sub(eb)?);
            Some(subtract(f.busy_histogram.as_deref()?, e.busy_histogram.as_deref()?)?)
        }
        _ => None,
    };
    out.alloc_count_total = sub_opt(f.alloc_count_total, e.alloc_count_total)?;
    out.alloc_bytes_total = sub_opt(f.alloc_bytes_total, e.alloc_bytes_total)?;
    out.cpu_total_ns = sub_opt(f.cpu_total_ns, e.cpu_total_ns)?;
    if let (Some(n), Some(en)) = (f.net_bytes_total, e.net_bytes_total) {
        out.net_bytes_total = Some(n - en);
    }
    let usage_delta = |now: &Option<String>, then: &Option<String>| match (now, then) {
        (Some(now), Some(then)) => subtract(now, then).map(Some),
        (Some(now), None) => decode(now).ok().map(Some),
        _ => Some(None),
    };
    let usage = Usage {
        alloc_count: usage_delta(&f.alloc_count_histogram, &e.alloc_count_histogram)?,
        alloc_bytes: usage_delta(&f.alloc_bytes_histogram, &e.alloc_bytes_histogram)?,
        cpu: usage_delta(&f.cpu_histogram, &e.cpu_histogram)?,
    };
    // A call kept now but not then happened in between: had it happened before, the calls
    // that kept it out of `earlier`'s list would keep it out of this one too.
    out.slowest.retain(|s| !e.slowest.contains(s));
    refresh_fn(&mut out, &wall, busy.as_ref());
    refresh_usage(&mut out, &usage);
    Some(out)
}

fn refresh_cache(c: &mut CacheReport, load: &Histogram<u64>, l2_get: &Histogram<u64>) {
    let calls = c.hits + c.misses;
    c.hit_rate = if calls == 0 { 0.0 } else { c.hits as f64 / calls as f64 };
    c.load_p50_ns = quantile(load, 0.5);
    c.load_p99_ns = quantile(load, 0.99);
    c.l2_get_p50_ns = quantile(l2_get, 0.5);
    c.l2_get_p99_ns = quantile(l2_get, 0.99);
    c.load_histogram = encode(load);
    c.l2_get_histogram = encode(l2_get);
}

/// The cache counters, in one place so that merge and delta treat the same fields.
fn cache_counts(c: &mut CacheReport) -> [&mut u64; 17] {
    [
        &mut c.hits,
        &mut c.misses,
        &mut c.loads,
        &mut c.load_errors,
        &mut c.evictions,
        &mut c.coalesced,
        &mut c.l1_hits,
        &mut c.l2_hits,
        &mut c.l2_misses,
        &mut c.l2_errors,
        &mut c.l2_decode_errors,
        &mut c.l2_timeouts,
        &mut c.breaker_opened,
        &mut c.lock_waits,
        &mut c.warmed,
        &mut c.invalidations_received,
        &mut c.l1_flushes_on_reconnect,
    ]
}

fn merge_caches(group: &[&CacheReport]) -> Result<CacheReport, MergeError> {
    let mut out = group[0].clone();
    cache_counts(&mut out).into_iter().for_each(|v| *v = 0);
    out.entries = 0;
    let mut levels: Vec<&str> = Vec::new();
    let (mut load, mut l2_get) = (Sum::Empty, Sum::Empty);
    for c in group {
        let mut c2 = (*c).clone();
        for (sum, v) in cache_counts(&mut out).into_iter().zip(cache_counts(&mut c2)) {
            *sum += *v;
        }
        out.entries += c.entries;
        if !levels.contains(&c.l2.as_str()) {
            levels.push(&c.l2);
        }
        let at = |field| At { section: "caches", name: &c.name, field };
        at("load_histogram").add(&mut load, &c.load_histogram)?;
        at("l2_get_histogram").add(&mut l2_get, &c.l2_get_histogram)?;
    }
    out.l2 = levels.join(", ");
    refresh_cache(
        &mut out,
        &load.finish().expect("one entry"),
        &l2_get.finish().expect("one entry"),
    );
    Ok(out)
}

fn delta_cache(c: &CacheReport, e: &CacheReport) -> Option<CacheReport> {
    let mut out = c.clone();
    let mut e2 = e.clone();
    for (v, ev) in cache_counts(&mut out).into_iter().zip(cache_counts(&mut e2)) {
        *v = v.checked_sub(*ev)?;
    }
    let load = subtract(&c.load_histogram, &e.load_histogram)?;
    let l2_get = subtract(&c.l2_get_histogram, &e.l2_get_histogram)?;
    refresh_cache(&mut out, &load, &l2_get);
    Some(out)
}

/// The retry counters, in one place so that merge and delta treat the same fields.
fn retry_counts(r: &mut RetryReport) -> [&mut u64; 11] {
    [
        &mut r.calls,
        &mut r.attempts,
        &mut r.retries,
        &mut r.successes,
        &mut r.successes_after_retry,
        &mut r.giveups,
        &mut r.permanent_errors,
        &mut r.budget_refused,
        &mut r.deadline_stops,
        &mut r.timeouts,
        &mut r.sleep_total_ns,
    ]
}

fn refresh_retry(
    r: &mut RetryReport,
    attempt: Option<&Histogram<u64>>,
    call: Option<&Histogram<u64>>,
) {
    r.attempt_p50_ns = attempt.map(|h| quantile(h, 0.5));
    r.attempt_p99_ns = attempt.map(|h| quantile(h, 0.99));
    r.attempt_histogram = attempt.map(encode);
    r.call_p50_ns = call.map(|h| quantile(h, 0.5));
    r.call_p99_ns = call.map(|h| quantile(h, 0.99));
    r.call_histogram = call.map(encode);
}

fn merge_retries(group: &[&RetryReport]) -> Result<RetryReport, MergeError> {
    let mut out = group[0].clone();
    retry_counts(&mut out).into_iter().for_each(|v| *v = 0);
    out.attempts_histogram.clear();
    let (mut attempt, mut call) = (Sum::Empty, Sum::Empty);
    for r in group {
        let mut r2 = (*r).clone();
        for (sum, v) in retry_counts(&mut out).into_iter().zip(retry_counts(&mut r2)) {
            *sum += *v;
        }
        out.max_attempts = out.max_attempts.max(r.max_attempts);
        if out.attempts_histogram.len() < r.attempts_histogram.len() {
            out.attempts_histogram.resize(r.attempts_histogram.len(), 0);
        }
        for (sum, v) in out.attempts_histogram.iter_mut().zip(&r.attempts_histogram) {
            *sum += v;
        }
        // Only processes that time (`timed = true`) have these; the merged percentiles are
        // over their attempts.
        let at = |field| At { section: "retries", name: &r.name, field };
        if r.attempt_p50_ns.is_some() {
            at("attempt_histogram")
                .add(&mut attempt, r.attempt_histogram.as_deref().unwrap_or(""))?;
        }
        if r.call_p50_ns.is_some() {
            at("call_histogram").add(&mut call, r.call_histogram.as_deref().unwrap_or(""))?;
        }
    }
    refresh_retry(&mut out, attempt.finish().as_ref(), call.finish().as_ref());
    Ok(out)
}

fn delta_retry(r: &RetryReport, e: &RetryReport) -> Option<RetryReport> {
    let mut out = r.clone();
    let mut e2 = e.clone();
    for (v, ev) in retry_counts(&mut out).into_iter().zip(retry_counts(&mut e2)) {
        *v = v.checked_sub(*ev)?;
    }
    if e.attempts_histogram.len() > out.attempts_histogram.len() {
        return None;
    }
    for (v, ev) in out.attempts_histogram.iter_mut().zip(&e.attempts_histogram) {
        *v = v.checked_sub(*ev)?;
    }
    let sub = |later: &Option<String>, earlier: &Option<String>| match (later, earlier) {
        (Some(l), Some(e)) => subtract(l, e).map(Some),
        (None, None) => Some(None),
        _ => None,
    };
    let attempt = sub(&r.attempt_histogram, &e.attempt_histogram)?;
    let call = sub(&r.call_histogram, &e.call_histogram)?;
    refresh_retry(&mut out, attempt.as_ref(), call.as_ref());
    Some(out)
}

/// The limiter counters, in one place so that merge and delta treat the same fields.
/// `live_keys` is a level: merged it is summed over processes, and a delta keeps the later one.
fn limit_counts(l: &mut LimitReport) -> [&mut u64; 8] {
    [
        &mut l.admitted,
        &mut l.rejected,
        &mut l.waited,
        &mut l.wait_total_ns,
        &mut l.key_overflows,
        &mut l.fallback_local,
        &mut l.fallback_allow,
        &mut l.fallback_deny,
    ]
}

fn refresh_limit(l: &mut LimitReport, wait: Option<&Histogram<u64>>) {
    let wait = wait.filter(|h| !h.is_empty());
    l.wait_p50_ns = wait.map(|h| quantile(h, 0.5));
    l.wait_p99_ns = wait.map(|h| quantile(h, 0.99));
    l.wait_max_ns = wait.map(|h| h.max());
    l.wait_histogram = wait.map(encode);
}

fn merge_limits(group: &[&LimitReport]) -> Result<LimitReport, MergeError> {
    let mut out = group[0].clone();
    limit_counts(&mut out).into_iter().for_each(|v| *v = 0);
    out.live_keys = 0;
    let mut wait = Sum::Empty;
    for l in group {
        let mut l2 = (*l).clone();
        for (sum, v) in limit_counts(&mut out).into_iter().zip(limit_counts(&mut l2)) {
            *sum += *v;
        }
        out.live_keys += l.live_keys;
        out.max_keys = out.max_keys.max(l.max_keys);
        if let Some(h) = &l.wait_histogram {
            At { section: "limits", name: &l.name, field: "wait_histogram" }.add(&mut wait, h)?;
        }
    }
    refresh_limit(&mut out, wait.finish().as_ref());
    Ok(out)
}

fn delta_limit(l: &LimitReport, e: &LimitReport) -> Option<LimitReport> {
    let mut out = l.clone();
    let mut e2 = e.clone();
    for (v, ev) in limit_counts(&mut out).into_iter().zip(limit_counts(&mut e2)) {
        *v = v.checked_sub(*ev)?;
    }
    let wait = match (&l.wait_histogram, &e.wait_histogram) {
        (Some(later), Some(earlier)) => Some(subtract(later, earlier)?),
        (Some(later), None) => Some(decode(later).ok()?),
        (None, None) => None,
        (None, Some(_)) => return None,
    };
    refresh_limit(&mut out, wait.as_ref());
    Some(out)
}
