use perf_runtime::bench;
#[bench(sample_size = 10)]
fn f() {}
fn main() {}
