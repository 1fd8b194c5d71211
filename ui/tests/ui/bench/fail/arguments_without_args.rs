use perf_runtime::bench;
#[bench]
fn f(n: u64) -> u64 { n }
fn main() {}
