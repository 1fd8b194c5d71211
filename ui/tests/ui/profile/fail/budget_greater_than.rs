use perf_runtime::profile;
#[profile(budget = "p99 > 50ms")]
fn f() {}
fn main() {}
