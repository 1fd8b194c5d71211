//! [`Load`]: the programmatic form, and the one place a load is run and its result assembled.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::outcome::LoadOutcome;
use super::result::{ErrorsByKind, LoadResult, Percentiles};
use super::shard::{Counts, Shard, sum_into};
use super::spec::{DEFAULT_MAX_IN_FLIGHT, LoadSpec, Mode, Stop};
use super::ticker::{Progress, Ticker};
use crate::record::histogram::empty;
use crate::report::budget::Clause;
use crate::report::histogram::encode;

/// A load built in code, for loads whose fn captures something or whose settings are known
/// only at run time. `#[load]` builds the same thing from its attribute.
///
/// Starts as a closed loop of one worker for 10 seconds; [`rate`](Self::rate) makes it an open
/// loop. Run it inside a multi-thread tokio runtime.
///
/// A setter given a value that would run nothing (`concurrency(0)`, `rate(0)`,
/// `max_in_flight(0)`, `requests(0)`, a zero `duration` or `timeout`) panics with a message
/// at the line that called it, rather than run a different load than the one written.
///
/// ```
/// use std::time::Duration;
/// use perf_runtime::load::Load;
///
/// # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
/// # async fn main() {
/// let result = Load::new("doc.ping", |seq| async move {
///     tokio::time::sleep(Duration::from_millis(1)).await;
///     if seq % 100 == 99 { Err("every 100th fails") } else { Ok(()) }
/// })
/// .rate(200)
/// .duration(Duration::from_millis(500))
/// .run()
/// .await;
/// assert_eq!(result.requests, 100);
/// assert_eq!(result.errors_by_kind.err, 1);
/// # }
/// ```
#[derive(Debug)]
pub struct Load<F> {
    name: String,
    f: F,
    spec: LoadSpec,
    budget: Vec<Clause>,
    /// Set by [`max_in_flight`](Self::max_in_flight), applied when the load is an open loop.
    max_in_flight: Option<u32>,
}

/// When a load runs, fixed at its start.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    pub(crate) start: Instant,
    pub(crate) count_from: Instant,
    /// The end of counted time, for `Stop::Nanos`.
    pub(crate) end: Instant,
    pub(crate) stop: Stop,
    pub(crate) ramp_ns: u64,
    pub(crate) timeout: Option<Duration>,
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl<F, Fut> Load<F>
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: LoadOutcome,
{
    /// A load called `name` of `f`, which gets each request's sequence number and returns
    /// `()` or a `Result` (`Err` counts as an error).
    pub fn new(name: impl Into<String>, f: F) -> Self {
        Self::from_spec(name.into(), LoadSpec::closed(1), f)
    }

    pub(crate) fn from_spec(name: String, spec: LoadSpec, f: F) -> Self {
        Self { name, f, budget: spec.budget.to_vec(), spec, max_in_flight: None }
    }

    /// A closed loop of `workers` workers calling back to back.
    ///
    /// # Panics
    ///
    /// If `workers` is 0.
    #[track_caller]
    pub fn concurrency(mut self, workers: u32) -> Self {
        assert!(workers > 0, "Load::concurrency(0): a closed loop needs at least 1 worker");
        self.spec.mode = Mode::Closed { concurrency: workers };
        self
    }

    /// An open loop starting `per_second` requests a second on a fixed timetable.
    ///
    /// # Panics
    ///
    /// If `per_second` is 0.
    #[track_caller]
    pub fn rate(mut self, per_second: u64) -> Self {
        assert!(per_second > 0, "Load::rate(0): an open loop needs at least 1 request a second");
        let max_in_flight = match self.spec.mode {
            Mode::Open { max_in_flight, .. } => max_in_flight,
            Mode::Closed { .. } => DEFAULT_MAX_IN_FLIGHT,
        };
        self.spec.mode = Mode::Open { rate: per_second, max_in_flight };
        self
    }

    /// Open loop: the most requests outstanding at once (default 10,000). A closed loop has
    /// `concurrency` outstanding and ignores it.
    ///
    /// # Panics
    ///
    /// If `requests` is 0.
    #[track_caller]
    pub fn max_in_flight(mut self, requests: u32) -> Self {
        assert!(
            requests > 0,
            "Load::max_in_flight(0): an open loop needs room for at least 1 request in flight"
        );
        self.max_in_flight = Some(requests);
        self
    }

    /// How long to count requests for (default 10 seconds).
    ///
    /// # Panics
    ///
    /// If `d` is zero.
    #[track_caller]
    pub fn duration(mut self, d: Duration) -> Self {
        assert!(
            !d.is_zero(),
            "Load::duration(0s): a load counts requests for a duration above zero (or use \
             `.requests(n)`)"
        );
        self.spec.stop = Stop::Nanos(nanos(d));
        self
    }

    /// Count this many requests instead of running for a duration.
    ///
    /// # Panics
    ///
    /// If `n` is 0.
    #[track_caller]
    pub fn requests(mut self, n: u64) -> Self {
        assert!(n > 0, "Load::requests(0): a load counts at least 1 request");
        self.spec.stop = Stop::Requests(n);
        self
    }

    /// Run for `d` first without counting.
    pub fn warmup(mut self, d: Duration) -> Self {
        self.spec.warmup_ns = nanos(d);
        self
    }

    /// Raise the rate (open loop) or the workers (closed loop) linearly from zero over `d`.
    pub fn ramp(mut self, d: Duration) -> Self {
        self.spec.ramp_ns = nanos(d);
        self
    }

    /// Abandon a request after `d` and count it as a timeout. Without it, requests have no
    /// timeout.
    ///
    /// # Panics
    ///
    /// If `d` is zero (every request would time out before it starts).
    #[track_caller]
    pub fn timeout(mut self, d: Duration) -> Self {
        assert!(
            !d.is_zero(),
            "Load::timeout(0s): a timeout must be above zero (leave it out for none)"
        );
        self.spec.timeout_ns = nanos(d);
        self
    }

    /// Clauses the result must meet; the result is `failed` when one does not.
    pub fn budget(mut self, clauses: &[Clause]) -> Self {
        self.budget = clauses.to_vec();
        self
    }

    /// Runs the load on the current tokio runtime and returns its result, also kept for the
    /// report's `loads[]`.
    pub async fn run(self) -> LoadResult {
        let mut spec = self.spec;
        if let (Mode::Open { rate, .. }, Some(max_in_flight)) = (spec.mode, self.max_in_flight) {
            spec.mode = Mode::Open { rate, max_in_flight };
        }
        let start = Instant::now();
        let count_from = start + Duration::from_nanos(spec.warmup_ns);
        let plan = Plan {
            start,
            count_from,
            end: match spec.stop {
                Stop::Nanos(d) => count_from + Duration::from_nanos(d),
                Stop::Requests(_) => count_from,
            },
            stop: spec.stop,
            ramp_ns: spec.ramp_ns,
            timeout: (spec.timeout_ns > 0).then(|| Duration::from_nanos(spec.timeout_ns)),
        };
        let shard_count = match spec.mode {
            // One per runtime thread, and the shared one (see `shard::ByThread`).
            Mode::Closed { .. } => tokio::runtime::Handle::current().metrics().num_workers() + 1,
            Mode::Open { .. } => 1,
        };
        let shards: Arc<Vec<Box<Shard>>> =
            Arc::new((0..shard_count).map(|_| Box::new(Shard::new())).collect());
        let progress = Progress {
            name: self.name.clone(),
            count_from,
            stop: spec.stop,
            warmup: spec.warmup_ns > 0,
        };
        let ticker = Ticker::start(progress, shards.clone());
        let f = Arc::new(self.f);
        let late_starts = match spec.mode {
            Mode::Closed { concurrency } => {
                super::closed::run(&plan, f, concurrency, shards.clone()).await;
                0
            }
            Mode::Open { rate, max_in_flight } => {
                super::open::run(&plan, f, rate, max_in_flight, shards.clone()).await
            }
        };
        let elapsed_ns = shards
            .iter()
            .map(|s| s.last_done_ns.load(std::sync::atomic::Ordering::Relaxed))
            .max()
            .unwrap_or(0);
        let timeline = ticker.finish(elapsed_ns);
        let mut result = assemble(&self.name, &spec, &shards, elapsed_ns, late_starts, timeline);
        result.budget = super::budget::check(&result, &self.budget);
        result.failed = result.budget.iter().any(|b| b.status == crate::budget::Status::Fail);
        super::result::keep(&result);
        result
    }
}

fn assemble(
    name: &str,
    spec: &LoadSpec,
    shards: &[Box<Shard>],
    elapsed_ns: u64,
    late_starts: u64,
    timeline: Vec<super::result::TimelinePoint>,
) -> LoadResult {
    let counts = Counts::of(shards);
    let mut latency = empty();
    sum_into(&mut latency, shards, |s| &s.latency);
    let open = matches!(spec.mode, Mode::Open { .. });
    let (service, lateness) = if open {
        let (mut service, mut lateness) = (empty(), empty());
        sum_into(&mut service, shards, |s| &s.service);
        sum_into(&mut lateness, shards, |s| &s.lateness);
        (service, Some(Percentiles::of(&lateness)))
    } else {
        (latency.clone(), None)
    };
    let (concurrency, target_rps, max_in_flight) = match spec.mode {
        Mode::Closed { concurrency } => (Some(concurrency), None, None),
        Mode::Open { rate, max_in_flight } => (None, Some(rate as f64), Some(max_in_flight)),
    };
    let requests = counts.requests();
    LoadResult {
        name: name.to_owned(),
        mode: if open { "open" } else { "closed" }.to_owned(),
        concurrency,
        target_rps,
        max_in_flight,
        elapsed_ns,
        warmup_ns: spec.warmup_ns,
        ramp_ns: spec.ramp_ns,
        timeout_ns: (spec.timeout_ns > 0).then_some(spec.timeout_ns),
        requests,
        successes: counts.ok,
        errors: counts.errors(),
        errors_by_kind: ErrorsByKind {
            err: counts.err,
            panic: counts.panic,
            timeout: counts.timeout,
        },
        achieved_rps: if elapsed_ns == 0 { 0.0 } else { requests as f64 * 1e9 / elapsed_ns as f64 },
        latency: Percentiles::of(&latency),
        service: Percentiles::of(&service),
        late_starts,
        lateness,
        latency_histogram: encode(&latency),
        service_histogram: encode(&service),
        timeline,
        budget: Vec::new(),
        failed: false,
    }
}
