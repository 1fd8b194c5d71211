//! Allocations per call, before and after an obvious fix: a `String` built in a loop grows
//! (and reallocates) as it goes; with its capacity reserved up front it allocates once.
//!
//! `cargo run --release --example memory`

use std::fmt::Write;

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

#[profile(name = "checksum", cpu = true)]
fn checksum(text: &str) -> u64 {
    text.bytes()
        .fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

fn main() {
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
