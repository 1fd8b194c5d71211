use perf_runtime::profile;
#[profile(slow = "3d")]
fn f() {}
fn main() {}
