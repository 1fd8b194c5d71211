//! One wrapper called a million times, for instruction counts that a loaded machine cannot
//! blur: `valgrind --tool=callgrind target/release/deps/instructions-* profiled` (or `direct`,
//! `disabled`, `sampled`, `retry`, `direct_result`), then `callgrind_annotate` per fn. Build it
//! with `cargo bench -p perf-benches --bench instructions --no-run`.

use perf_runtime::{profile, retry};
use std::hint::black_box;

#[inline(never)]
fn direct(x: u64) -> u64 {
    black_box(x)
}

#[inline(never)]
fn direct_result(x: u64) -> Result<u64, ()> {
    Ok(black_box(x))
}

#[profile]
#[inline(never)]
fn profiled(x: u64) -> u64 {
    black_box(x)
}

#[profile(sample = 64)]
#[inline(never)]
fn sampled(x: u64) -> u64 {
    black_box(x)
}

#[retry(attempts = 3)]
#[inline(never)]
fn retried(x: u64) -> Result<u64, ()> {
    Ok(black_box(x))
}

fn main() {
    let which = std::env::args().nth(1).unwrap();
    let n: u64 = 1_000_000;
    let f: fn(u64) -> u64 = match which.as_str() {
        "direct" => direct,
        "profiled" => profiled,
        "disabled" => {
            perf_runtime::set_enabled(false);
            profiled
        }
        "sampled" => sampled,
        "retry" => |x| retried(x).unwrap(),
        "direct_result" => |x| direct_result(x).unwrap(),
        _ => panic!(),
    };
    for _ in 0..1000 {
        black_box(f(black_box(7)));
    }
    let mut s = 0;
    for i in 0..n {
        s += f(black_box(i));
    }
    black_box(s);
}
