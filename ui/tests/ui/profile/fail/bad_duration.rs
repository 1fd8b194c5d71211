use perf_runtime::profile;
#[profile(slow = "25 0ms")]
fn f() {}
fn main() {}
