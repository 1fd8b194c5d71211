use perf_runtime::bench;
#[bench(warmup = "300 millis", time = "2")]
fn f() {}
fn main() {}
