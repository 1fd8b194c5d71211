use perf_runtime::bench;
#[bench(samples = 0)]
fn f() {}
fn main() {}
