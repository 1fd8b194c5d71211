use perf_runtime::profile;
#[profile(slow = "0ms")]
fn f() {}
fn main() {}
