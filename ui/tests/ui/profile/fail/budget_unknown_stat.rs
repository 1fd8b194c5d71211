use perf_runtime::profile;
#[profile(budget = "p98 < 5ms")]
fn f() {}
fn main() {}
