//! Benchmarks register themselves at link time (linkme): nobody lists them by hand.

use super::bencher::Bencher;

/// One registered benchmark, written by `#[bench]` as a `static`.
#[derive(Debug)]
pub struct BenchEntry {
    /// `module::fn`, the attribute's `name`, plus `/arg` for each value of `args`.
    pub name: &'static str,
    /// `module_path!()` of the fn, for registered names that drop it.
    pub module: &'static str,
    /// How long to warm up, in ns; 0 for the runner's default.
    pub warmup_ns: u64,
    /// How long to measure, in ns; 0 for the runner's default.
    pub time_ns: u64,
    /// Samples to take; 0 for the runner's default.
    pub samples: u32,
    /// Fixed iterations per sample (no calibration); 0 to calibrate.
    pub iterations: u64,
    /// Runs the fn `bencher.iters()` times under the bencher's clock.
    pub run: fn(&mut Bencher),
    /// Runs an empty body the same way, built in the bench's own crate: the loop's own cost,
    /// at the opt-level the bench runs at (a debug build may optimize perf-runtime and not the
    /// bench, so a loop measured here would cost less than the bench's).
    pub empty: fn(&mut Bencher),
}

/// Every `#[bench]` of the program, gathered by the linker.
#[linkme::distributed_slice]
pub static BENCHES: [BenchEntry];

/// Every registered benchmark, by name.
pub(crate) fn all() -> Vec<&'static BenchEntry> {
    let mut all: Vec<_> = BENCHES.iter().collect();
    all.sort_by_key(|e| e.name);
    all
}
