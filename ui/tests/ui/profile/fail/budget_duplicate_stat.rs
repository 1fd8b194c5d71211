use perf_runtime::profile;
#[profile(budget = "p99 < 50ms, errors < 1%, p99 < 80ms")]
fn f() {}
fn main() {}
