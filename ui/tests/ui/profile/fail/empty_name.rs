use perf_runtime::profile;
#[profile(name = "")]
fn f() {}
fn main() {}
