//! The metric families: what each attribute's numbers are called in Prometheus, rendered from
//! the live stats ([`prometheus`]; [`metrics_response`] in the format the scraper asks for) or
//! from a report ([`Report::to_prometheus`]). One pass fills the families of either format.

use hdrhistogram::Histogram;

use super::buckets::Buckets;
use super::exposition::{Family, HistogramSample};
use super::native::NativeBuckets;
use super::text::Kind;
use super::{negotiate, protobuf, text};
use crate::batch::BatchReport;
use crate::bench::BenchResult;
use crate::cache::CacheReport;
use crate::limit::LimitReport;
use crate::profile::stats::FnStats;
use crate::report::budget::{BudgetResult, Status};
use crate::retry::RetryReport;
use crate::{FunctionReport, Report};

/// The current stats in Prometheus text format 0.0.4, as `GET /metrics` serves them.
///
/// Counts are those [`Report::collect`] would give (since start-up or the last
/// [`reset`](crate::reset), which Prometheus reads as a counter reset). Profiled fns are read
/// straight from their per-thread shards into the buckets, without building a report, so a
/// scrape costs little and never touches the recording path; caches and retries, fewer, go
/// through their report entries.
///
/// ```
/// use perf_runtime::profile;
///
/// #[profile(name = "doc.prom")]
/// fn work() {}
///
/// work();
/// let text = perf_runtime::export::prometheus();
/// assert!(text.contains("# TYPE perf_calls_total counter"));
/// assert!(text.contains("perf_calls_total{fn=\"doc.prom\"} 1"));
/// assert!(text.contains("perf_call_duration_seconds_bucket{fn=\"doc.prom\",le=\"+Inf\"} 1"));
/// ```
pub fn prometheus() -> String {
    render::<text::Family>()
}

/// The answer to `GET /metrics` for a scraper whose `Accept` header is `accept`: the content
/// type and the body. The protobuf format
/// (`application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily;
/// encoding=delimited`) when the header asks for it, as a Prometheus with native histograms on
/// does: `perf_call_duration_seconds` then carries native buckets (schema 3, within 9.05% of
/// any value) beside the classic ones. Otherwise text format 0.0.4, as [`prometheus`].
///
/// For a service that serves `/metrics` from its own HTTP server:
///
/// ```
/// use perf_runtime::profile;
///
/// #[profile(name = "doc.negotiated")]
/// fn work() {}
///
/// work();
/// let (content_type, body) = perf_runtime::export::metrics_response(Some("text/plain"));
/// assert_eq!(content_type, "text/plain; version=0.0.4");
/// assert!(String::from_utf8(body).unwrap().contains("fn=\"doc.negotiated\""));
///
/// let accept = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;\
///               encoding=delimited;q=0.8,text/plain;version=0.0.4;q=0.5";
/// let (content_type, body) = perf_runtime::export::metrics_response(Some(accept));
/// assert!(content_type.starts_with("application/vnd.google.protobuf"));
/// assert!(!body.is_empty());
/// ```
pub fn metrics_response(accept: Option<&str>) -> (&'static str, Vec<u8>) {
    if negotiate::wants_protobuf(accept) {
        (negotiate::PROTOBUF, render::<protobuf::Family>())
    } else {
        (negotiate::TEXT, prometheus().into_bytes())
    }
}

fn render<F: Family>() -> F::Out {
    let buckets = Buckets::configured();
    let mut out = Families::<F>::new(&buckets);
    let mut fns = crate::profile::registry::all();
    fns.sort_unstable_by(|a, b| a.name.cmp(&b.name));
    // A budget's verdict needs the percentiles a report computes: only a process that has
    // budgets pays for one per scrape.
    let budgeted = fns.iter().any(|s| !s.meta.budget.is_empty())
        || !crate::report::budget::active().entries.is_empty();
    for stats in fns {
        out.live_function(stats);
    }
    if budgeted {
        for b in &Report::collect().budgets {
            out.budget(b);
        }
    }
    let l2_up = l2_up();
    for c in &crate::cache::collect() {
        out.cache(c, l2_up);
    }
    for r in &crate::retry::collect() {
        out.retry(r);
    }
    for b in &crate::bench::collect() {
        out.bench(b);
    }
    for b in &crate::bulkhead::collect() {
        out.bulkhead(b);
    }
    for t in &crate::timeout::collect() {
        out.timeout(t);
    }
    for l in &crate::limit::collect() {
        out.limit(l);
    }
    for b in &crate::batch::collect() {
        out.batcher(b);
    }
    for b in &crate::breaker::collect() {
        out.breaker(b);
    }
    out.finish(crate::report::instance::name())
}

impl Report {
    /// This report in Prometheus text format 0.0.4: the families of
    /// [`export::prometheus`](crate::export::prometheus), with the buckets of
    /// `perf_call_duration_seconds` filled from each fn's histogram. A report does not hold the
    /// Redis breaker's state, so `perf_cache_l2_up` is left out.
    ///
    /// ```
    /// use perf_runtime::{Report, profile};
    ///
    /// #[profile(name = "doc.to_prom")]
    /// fn work() {}
    ///
    /// work();
    /// let text = Report::collect().to_prometheus();
    /// assert!(text.contains("perf_call_duration_seconds_count{fn=\"doc.to_prom\"} 1"));
    /// ```
    pub fn to_prometheus(&self) -> String {
        let buckets = Buckets::configured();
        let mut out = Families::<text::Family>::new(&buckets);
        for f in &self.functions {
            out.report_function(f);
        }
        for c in &self.caches {
            out.cache(c, None);
        }
        for r in &self.retries {
            out.retry(r);
        }
        for b in &self.benches {
            out.bench(b);
        }
        for b in &self.bulkheads {
            out.bulkhead(b);
        }
        for t in &self.timeouts {
            out.timeout(t);
        }
        for l in &self.limits {
            out.limit(l);
        }
        for b in &self.batchers {
            out.batcher(b);
        }
        for b in &self.breakers {
            out.breaker(b);
        }
        for b in &self.budgets {
            out.budget(b);
        }
        out.finish(&self.instance)
    }
}

/// Whether the Redis level answers (its breaker is closed); `None` without the `redis` feature.
fn l2_up() -> Option<bool> {
    #[cfg(feature = "redis")]
    return Some(crate::redis::client().is_some_and(|c| !c.breaker.is_open()));
    #[cfg(not(feature = "redis"))]
    None
}

/// Counts of one fn, wherever they come from.
#[derive(Default)]
struct FnCounts {
    calls: u64,
    errors: u64,
    panics: u64,
    cancelled: u64,
    slow_calls: u64,
    total_ns: u64,
    busy_total_ns: Option<u64>,
    /// Allocations and bytes allocated by the timed calls, with the counting allocator.
    alloc: Option<(u64, u64)>,
    /// Thread CPU time of the timed calls, for `cpu = true`.
    cpu_ns: Option<u64>,
}

struct Families<'a, F: Family> {
    buckets: &'a Buckets,
    /// Per-slot counts of the fn being rendered (reused: no allocation per fn).
    slots: Vec<u64>,
    /// Native bucket counts of the fn being rendered, for formats that carry them (reused).
    native: NativeBuckets,
    /// The rendered labels of the entry being rendered (reused).
    labels: F::Labels,
    calls: F,
    errors: F,
    panics: F,
    cancelled: F,
    slow_calls: F,
    duration: F,
    busy: F,
    allocations: F,
    alloc_bytes: F,
    cpu: F,
    cache_hits: F,
    cache_misses: F,
    cache_loads: F,
    cache_load_errors: F,
    cache_coalesced: F,
    cache_evictions: F,
    cache_warmed: F,
    cache_entries: F,
    cache_l2_errors: F,
    cache_l2_timeouts: F,
    cache_l2_decode_errors: F,
    cache_breaker_openings: F,
    cache_l2_up: F,
    retry_calls: F,
    retry_attempts: F,
    retry_retries: F,
    retry_successes_after_retry: F,
    retry_giveups: F,
    retry_permanent_errors: F,
    retry_budget_refusals: F,
    retry_timeouts: F,
    retry_sleep: F,
    bench: F,
    bulkhead_in_flight: F,
    bulkhead_max_in_flight: F,
    bulkhead_max_concurrent: F,
    bulkhead_admitted: F,
    bulkhead_waited: F,
    bulkhead_rejections: F,
    timeout_calls: F,
    timeout_elapsed: F,
    limit_decisions: F,
    limit_fallbacks: F,
    limit_wait: F,
    limit_live_keys: F,
    batch_calls: F,
    batch_batches: F,
    batch_keys: F,
    batch_deduplicated: F,
    batch_errors: F,
    batch_panics: F,
    batch_cancelled: F,
    batch_keys_per_batch: F,
    batch_key_wait: F,
    batch_latency: F,
    circuit_state: F,
    circuit_transitions: F,
    circuit_calls: F,
    circuit_failure_rate: F,
    budget_failing: F,
}

impl<'a, F: Family> Families<'a, F> {
    fn new(buckets: &'a Buckets) -> Self {
        use Kind::{Counter, Gauge, Histogram};
        Self {
            buckets,
            slots: vec![0; buckets.slots()],
            native: NativeBuckets::new(),
            labels: F::Labels::default(),
            calls: F::new(
                "perf_calls_total",
                Counter,
                "Calls of a profiled fn that finished (returned or panicked).",
            ),
            errors: F::new("perf_errors_total", Counter, "Calls that returned Err."),
            panics: F::new("perf_panics_total", Counter, "Calls that panicked."),
            cancelled: F::new(
                "perf_cancelled_total",
                Counter,
                "Futures of an async fn dropped before they completed.",
            ),
            slow_calls: F::new(
                "perf_slow_calls_total",
                Counter,
                "Calls at or over the fn's slow threshold.",
            ),
            duration: F::new(
                "perf_call_duration_seconds",
                Histogram,
                "Wall time of calls of a profiled fn.",
            ),
            busy: F::new("perf_busy_seconds_total", Counter, "Time an async fn spent inside poll."),
            allocations: F::new(
                "perf_allocations_total",
                Counter,
                "Allocations (and reallocations) made inside timed calls, with the counting allocator.",
            ),
            alloc_bytes: F::new(
                "perf_allocated_bytes_total",
                Counter,
                "Bytes allocated inside timed calls, with the counting allocator.",
            ),
            cpu: F::new(
                "perf_cpu_seconds_total",
                Counter,
                "Thread CPU time of timed calls of a fn with cpu = true.",
            ),
            cache_hits: F::new(
                "perf_cache_hits_total",
                Counter,
                "Calls of a cached fn answered by the level (l1 memory, l2 Redis).",
            ),
            cache_misses: F::new(
                "perf_cache_misses_total",
                Counter,
                "Calls of a cached fn the level did not answer.",
            ),
            cache_loads: F::new(
                "perf_cache_loads_total",
                Counter,
                "Runs of a cached fn on a miss.",
            ),
            cache_load_errors: F::new(
                "perf_cache_load_errors_total",
                Counter,
                "Loads that returned Err.",
            ),
            cache_coalesced: F::new(
                "perf_cache_coalesced_total",
                Counter,
                "Callers that waited for another caller's load.",
            ),
            cache_evictions: F::new(
                "perf_cache_evictions_total",
                Counter,
                "Entries evicted to respect the capacity.",
            ),
            cache_warmed: F::new(
                "perf_cache_warmed_total",
                Counter,
                "Keys loaded by the cache's warm().",
            ),
            cache_entries: F::new("perf_cache_entries", Gauge, "Entries held in memory."),
            cache_l2_errors: F::new(
                "perf_cache_l2_errors_total",
                Counter,
                "Redis faults, each answered by loading instead.",
            ),
            cache_l2_timeouts: F::new(
                "perf_cache_l2_timeouts_total",
                Counter,
                "Redis operations that ran out of time.",
            ),
            cache_l2_decode_errors: F::new(
                "perf_cache_l2_decode_errors_total",
                Counter,
                "Redis entries that did not decode.",
            ),
            cache_breaker_openings: F::new(
                "perf_cache_breaker_openings_total",
                Counter,
                "Times the Redis circuit breaker opened.",
            ),
            cache_l2_up: F::new(
                "perf_cache_l2_up",
                Gauge,
                "1 while the Redis level answers (breaker closed), else 0.",
            ),
            retry_calls: F::new(
                "perf_retry_calls_total",
                Counter,
                "Calls of a retried fn that finished.",
            ),
            retry_attempts: F::new(
                "perf_retry_attempts_total",
                Counter,
                "Attempts made, first attempts included.",
            ),
            retry_retries: F::new("perf_retry_retries_total", Counter, "Attempts after the first."),
            retry_successes_after_retry: F::new(
                "perf_retry_successes_after_retry_total",
                Counter,
                "Calls that returned Ok after at least one retry.",
            ),
            retry_giveups: F::new(
                "perf_retry_giveups_total",
                Counter,
                "Calls that returned Err because retrying stopped.",
            ),
            retry_permanent_errors: F::new(
                "perf_retry_permanent_errors_total",
                Counter,
                "Calls whose error was permanent, returned at once.",
            ),
            retry_budget_refusals: F::new(
                "perf_retry_budget_refusals_total",
                Counter,
                "Retries the retry budget refused.",
            ),
            retry_timeouts: F::new(
                "perf_retry_timeouts_total",
                Counter,
                "Attempts that ran past their timeout.",
            ),
            retry_sleep: F::new(
                "perf_retry_sleep_seconds_total",
                Counter,
                "Time slept between attempts.",
            ),
            bulkhead_in_flight: F::new(
                "perf_bulkhead_in_flight",
                Gauge,
                "Calls inside a bulkhead now.",
            ),
            bulkhead_max_in_flight: F::new(
                "perf_bulkhead_max_in_flight",
                Gauge,
                "The most calls inside a bulkhead at once.",
            ),
            bulkhead_max_concurrent: F::new(
                "perf_bulkhead_max_concurrent",
                Gauge,
                "A bulkhead's bound.",
            ),
            bulkhead_admitted: F::new(
                "perf_bulkhead_admitted_total",
                Counter,
                "Calls a bulkhead let in.",
            ),
            bulkhead_waited: F::new(
                "perf_bulkhead_waited_total",
                Counter,
                "Calls a bulkhead let in after they waited for a place.",
            ),
            bulkhead_rejections: F::new(
                "perf_bulkhead_rejections_total",
                Counter,
                "Calls a bulkhead refused (bulkhead::Full).",
            ),
            timeout_calls: F::new(
                "perf_timeout_calls_total",
                Counter,
                "Calls of a #[timeout] fn that finished or ran out of time.",
            ),
            timeout_elapsed: F::new(
                "perf_timeout_elapsed_total",
                Counter,
                "Calls of a #[timeout] fn dropped at their deadline (Elapsed).",
            ),
            bench: F::new(
                "perf_bench_seconds",
                Gauge,
                "Result of a #[bench]: time per iteration, by statistic.",
            ),
            limit_decisions: F::new(
                "perf_rate_limit_decisions_total",
                Counter,
                "Calls a rate limiter admitted (those that waited included) or rejected.",
            ),
            limit_fallbacks: F::new(
                "perf_rate_limit_fallbacks_total",
                Counter,
                "Decisions of a Redis-scoped limiter that Redis could not make in time, by fallback.",
            ),
            limit_wait: F::new(
                "perf_rate_limit_wait_seconds",
                Histogram,
                "Time admitted calls slept for their slot (on_limit = \"wait\").",
            ),
            limit_live_keys: F::new(
                "perf_rate_limit_live_keys",
                Gauge,
                "Keys with a bucket of their own.",
            ),
            batch_calls: F::new(
                "perf_batch_calls_total",
                Counter,
                "Single-key calls of a #[batched] fn that reached its batcher.",
            ),
            batch_batches: F::new("perf_batch_batches_total", Counter, "Batch calls made."),
            batch_keys: F::new(
                "perf_batch_keys_total",
                Counter,
                "Distinct keys handed to batch calls.",
            ),
            batch_deduplicated: F::new(
                "perf_batch_deduplicated_keys_total",
                Counter,
                "Calls whose key was already in their batch.",
            ),
            batch_errors: F::new(
                "perf_batch_errors_total",
                Counter,
                "Batch calls that returned Err.",
            ),
            batch_panics: F::new("perf_batch_panics_total", Counter, "Batch calls that panicked."),
            batch_cancelled: F::new(
                "perf_batch_cancelled_total",
                Counter,
                "Single-key callers dropped while waiting for their batch.",
            ),
            batch_keys_per_batch: F::new(
                "perf_batch_keys_per_batch",
                Gauge,
                "Distinct keys per batch call, by statistic (mean, p50, max).",
            ),
            batch_key_wait: F::new(
                "perf_batch_key_wait_seconds",
                Gauge,
                "Time from a call's arrival to the start of its batch call, by statistic (p50, p99).",
            ),
            batch_latency: F::new(
                "perf_batch_call_seconds",
                Gauge,
                "Batch-call latency, by statistic (p50, p99).",
            ),
            circuit_state: F::new(
                "perf_circuit_state",
                Gauge,
                "A circuit breaker's state: 0 closed, 1 open, 2 half-open.",
            ),
            circuit_transitions: F::new(
                "perf_circuit_transitions_total",
                Counter,
                "Circuit breaker transitions, by the state entered.",
            ),
            circuit_calls: F::new(
                "perf_circuit_calls_total",
                Counter,
                "Calls through a circuit breaker, by outcome (rejected: refused while open).",
            ),
            circuit_failure_rate: F::new(
                "perf_circuit_failure_rate",
                Gauge,
                "Failures per call in a circuit breaker's current window, 0 to 1.",
            ),
            budget_failing: F::new(
                "perf_budget_failing",
                Gauge,
                "1 while a budget of a fn fails, 0 while it passes (none while it has no data).",
            ),
        }
    }

    /// Sums a live fn's shards into the slots, less what the last reset saw.
    fn live_function(&mut self, stats: &FnStats) {
        let mut c = FnCounts::default();
        let mut busy_total_ns = 0;
        let (mut allocs, mut alloc_bytes, mut cpu_ns) = (0, 0, 0);
        self.slots.fill(0);
        self.native.clear();
        let (buckets, slots, native) = (self.buckets, &mut self.slots, &mut self.native);
        stats.shards.for_each(|s| {
            c.calls += s.calls.get();
            c.errors += s.errors.get();
            c.panics += s.panics.get();
            c.cancelled += s.cancelled.get();
            c.slow_calls += s.slow_calls.get();
            c.total_ns += s.total_ns.get();
            busy_total_ns += s.busy_total_ns.get();
            allocs += s.alloc_count_total.get();
            alloc_bytes += s.alloc_bytes_total.get();
            cpu_ns += s.cpu_total_ns.get();
        });
        stats.for_each_wall_count(|highest, n| {
            slots[buckets.slot(highest)] += n;
            if F::NATIVE {
                native.add(highest, n);
            }
        });
        stats.with_baseline(|base| {
            let Some(b) = base else { return };
            // A reset racing this read may make a count look smaller than its baseline.
            c.calls = c.calls.saturating_sub(b.calls);
            c.errors = c.errors.saturating_sub(b.errors);
            c.panics = c.panics.saturating_sub(b.panics);
            c.cancelled = c.cancelled.saturating_sub(b.cancelled);
            c.slow_calls = c.slow_calls.saturating_sub(b.slow_calls);
            c.total_ns = c.total_ns.saturating_sub(b.total_ns);
            busy_total_ns = busy_total_ns.saturating_sub(b.busy_total_ns);
            allocs = allocs.saturating_sub(b.alloc_count_total);
            alloc_bytes = alloc_bytes.saturating_sub(b.alloc_bytes_total);
            cpu_ns = cpu_ns.saturating_sub(b.cpu_total_ns);
            for v in b.wall.iter_recorded() {
                let (highest, n) = (v.value_iterated_to(), v.count_at_value());
                let slot = &mut slots[buckets.slot(highest)];
                *slot = slot.saturating_sub(n);
                if F::NATIVE {
                    native.subtract(highest, n);
                }
            }
        });
        if c.calls == 0 && c.cancelled == 0 {
            return;
        }
        c.busy_total_ns = stats.meta.is_async.then_some(busy_total_ns);
        c.alloc = crate::alloc::installed().then_some((allocs, alloc_bytes));
        c.cpu_ns = stats.meta.cpu.then_some(cpu_ns);
        self.function(&stats.name, &c);
    }

    fn report_function(&mut self, f: &FunctionReport) {
        self.slots.fill(0);
        self.native.clear();
        // A report that does not decode still shows its counters; its histogram is empty.
        let h = f.decode_histogram().unwrap_or_else(|| Histogram::new(1).expect("valid"));
        for v in h.iter_recorded() {
            let (highest, n) = (v.value_iterated_to(), v.count_at_value());
            self.slots[self.buckets.slot(highest)] += n;
            if F::NATIVE {
                self.native.add(highest, n);
            }
        }
        let c = FnCounts {
            calls: f.calls,
            errors: f.errors,
            panics: f.panics,
            cancelled: f.cancelled,
            slow_calls: f.slow_calls,
            total_ns: f.total_ns,
            busy_total_ns: f.busy_total_ns,
            alloc: f.alloc_count_total.zip(f.alloc_bytes_total),
            cpu_ns: f.cpu_total_ns,
        };
        self.function(&f.name, &c);
    }

    fn function(&mut self, name: &str, c: &FnCounts) {
        F::labels(&mut self.labels, &[("fn", name)]);
        let l = &self.labels;
        self.calls.sample(l, None, c.calls);
        self.errors.sample(l, None, c.errors);
        self.panics.sample(l, None, c.panics);
        self.cancelled.sample(l, None, c.cancelled);
        self.slow_calls.sample(l, None, c.slow_calls);
        let h = HistogramSample {
            buckets: self.buckets,
            classic: &self.slots,
            native: &self.native,
            sum: seconds(c.total_ns),
        };
        self.duration.histogram(l, &h);
        if let Some(busy) = c.busy_total_ns {
            self.busy.sample(l, None, seconds(busy));
        }
        if let Some((allocs, bytes)) = c.alloc {
            self.allocations.sample(l, None, allocs);
            self.alloc_bytes.sample(l, None, bytes);
        }
        if let Some(cpu) = c.cpu_ns {
            self.cpu.sample(l, None, seconds(cpu));
        }
    }

    fn cache(&mut self, c: &CacheReport, l2_up: Option<bool>) {
        F::labels(&mut self.labels, &[("cache", &c.name)]);
        let l = &self.labels;
        let l2_on = c.l2 != "off";
        let calls = c.hits + c.misses;
        self.cache_hits.sample(l, Some(("level", "l1")), c.l1_hits);
        self.cache_misses.sample(l, Some(("level", "l1")), calls - c.l1_hits.min(calls));
        if l2_on {
            self.cache_hits.sample(l, Some(("level", "l2")), c.l2_hits);
            self.cache_misses.sample(l, Some(("level", "l2")), c.l2_misses);
        }
        self.cache_loads.sample(l, None, c.loads);
        self.cache_load_errors.sample(l, None, c.load_errors);
        self.cache_coalesced.sample(l, None, c.coalesced);
        self.cache_evictions.sample(l, None, c.evictions);
        self.cache_warmed.sample(l, None, c.warmed);
        self.cache_entries.sample(l, None, c.entries);
        if l2_on {
            self.cache_l2_errors.sample(l, None, c.l2_errors);
            self.cache_l2_timeouts.sample(l, None, c.l2_timeouts);
            self.cache_l2_decode_errors.sample(l, None, c.l2_decode_errors);
            self.cache_breaker_openings.sample(l, None, c.breaker_opened);
            if let Some(up) = l2_up {
                self.cache_l2_up.sample(l, None, u64::from(up));
            }
        }
    }

    fn retry(&mut self, r: &RetryReport) {
        F::labels(&mut self.labels, &[("retry", &r.name)]);
        let l = &self.labels;
        self.retry_calls.sample(l, None, r.calls);
        self.retry_attempts.sample(l, None, r.attempts);
        self.retry_retries.sample(l, None, r.retries);
        self.retry_successes_after_retry.sample(l, None, r.successes_after_retry);
        self.retry_giveups.sample(l, None, r.giveups);
        self.retry_permanent_errors.sample(l, None, r.permanent_errors);
        self.retry_budget_refusals.sample(l, None, r.budget_refused);
        self.retry_timeouts.sample(l, None, r.timeouts);
        self.retry_sleep.sample(l, None, seconds(r.sleep_total_ns));
    }

    fn bench(&mut self, b: &BenchResult) {
        F::labels(&mut self.labels, &[("bench", &b.name)]);
        let l = &self.labels;
        for (stat, ns) in [
            ("mean", b.mean_ns),
            ("median", b.median_ns),
            ("p99", b.p99_ns),
            ("min", b.min_ns),
            ("max", b.max_ns),
        ] {
            self.bench.sample(l, Some(("stat", stat)), ns / 1e9);
        }
    }

    fn bulkhead(&mut self, b: &crate::bulkhead::BulkheadReport) {
        F::labels(&mut self.labels, &[("bulkhead", &b.name)]);
        let l = &self.labels;
        self.bulkhead_in_flight.sample(l, None, u64::from(b.in_flight));
        self.bulkhead_max_in_flight.sample(l, None, u64::from(b.max_in_flight));
        self.bulkhead_max_concurrent.sample(l, None, u64::from(b.max_concurrent));
        self.bulkhead_admitted.sample(l, None, b.admitted);
        self.bulkhead_waited.sample(l, None, b.waited);
        self.bulkhead_rejections.sample(l, None, b.rejected);
    }

    fn timeout(&mut self, t: &crate::timeout::TimeoutReport) {
        F::labels(&mut self.labels, &[("timeout", &t.name)]);
        let l = &self.labels;
        self.timeout_calls.sample(l, None, t.calls);
        self.timeout_elapsed.sample(l, None, t.elapsed);
    }

    fn limit(&mut self, r: &LimitReport) {
        F::labels(&mut self.labels, &[("fn", &r.name)]);
        self.slots.fill(0);
        self.native.clear();
        let waits =
            r.wait_histogram.as_deref().and_then(|t| crate::report::histogram::decode(t).ok());
        for v in waits.iter().flat_map(|h| h.iter_recorded()) {
            let (highest, n) = (v.value_iterated_to(), v.count_at_value());
            self.slots[self.buckets.slot(highest)] += n;
            if F::NATIVE {
                self.native.add(highest, n);
            }
        }
        let l = &self.labels;
        self.limit_decisions.sample(l, Some(("decision", "admitted")), r.admitted);
        self.limit_decisions.sample(l, Some(("decision", "rejected")), r.rejected);
        if r.scope == "redis" {
            for (fallback, n) in [
                ("local", r.fallback_local),
                ("allow", r.fallback_allow),
                ("deny", r.fallback_deny),
            ] {
                self.limit_fallbacks.sample(l, Some(("fallback", fallback)), n);
            }
        }
        let h = HistogramSample {
            buckets: self.buckets,
            classic: &self.slots,
            native: &self.native,
            sum: seconds(r.wait_total_ns),
        };
        self.limit_wait.histogram(l, &h);
        self.limit_live_keys.sample(l, None, r.live_keys);
    }

    fn batcher(&mut self, b: &BatchReport) {
        F::labels(&mut self.labels, &[("batcher", &b.name)]);
        let l = &self.labels;
        self.batch_calls.sample(l, None, b.calls);
        self.batch_batches.sample(l, None, b.batch_calls);
        self.batch_keys.sample(l, None, b.batched_keys);
        self.batch_deduplicated.sample(l, None, b.deduplicated_keys);
        self.batch_errors.sample(l, None, b.errors);
        self.batch_panics.sample(l, None, b.panics);
        self.batch_cancelled.sample(l, None, b.cancelled);
        self.batch_keys_per_batch.sample(l, Some(("stat", "mean")), b.keys_per_batch_mean);
        self.batch_keys_per_batch.sample(l, Some(("stat", "p50")), b.keys_per_batch_p50);
        self.batch_keys_per_batch.sample(l, Some(("stat", "max")), b.keys_per_batch_max);
        self.batch_key_wait.sample(l, Some(("stat", "p50")), seconds(b.key_wait_p50_ns));
        self.batch_key_wait.sample(l, Some(("stat", "p99")), seconds(b.key_wait_p99_ns));
        self.batch_latency.sample(l, Some(("stat", "p50")), seconds(b.batch_p50_ns));
        self.batch_latency.sample(l, Some(("stat", "p99")), seconds(b.batch_p99_ns));
    }

    fn breaker(&mut self, b: &crate::breaker::BreakerReport) {
        F::labels(&mut self.labels, &[("name", &b.name)]);
        let l = &self.labels;
        let state = crate::breaker::State::parse(&b.state).map_or(0, |s| s.gauge());
        self.circuit_state.sample(l, None, u64::from(state));
        for (to, n) in [
            ("closed", b.transitions_to_closed),
            ("open", b.transitions_to_open),
            ("half_open", b.transitions_to_half_open),
        ] {
            self.circuit_transitions.sample(l, Some(("to", to)), n);
        }
        for (outcome, n) in [
            ("success", b.successes),
            ("failure", b.failures),
            ("slow", b.slow),
            ("rejected", b.rejected),
            ("cancelled", b.cancelled),
        ] {
            self.circuit_calls.sample(l, Some(("outcome", outcome)), n);
        }
        self.circuit_failure_rate.sample(l, None, b.failure_rate / 100.0);
    }

    fn budget(&mut self, b: &BudgetResult) {
        let failing = match b.status {
            Status::Fail => 1_u64,
            Status::Pass => 0,
            Status::NoData => return,
        };
        let clause = b.clause().to_string();
        F::labels(&mut self.labels, &[("fn", &b.r#fn), ("budget", &clause)]);
        self.budget_failing.sample(&self.labels, None, failing);
    }

    fn finish(mut self, instance: &str) -> F::Out {
        let mut info = F::new(
            "perf_info",
            Kind::Gauge,
            "Always 1: the perf-runtime version and the instance (PERF_INSTANCE or hostname:pid).",
        );
        F::labels(
            &mut self.labels,
            &[("version", env!("CARGO_PKG_VERSION")), ("instance", instance)],
        );
        info.sample(&self.labels, None, 1u64);
        let families = [
            &self.calls,
            &self.errors,
            &self.panics,
            &self.cancelled,
            &self.slow_calls,
            &self.duration,
            &self.busy,
            &self.allocations,
            &self.alloc_bytes,
            &self.cpu,
            &self.cache_hits,
            &self.cache_misses,
            &self.cache_loads,
            &self.cache_load_errors,
            &self.cache_coalesced,
            &self.cache_evictions,
            &self.cache_warmed,
            &self.cache_entries,
            &self.cache_l2_errors,
            &self.cache_l2_timeouts,
            &self.cache_l2_decode_errors,
            &self.cache_breaker_openings,
            &self.cache_l2_up,
            &self.retry_calls,
            &self.retry_attempts,
            &self.retry_retries,
            &self.retry_successes_after_retry,
            &self.retry_giveups,
            &self.retry_permanent_errors,
            &self.retry_budget_refusals,
            &self.retry_timeouts,
            &self.retry_sleep,
            &self.bench,
            &self.bulkhead_in_flight,
            &self.bulkhead_max_in_flight,
            &self.bulkhead_max_concurrent,
            &self.bulkhead_admitted,
            &self.bulkhead_waited,
            &self.bulkhead_rejections,
            &self.timeout_calls,
            &self.timeout_elapsed,
            &self.limit_decisions,
            &self.limit_fallbacks,
            &self.limit_wait,
            &self.limit_live_keys,
            &self.batch_calls,
            &self.batch_batches,
            &self.batch_keys,
            &self.batch_deduplicated,
            &self.batch_errors,
            &self.batch_panics,
            &self.batch_cancelled,
            &self.batch_keys_per_batch,
            &self.batch_key_wait,
            &self.batch_latency,
            &self.circuit_state,
            &self.circuit_transitions,
            &self.circuit_calls,
            &self.circuit_failure_rate,
            &self.budget_failing,
            &info,
        ];
        let mut out = F::out(families.iter().map(|f| f.len()).sum());
        for f in families {
            f.finish(&mut out);
        }
        out
    }
}

fn seconds(ns: u64) -> f64 {
    ns as f64 / 1e9
}
