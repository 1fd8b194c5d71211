use perf_runtime::profile;
#[profile(slow = "fast", colour = "red")]
fn f() {}
fn main() {}
