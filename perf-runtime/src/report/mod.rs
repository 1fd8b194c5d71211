//! The snapshot the application asks for at shutdown: a table for people, JSON for tools.

mod function;
mod table;

#[cfg(feature = "json")]
use std::io::{self, Write};
#[cfg(feature = "json")]
use std::path::Path;
use std::path::PathBuf;
use std::sync::RwLock;
use std::time::SystemTime;

pub use function::{FunctionReport, SlowCallReport};

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
/// assert_eq!(report.to_json()["schema_version"], 1);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
pub struct Report {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// RFC 3339 time the snapshot was taken.
    pub generated_at: String,
    /// Profiled fns, by total time, largest first.
    pub functions: Vec<FunctionReport>,
    /// `#[cached]` fns (filled by the cache layer).
    pub caches: Vec<crate::cache::CacheReport>,
    /// `#[retry]` fns, by name.
    pub retries: Vec<crate::retry::RetryReport>,
    /// `#[bench]` results.
    pub benches: Vec<crate::bench::BenchResult>,
}

impl Report {
    /// Takes a snapshot without printing or writing anything.
    pub fn collect() -> Self {
        let mut functions: Vec<_> = crate::profile::registry::all()
            .into_iter()
            .filter_map(FunctionReport::from_stats)
            .collect();
        functions.sort_by(|a, b| b.total_ns.cmp(&a.total_ns).then_with(|| a.name.cmp(&b.name)));
        Self {
            schema_version: SCHEMA_VERSION,
            generated_at: crate::format::rfc3339(SystemTime::now()),
            functions,
            caches: crate::cache::collect(),
            retries: crate::retry::collect(),
            benches: crate::bench::collect(),
        }
    }

    /// The entry of the profiled fn called `name`.
    pub fn function(&self, name: &str) -> Option<&FunctionReport> {
        self.functions.iter().find(|f| f.name == name)
    }

    /// The entry of the `#[cached]` fn called `name`.
    pub fn cache(&self, name: &str) -> Option<&crate::cache::CacheReport> {
        self.caches.iter().find(|c| c.name == name)
    }

    /// The entry of the `#[retry]` fn called `name`.
    pub fn retry(&self, name: &str) -> Option<&crate::retry::RetryReport> {
        self.retries.iter().find(|r| r.name == name)
    }

    /// The report as a JSON value, as [`write_json`](Self::write_json) writes it (cargo feature
    /// `json`, on by default).
    #[cfg(feature = "json")]
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a report always serializes")
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
            serde_json::to_writer_pretty(&mut file, self)?;
            file.write_all(b"\n")?;
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
}

static CONFIG: RwLock<Option<Config>> = RwLock::new(None);

/// Sets how [`report`] delivers.
///
/// ```no_run
/// perf_runtime::configure(perf_runtime::Config {
///     json_path: Some("target/perf/report.json".into()),
///     ..Default::default()
/// });
/// ```
pub fn configure(config: Config) {
    *CONFIG.write().unwrap_or_else(|e| e.into_inner()) = Some(config);
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
    let report = Report::collect();
    let config = CONFIG.read().unwrap_or_else(|e| e.into_inner()).clone().unwrap_or_default();
    if !config.quiet {
        eprint!("{report}");
    }
    let json_path =
        config.json_path.or_else(|| std::env::var_os("PERF_REPORT_JSON").map(Into::into));
    if let Some(path) = json_path {
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

/// Clears all stats: later reports show only what is recorded from now on.
///
/// Calls in flight while it runs may land on either side of the reset.
pub fn reset() {
    for stats in crate::profile::registry::all() {
        stats.reset();
    }
    crate::retry::reset();
    crate::cache::reset();
}
