use perf_runtime::profile;
#[profile(budget = p99)]
fn f() {}
fn main() {}
