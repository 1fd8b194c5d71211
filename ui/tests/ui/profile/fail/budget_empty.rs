use perf_runtime::profile;
#[profile(budget = "")]
fn f() {}
fn main() {}
