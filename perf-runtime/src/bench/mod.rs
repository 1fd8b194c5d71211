//! `#[bench]`: benchmarks registered at compile time, and the runner that measures them.
//!
//! Use [`main`] as the `main` of a `harness = false` bench target (or of an example):
//!
//! ```no_run
//! use perf_runtime::bench;
//!
//! #[bench]
//! fn parse_small() -> u64 {
//!     "12345".parse().unwrap()
//! }
//!
//! fn main() {
//!     perf_runtime::bench::main();
//! }
//! ```
//!
//! Flags: `--list`, a positional filter (a substring of the names), `--save-baseline NAME`,
//! `--baseline NAME`, `--json PATH`, `--threshold 5%`, `--fail-on-regression`, `--quick`,
//! `--load-only` / `--bench-only` (the runner runs the registered [`#[load]`](macro@crate::load)s
//! too, after the benchmarks; a load whose budget fails makes the exit code 1).
//! Baselines live under `target/perf-baselines/`.
//!
//! Cargo feature `bench` (on by default); without it this module holds only [`BenchResult`],
//! for the report's (empty) `benches` section.

#[cfg(feature = "bench")]
mod baseline;
#[cfg(feature = "bench")]
mod bencher;
#[cfg(feature = "bench")]
mod cli;
#[cfg(feature = "bench")]
mod entry;
#[cfg(feature = "bench")]
mod measure;
mod result;
mod stats;

#[cfg(feature = "bench")]
pub use bencher::Bencher;
#[cfg(feature = "bench")]
pub use cli::{main, main_with_args};
#[cfg(feature = "bench")]
pub use entry::{BENCHES, BenchEntry};
pub use result::BenchResult;
pub use stats::BaselineComparison;

pub(crate) use result::{collect, write_table};

/// Runs the registered benchmarks whose name contains `filter` (`""` runs all) with the default
/// settings, and returns their results (also kept for the report's `benches[]`).
#[cfg(feature = "bench")]
pub fn run(filter: &str) -> Vec<BenchResult> {
    cli::run_with(filter, measure::Settings::DEFAULT, None, 5.0)
}
