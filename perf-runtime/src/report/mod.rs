//! The snapshot the application asks for at shutdown: a table for people, JSON for tools.

pub mod budget;
mod function;
pub(crate) mod histogram;
pub(crate) mod instance;
#[cfg(feature = "json")]
pub(crate) mod json;
pub(crate) mod merge;
mod process;
mod table;

#[cfg(feature = "json")]
use std::io::{self, Write};
#[cfg(feature = "json")]
use std::path::Path;
use std::path::PathBuf;
use std::sync::RwLock;
use std::time::{Duration, SystemTime};

pub use function::{FunctionReport, SlowCallReport};
pub use merge::MergeError;
pub use process::ProcessReport;

/// Version of the JSON layout; bumped on any change that is not an added field.
pub const SCHEMA_VERSION: u32 = 1;

/// A snapshot of everything recorded since start-up or the last [`reset`].
///
/// `Display` renders the table that [`report`] prints; `Serialize` gives the JSON.
///
/// ```
/// use perf_runtime::profile;
///
/// #[profile(name = "doc.square")]
/// fn square(x: u64) -> u64 { x * x }
///
/// square(3);
/// let report = perf_runtime::Report::collect();
/// let f = report.function("doc.square").unwrap();
/// assert_eq!(f.calls, 1);
/// assert!(report.to_json().starts_with("{\"schema_version\":1,"));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
pub struct Report {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// RFC 3339 time the snapshot was taken.
    pub generated_at: String,
    /// Which process this is: env `PERF_INSTANCE`, else `hostname:pid`. A merged report lists
    /// its sources' instances, comma-separated. Empty in reports written before it existed.
    #[cfg_attr(feature = "json", serde(default))]
    pub instance: String,
    /// RFC 3339 time the counts start from: the process's first use of this crate (or its
    /// last [`reset`]); for a [`delta`](Report::delta), the earlier report's `generated_at`;
    /// for a [`merge`](Report::merge), the earliest of its sources.
    #[cfg_attr(feature = "json", serde(default))]
    pub started_at: String,
    /// Profiled fns, by total time, largest first.
    pub functions: Vec<FunctionReport>,
    /// `#[cached]` fns (filled by the cache layer).
    pub caches: Vec<crate::cache::CacheReport>,
    /// `#[retry]` fns, by name.
    pub retries: Vec<crate::retry::RetryReport>,
    /// `#[bench]` results.
    pub benches: Vec<crate::bench::BenchResult>,
    /// `#[load]` and [`Load`](crate::load::Load) results, by name.
    #[cfg_attr(feature = "json", serde(default))]
    pub loads: Vec<crate::load::LoadResult>,
    /// Whether [`alloc::Counting`](crate::alloc::Counting) is the global allocator, so that
    /// profiled fns have allocation counts.
    #[cfg_attr(feature = "json", serde(default))]
    pub alloc_counting: bool,
    /// The process's peak RSS, CPU seconds and threads when the report was taken.
    #[cfg_attr(feature = "json", serde(default))]
    pub process: ProcessReport,
    /// The budgets in force when the snapshot was taken, checked against it: see
    /// [`Report::budgets`]. Failures first.
    #[cfg_attr(feature = "json", serde(default))]
    pub budgets: Vec<budget::BudgetResult>,
    /// `#[circuit_breaker]` fns and [`CircuitBreaker`](crate::breaker::CircuitBreaker)s, by name.
    #[cfg_attr(feature = "json", serde(default))]
    pub breakers: Vec<crate::breaker::BreakerReport>,
    /// `#[bulkhead]` fns and [`Bulkhead`](crate::bulkhead::Bulkhead) handles, by name.
    #[cfg_attr(feature = "json", serde(default))]
    pub bulkheads: Vec<crate::bulkhead::BulkheadReport>,
    /// `#[timeout]` fns, by name.
    #[cfg_attr(feature = "json", serde(default))]
    pub timeouts: Vec<crate::timeout::TimeoutReport>,
    /// `#[rate_limit]` fns and named [`RateLimiter`](crate::limit::RateLimiter)s, by name.
    #[cfg_attr(feature = "json", serde(default))]
    pub limits: Vec<crate::limit::LimitReport>,
    /// `#[batched]` fns, by name.
    #[cfg_attr(feature = "json", serde(default))]
    pub batchers: Vec<crate::batch::BatchReport>,
    /// Caller → callee edges between profiled fns, largest total time first.
    #[cfg_attr(feature = "json", serde(default))]
    pub edges: Vec<crate::calls::EdgeReport>,
}

impl Report {
    /// Takes a snapshot without printing or writing anything.
    pub fn collect() -> Self {
        let fns = crate::profile::registry::all();
        let mut functions: Vec<_> =
            fns.iter().copied().filter_map(FunctionReport::from_stats).collect();
        functions.sort_by(|a, b| b.total_ns.cmp(&a.total_ns).then_with(|| a.name.cmp(&b.name)));
        let mut report = Self {
            schema_version: SCHEMA_VERSION,
            generated_at: crate::format::rfc3339(SystemTime::now()),
            instance: instance::name().to_owned(),
            started_at: crate::format::rfc3339(instance::started_at()),
            functions,
            caches: crate::cache::collect(),
            retries: crate::retry::collect(),
            benches: crate::bench::collect(),
            loads: crate::load::collect(),
            alloc_counting: crate::alloc::installed(),
            process: ProcessReport::collect(),
            budgets: Vec::new(),
            breakers: crate::breaker::collect(),
            bulkheads: crate::bulkhead::collect(),
            timeouts: crate::timeout::collect(),
            limits: crate::limit::collect(),
            batchers: crate::batch::collect(),
            edges: crate::calls::report::collect(&fns),
        };
        report.budgets = report.budgets();
        report
    }

    /// Checks the budgets in force now against this report: the fns' `#[profile(budget = ...)]`
    /// clauses, overridden by the budgets file of [`Config::budgets`] or env `PERF_BUDGETS`.
    /// [`budget::check`] does the same with budgets of your choosing.
    ///
    /// ```
    /// use perf_runtime::budget::Status;
    /// use perf_runtime::profile;
    ///
    /// #[profile(name = "doc.budgets", budget = "p99 < 10s")]
    /// fn fast() {}
    ///
    /// fast();
    /// let results = perf_runtime::Report::collect().budgets();
    /// let p99 = results.iter().find(|r| r.r#fn == "doc.budgets").unwrap();
    /// assert_eq!((p99.calls, p99.status), (1, Status::Pass));
    /// ```
    pub fn budgets(&self) -> Vec<budget::BudgetResult> {
        budget::check(self, &budget::active())
    }

    /// The entry of the profiled fn called `name`.
    pub fn function(&self, name: &str) -> Option<&FunctionReport> {
        self.functions.iter().find(|f| f.name == name)
    }

    /// The edge from the profiled fn `caller` to the profiled fn `callee`.
    pub fn edge(&self, caller: &str, callee: &str) -> Option<&crate::calls::EdgeReport> {
        self.edges.iter().find(|e| e.caller == caller && e.r#fn == callee)
    }

    /// The entry of the `#[cached]` fn called `name`.
    pub fn cache(&self, name: &str) -> Option<&crate::cache::CacheReport> {
        self.caches.iter().find(|c| c.name == name)
    }

    /// The result of the load called `name`.
    pub fn load(&self, name: &str) -> Option<&crate::load::LoadResult> {
        self.loads.iter().find(|l| l.name == name)
    }

    /// The entry of the limiter called `name`.
    pub fn limit(&self, name: &str) -> Option<&crate::limit::LimitReport> {
        self.limits.iter().find(|r| r.name == name)
    }

    /// The entry of the breaker called `name`.
    pub fn breaker(&self, name: &str) -> Option<&crate::breaker::BreakerReport> {
        self.breakers.iter().find(|b| b.name == name)
    }

    /// The entry of the `#[retry]` fn called `name`.
    pub fn retry(&self, name: &str) -> Option<&crate::retry::RetryReport> {
        self.retries.iter().find(|r| r.name == name)
    }

    /// The entry of the bulkhead called `name`.
    pub fn bulkhead(&self, name: &str) -> Option<&crate::bulkhead::BulkheadReport> {
        self.bulkheads.iter().find(|b| b.name == name)
    }

    /// The entry of the `#[timeout]` fn called `name`.
    pub fn timeout(&self, name: &str) -> Option<&crate::timeout::TimeoutReport> {
        self.timeouts.iter().find(|t| t.name == name)
    }

    /// The entry of the `#[batched]` fn called `name`.
    pub fn batcher(&self, name: &str) -> Option<&crate::batch::BatchReport> {
        self.batchers.iter().find(|b| b.name == name)
    }

    /// The report as compact JSON text, the layout of `schema/` that
    /// [`write_json`](Self::write_json) writes (cargo feature `json`, on by default). Written
    /// by perf-runtime's own serializer, not serde_json, whose `PartialEq` impls on the integer
    /// types would change type inference in every crate that depends on perf-runtime; parse it
    /// with the JSON crate of your choice, or deserialize a [`Report`] from it.
    ///
    /// ```
    /// let json = perf_runtime::Report::collect().to_json();
    /// assert!(json.starts_with("{\"schema_version\":1,"));
    /// ```
    #[cfg(feature = "json")]
    pub fn to_json(&self) -> String {
        json::to_string(self).expect("a report always serializes")
    }

    /// Writes the JSON to `path` through a temporary file and a rename, so a crash never
    /// leaves half a report. Missing parent directories are created.
    #[cfg(feature = "json")]
    pub fn write_json(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let path = path.as_ref();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(format!(".tmp.{}", std::process::id()));
        let tmp = PathBuf::from(tmp);
        let write = || -> io::Result<()> {
            let mut file = std::fs::File::create(&tmp)?;
            let mut text = json::to_string_pretty(self)?;
            text.push('\n');
            file.write_all(text.as_bytes())?;
            file.sync_all()
        };
        write().and_then(|()| std::fs::rename(&tmp, path)).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    }
}

/// Where and how [`report`] delivers, set once at start-up with [`configure`].
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// File to write the JSON report to; when `None`, env `PERF_REPORT_JSON` is used.
    pub json_path: Option<PathBuf>,
    /// Do not print the table to stderr.
    pub quiet: bool,
    /// Time one call in N of every profiled fn that gives no `sample` of its own; calls,
    /// errors and panics are still all counted. When `None`, env `PERF_SAMPLE` is used (and
    /// without it, every call is timed).
    pub sample: Option<u32>,
    /// Budgets that override the fns' `#[profile(budget = ...)]`, usually
    /// [`Budgets::load`](budget::Budgets::load)ed from a `perf-budgets.toml`; when `None`, the
    /// file named by env `PERF_BUDGETS` is used.
    pub budgets: Option<budget::Budgets>,
    /// How often the budget alert thread of [`on_budget_violation`](crate::on_budget_violation)
    /// checks the last window's calls; when `None`, env `PERF_ALERT_WINDOW` (like `"30s"`), else
    /// 60 seconds.
    pub alert_window: Option<Duration>,
    /// Rewrite the JSON report (at `json_path` or env `PERF_REPORT_JSON`) every `interval`,
    /// from one background thread; when `None`, env `PERF_REPORT_INTERVAL` (`60s`, `500ms`,
    /// `5m`) is used. See [`crate::export`].
    pub interval: Option<Duration>,
    /// Upper bounds, in seconds and increasing, of the Prometheus buckets of
    /// `perf_call_duration_seconds`; when `None`,
    /// [`DEFAULT_BUCKETS`](crate::export::DEFAULT_BUCKETS) (1µs to 60s).
    pub buckets: Option<Vec<f64>>,
    /// Calls of a callee per call of its caller at which the table lists the edge as a likely
    /// N+1; when `None`, env `PERF_FANOUT_WARN`, else
    /// [`DEFAULT_FANOUT_WARN`](crate::calls::report::DEFAULT_FANOUT_WARN) (10).
    pub fanout_warn: Option<u64>,
}

static CONFIG: RwLock<Option<Config>> = RwLock::new(None);

/// Sets how [`report`] delivers, and the budgets it checks.
///
/// ```no_run
/// use perf_runtime::budget::Budgets;
///
/// # fn main() -> Result<(), perf_runtime::budget::BudgetFileError> {
/// perf_runtime::configure(perf_runtime::Config {
///     json_path: Some("target/perf/report.json".into()),
///     budgets: Some(Budgets::load("perf-budgets.toml")?),
///     ..Default::default()
/// });
/// # Ok(())
/// # }
/// ```
pub fn configure(config: Config) {
    if let Some(every) = config.sample {
        crate::profile::sample::set_default(every);
    }
    *CONFIG.write().unwrap_or_else(|e| e.into_inner()) = Some(config);
    crate::export::configured();
}

/// The configuration [`configure`] set, or the default.
pub(crate) fn config() -> Config {
    CONFIG.read().unwrap_or_else(|e| e.into_inner()).clone().unwrap_or_default()
}

/// Takes a snapshot, prints its table to stderr and writes the JSON where configured
/// ([`Config::json_path`] or env `PERF_REPORT_JSON`). A failed write is printed, not returned:
/// the report is what the caller gets either way.
///
/// ```
/// let report = perf_runtime::report();
/// println!("{} fns profiled", report.functions.len());
/// ```
pub fn report() -> Report {
    crate::export::first_use();
    let report = Report::collect();
    let config = config();
    if !config.quiet {
        eprint!("{report}");
    }
    if let Some(path) = json_path(&config) {
        #[cfg(feature = "json")]
        if let Err(e) = report.write_json(&path) {
            eprintln!("perf: could not write {}: {e}", path.display());
        }
        #[cfg(not(feature = "json"))]
        eprintln!(
            "perf: not writing {}: the JSON report needs perf-runtime's `json` feature",
            path.display()
        );
    }
    report
}

/// Where the JSON report goes: [`Config::json_path`], else env `PERF_REPORT_JSON`.
pub(crate) fn json_path(config: &Config) -> Option<PathBuf> {
    config.json_path.clone().or_else(|| std::env::var_os("PERF_REPORT_JSON").map(Into::into))
}

/// Clears all stats: later reports show only what is recorded from now on.
///
/// Calls in flight while it runs may land on either side of the reset.
pub fn reset() {
    for stats in crate::profile::registry::all() {
        stats.reset();
    }
    crate::retry::reset();
    crate::limit::reset();
    crate::cache::reset();
    crate::breaker::reset_report();
    crate::bulkhead::reset();
    crate::timeout::reset();
    crate::batch::reset();
    instance::restart();
}
