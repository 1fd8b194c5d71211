//! A harness-less bench target written with `#[bench]`: `cargo bench --bench attr`.
//! Flags go after `--`: `cargo bench --bench attr -- --save-baseline main`, then
//! `cargo bench --bench attr -- --baseline main --fail-on-regression`.

#[path = "support/workloads.rs"]
mod workloads;

use perf_runtime::bench;

#[bench(name = "reference/20ns")]
fn small() -> u64 {
    workloads::small()
}

#[bench(name = "reference/1us")]
fn medium() -> u64 {
    workloads::medium()
}

#[bench(name = "reference/100us")]
fn large() -> u64 {
    workloads::large()
}

#[bench(name = "noop")]
fn noop() {}

#[bench(args = [16, 256, 4096])]
fn sum(n: u64) -> u64 {
    (0..std::hint::black_box(n)).sum()
}

fn main() {
    perf_runtime::bench::main();
}
