use perf_runtime::bench;
#[bench(args = [1, 2])]
fn f(a: u64, b: u64) -> u64 { a + b }
fn main() {}
