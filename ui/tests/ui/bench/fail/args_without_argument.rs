use perf_runtime::bench;
#[bench(args = [1, 2])]
fn f() -> u64 { 1 }
fn main() {}
