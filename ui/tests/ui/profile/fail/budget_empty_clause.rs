use perf_runtime::profile;
#[profile(budget = "p99 < 50ms,, errors < 1%")]
fn f() {}
fn main() {}
