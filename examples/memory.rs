//! Allocations per call, before and after an obvious fix: a `String` built in a loop grows
//! (and reallocates) as it goes; with its capacity reserved up front it allocates once.
//!
//! `cargo run --release --example memory`

use std::fmt::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use perf_runtime::alloc::Counting;
use perf_runtime::profile;

#[global_allocator]
static ALLOC: Counting<std::alloc::System> = Counting::new(std::alloc::System);

#[profile(name = "csv.grown")]
fn csv_grown(values: &[u64]) -> String {
    let mut out = String::new();
    for v in values {
        write!(out, "{v},").unwrap();
    }
    out
}

#[profile(name = "csv.reserved")]
fn csv_reserved(values: &[u64]) -> String {
    let mut out = String::with_capacity(values.len() * 21);
    for v in values {
        write!(out, "{v},").unwrap();
    }
    out
}

/// Set by `PERF_EXAMPLE_SLOWER=1`: `checksum` hashes its text twice, a real 2× slowdown that
/// perf-report's tests must find in every pair of runs.
static SLOWER: AtomicBool = AtomicBool::new(false);

#[profile(name = "checksum", cpu = true)]
fn checksum(text: &str) -> u64 {
    let passes = if SLOWER.load(Ordering::Relaxed) { 2 } else { 1 };
    (0..passes).fold(0xcbf2_9ce4_8422_2325, |h, _| {
        text.bytes().fold(h, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
    })
}

fn main() {
    SLOWER.store(std::env::var_os("PERF_EXAMPLE_SLOWER").is_some(), Ordering::Relaxed);
    let values: Vec<u64> = (0..1_000).map(|i| i * 7_919).collect();
    for _ in 0..200 {
        let grown = csv_grown(&values);
        let reserved = csv_reserved(&values);
        assert_eq!(grown, reserved);
        std::hint::black_box(checksum(&grown));
    }
    perf_runtime::configure(perf_runtime::Config {
        json_path: Some("target/perf/memory.json".into()),
        ..Default::default()
    });
    perf_runtime::report();
}
