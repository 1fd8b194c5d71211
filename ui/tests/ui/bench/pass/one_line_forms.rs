//! Every form of `tests/ui/bench/pass`, written on one line, adds no warning to a
//! `#![deny(warnings)]` crate, nor a `clippy::pedantic` one (the root package's `tests/ui_lints.rs`).
#![deny(warnings)]
#![warn(clippy::pedantic)]
use perf_runtime::bench;

#[bench] #[must_use] pub fn by_name() -> u32 { 1 }
#[perf_runtime::bench(name = "one_line/by_path", warmup = "1ms", time = "5ms", samples = 10, iterations = 100, crate = "perf_runtime")] #[must_use] pub fn by_path() -> u32 { 2 }
#[bench(args = [1, 10])] #[must_use] pub fn with_args(n: u64) -> u64 { n * 2 }
#[bench] pub fn unit() { std::hint::black_box(()) }

pub fn main() {
    assert_eq!(by_name() + by_path(), 3);
    assert_eq!(with_args(2), 4);
    unit();
    let names: Vec<&str> = perf_runtime::bench::BENCHES.iter().map(|e| e.name).collect();
    assert!(names.contains(&"one_line/by_path"), "{names:?}");
}
