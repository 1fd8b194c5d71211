use perf_runtime::profile;
#[profile(budget = "p99 < 50")]
fn f() {}
fn main() {}
