//! The `batchers[]` part of the report: one [`BatchReport`] per `#[batched]` fn, and its table.

use std::fmt::{self, Formatter};

#[cfg(feature = "batched")]
use super::stats::{self, BatchStats};
use crate::format::duration as format_duration;

/// What one `#[batched]` fn's batcher recorded. Fields carry their JSON names; durations are
/// nanoseconds.
///
/// `calls == batched_keys + deduplicated_keys`: each call brought a new key to its batch or
/// shared one already there. Calls that a `cached = ".."` hit answered never reach the batcher
/// (the cache's own entry counts them).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
pub struct BatchReport {
    /// `module::fn` of the batch fn, `module::Type::fn` for methods, or `name = "..."`.
    pub name: String,
    /// Source file of the batch fn.
    pub file: String,
    /// Line of its attribute.
    pub line: u32,
    /// The attribute's `max_batch`.
    pub max_batch: u32,
    /// The attribute's `window`.
    pub window_ns: u64,
    /// The attribute's `max_in_flight`; 0 for no limit.
    pub max_in_flight: u32,
    /// Single-key calls that reached the batcher.
    pub calls: u64,
    /// Batch calls made (a call run again for a dropped leader is counted in `reruns`).
    pub batch_calls: u64,
    /// Distinct keys handed to batch calls.
    pub batched_keys: u64,
    /// Calls whose key was already in their batch, so asked once for several callers.
    pub deduplicated_keys: u64,
    /// Batch calls that returned `Err` (each of their callers got it).
    pub errors: u64,
    /// Batch calls that panicked (each of their callers got `BatchError::Panicked`).
    pub panics: u64,
    /// Callers dropped before their batch gave them a value.
    pub cancelled: u64,
    /// Batch calls run again because the caller running them was dropped.
    pub reruns: u64,
    /// Mean distinct keys per batch call.
    pub keys_per_batch_mean: f64,
    /// Median distinct keys per batch call.
    pub keys_per_batch_p50: u64,
    /// Most distinct keys in one batch call.
    pub keys_per_batch_max: u64,
    /// Median time from a call's arrival to the start of its batch call.
    pub key_wait_p50_ns: u64,
    /// 99th percentile of that wait.
    pub key_wait_p99_ns: u64,
    /// Median batch-call latency.
    pub batch_p50_ns: u64,
    /// 99th percentile of batch-call latency.
    pub batch_p99_ns: u64,
    /// Keys per batch in HdrHistogram's V2 encoding, base64 (as `FunctionReport::histogram`),
    /// so that [`Report::merge`](crate::Report::merge) recomputes the figures exactly.
    pub keys_per_batch_histogram: String,
    /// Key waits, encoded as `keys_per_batch_histogram` is.
    pub key_wait_histogram: String,
    /// Batch-call latencies, encoded as `keys_per_batch_histogram` is.
    pub batch_histogram: String,
}

#[cfg(feature = "batched")]
impl BatchReport {
    fn from_stats(stats: &BatchStats) -> Option<Self> {
        let t = stats.totals();
        if t.calls == 0 {
            return None;
        }
        let c = &stats.config;
        let mut out = Self {
            name: stats.name.to_string(),
            file: c.file.to_owned(),
            line: c.line,
            max_batch: c.max_batch,
            window_ns: c.window_ns,
            max_in_flight: c.max_in_flight,
            calls: t.calls,
            batch_calls: t.batch_calls,
            batched_keys: t.keys,
            deduplicated_keys: t.deduplicated,
            errors: t.errors,
            panics: t.panics,
            cancelled: t.cancelled,
            reruns: t.rerun,
            keys_per_batch_mean: 0.0,
            keys_per_batch_p50: 0,
            keys_per_batch_max: 0,
            key_wait_p50_ns: 0,
            key_wait_p99_ns: 0,
            batch_p50_ns: 0,
            batch_p99_ns: 0,
            keys_per_batch_histogram: String::new(),
            key_wait_histogram: String::new(),
            batch_histogram: String::new(),
        };
        out.refresh(&t.keys_per_batch, &t.key_wait_ns, &t.batch_ns);
        Some(out)
    }
}

impl BatchReport {
    /// Recomputes every figure drawn from the three histograms (also after a merge or delta).
    pub(crate) fn refresh(
        &mut self,
        keys: &hdrhistogram::Histogram<u64>,
        wait: &hdrhistogram::Histogram<u64>,
        batch: &hdrhistogram::Histogram<u64>,
    ) {
        let encode = crate::report::histogram::encode;
        let q = |h: &hdrhistogram::Histogram<u64>, q: f64| {
            if h.is_empty() { 0 } else { h.value_at_quantile(q) }
        };
        self.keys_per_batch_mean = match self.batch_calls {
            0 => 0.0,
            n => self.batched_keys as f64 / n as f64,
        };
        self.keys_per_batch_p50 = q(keys, 0.5);
        self.keys_per_batch_max = if keys.is_empty() { 0 } else { keys.max() };
        self.key_wait_p50_ns = q(wait, 0.5);
        self.key_wait_p99_ns = q(wait, 0.99);
        self.batch_p50_ns = q(batch, 0.5);
        self.batch_p99_ns = q(batch, 0.99);
        self.keys_per_batch_histogram = encode(keys);
        self.key_wait_histogram = encode(wait);
        self.batch_histogram = encode(batch);
    }
}

/// Every batcher with calls, by name (none without the `batched` feature).
pub(crate) fn collect() -> Vec<BatchReport> {
    #[cfg(feature = "batched")]
    let mut out: Vec<_> = stats::all().into_iter().filter_map(BatchReport::from_stats).collect();
    #[cfg(not(feature = "batched"))]
    let mut out: Vec<BatchReport> = Vec::new();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The `batchers` section of the report table.
pub(crate) fn write_table(f: &mut Formatter<'_>, batchers: &[BatchReport]) -> fmt::Result {
    if batchers.is_empty() {
        return Ok(());
    }
    let width =
        batchers.iter().map(|b| b.name.chars().count()).max().unwrap_or(0).max("batcher".len());
    writeln!(f, "\nbatchers:")?;
    writeln!(
        f,
        "{:<width$} {:>9} {:>8} {:>8} {:>8} {:>8} {:>7} {:>7} {:>9} {:>9} {:>9} {:>9}",
        "batcher",
        "calls",
        "batches",
        "keys/b",
        "max keys",
        "dedup",
        "errors",
        "panics",
        "wait p50",
        "wait p99",
        "batch p50",
        "batch p99",
    )?;
    for b in batchers {
        writeln!(
            f,
            "{:<width$} {:>9} {:>8} {:>8.1} {:>8} {:>8} {:>7} {:>7} {:>9} {:>9} {:>9} {:>9}",
            b.name,
            b.calls,
            b.batch_calls,
            b.keys_per_batch_mean,
            b.keys_per_batch_max,
            b.deduplicated_keys,
            b.errors,
            b.panics,
            format_duration(b.key_wait_p50_ns),
            format_duration(b.key_wait_p99_ns),
            format_duration(b.batch_p50_ns),
            format_duration(b.batch_p99_ns),
        )?;
    }
    Ok(())
}

/// The counters, in one place so that merge and delta treat the same fields.
fn counts(b: &mut BatchReport) -> [&mut u64; 8] {
    [
        &mut b.calls,
        &mut b.batch_calls,
        &mut b.batched_keys,
        &mut b.deduplicated_keys,
        &mut b.errors,
        &mut b.panics,
        &mut b.cancelled,
        &mut b.reruns,
    ]
}

type Histograms = [hdrhistogram::Histogram<u64>; 3];

fn histograms(b: &BatchReport) -> Result<Histograms, (&'static str, String)> {
    let decode = |field: &'static str, text: &str| {
        crate::report::histogram::decode(text).map_err(|reason| (field, reason))
    };
    Ok([
        decode("keys_per_batch_histogram", &b.keys_per_batch_histogram)?,
        decode("key_wait_histogram", &b.key_wait_histogram)?,
        decode("batch_histogram", &b.batch_histogram)?,
    ])
}

/// One process's entries of the same name summed (see [`Report::merge`](crate::Report::merge)).
pub(crate) fn merge(group: &[&BatchReport]) -> Result<BatchReport, crate::MergeError> {
    let mut out = group[0].clone();
    counts(&mut out).into_iter().for_each(|v| *v = 0);
    let mut sum: Option<Histograms> = None;
    for b in group {
        let mut b2 = (*b).clone();
        for (s, v) in counts(&mut out).into_iter().zip(counts(&mut b2)) {
            *s += *v;
        }
        let error = |(field, reason)| crate::MergeError::Histogram {
            section: "batchers",
            name: b.name.clone(),
            field,
            reason,
        };
        let hs = histograms(b).map_err(error)?;
        match &mut sum {
            None => sum = Some(hs),
            Some(sum) => {
                for (field, (s, h)) in
                    ["keys_per_batch_histogram", "key_wait_histogram", "batch_histogram"]
                        .into_iter()
                        .zip(sum.iter_mut().zip(&hs))
                {
                    s.add(h).map_err(|e| error((field, format!("{e:?}"))))?;
                }
            }
        }
    }
    let [keys, wait, batch] = sum.expect("a group is never empty");
    out.refresh(&keys, &wait, &batch);
    Ok(out)
}

/// `later - earlier` of one batcher, or `None` when its counts went down (a reset or restart).
pub(crate) fn delta(later: &BatchReport, earlier: &BatchReport) -> Option<BatchReport> {
    let mut out = later.clone();
    let mut e2 = earlier.clone();
    for (v, ev) in counts(&mut out).into_iter().zip(counts(&mut e2)) {
        *v = v.checked_sub(*ev)?;
    }
    let mut hs = histograms(later).ok()?;
    let es = histograms(earlier).ok()?;
    for (h, e) in hs.iter_mut().zip(&es) {
        h.subtract(e).ok()?;
    }
    let [keys, wait, batch] = hs;
    out.refresh(&keys, &wait, &batch);
    Some(out)
}
