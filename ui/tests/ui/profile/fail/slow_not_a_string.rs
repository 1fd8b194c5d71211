use perf_runtime::profile;
#[profile(slow = 250)]
fn f() {}
fn main() {}
