//! Loads register themselves at link time (linkme), as benchmarks do, and run under
//! `perf_runtime::bench::main()`.

use std::future::Future;

use super::outcome::LoadOutcome;
use super::result::LoadResult;
use super::run::Load;
use super::spec::LoadSpec;

/// One registered load, written by `#[load]` as a `static`.
#[derive(Debug)]
pub struct LoadEntry {
    /// `module::fn`, or the attribute's `name`.
    pub name: &'static str,
    /// `module_path!()` of the fn.
    pub module: &'static str,
    /// The attribute's settings.
    pub spec: LoadSpec,
    /// Runs the load on a multi-thread runtime of its own.
    pub run: fn(&'static str, &LoadSpec) -> LoadResult,
}

/// Every `#[load]` of the program, gathered by the linker.
#[linkme::distributed_slice]
pub static LOADS: [LoadEntry];

/// Every registered load, by name.
pub(crate) fn all() -> Vec<&'static LoadEntry> {
    let mut all: Vec<_> = LOADS.iter().collect();
    all.sort_by_key(|e| e.name);
    all
}

/// What `#[load]`'s `run` calls: the load on a multi-thread runtime made for it.
///
/// # Panics
///
/// If `spec` would run nothing (a zero concurrency, rate, `max_in_flight`, duration or request
/// count), which `#[load]` refuses at compile time.
pub fn run_registered<F, Fut>(name: &'static str, spec: &LoadSpec, f: F) -> LoadResult
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: LoadOutcome,
{
    if let Some(problem) = spec.problem() {
        panic!("perf: load {name}: {problem}");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("perf: cannot start the tokio runtime for a load");
    runtime.block_on(Load::from_spec(name.to_owned(), *spec, f).run())
}

/// Runs the registered loads whose name contains `filter` (`""` runs all), one after the
/// other, and returns their results (also kept for the report's `loads[]`).
pub fn run(filter: &str) -> Vec<LoadResult> {
    let entries: Vec<_> = all().into_iter().filter(|e| e.name.contains(filter)).collect();
    let n = entries.len();
    entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let r = (e.run)(e.name, &e.spec);
            let verdict = if r.failed { "  budget FAILED" } else { "" };
            eprintln!(
                "load {}/{n} {}: {} requests, {:.1} rps, p99 {}, {} errors{verdict}",
                i + 1,
                e.name,
                r.requests,
                r.achieved_rps,
                crate::format::duration(r.latency.p99_ns),
                r.errors,
            );
            r
        })
        .collect()
}
