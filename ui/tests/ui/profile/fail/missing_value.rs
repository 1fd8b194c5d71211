use perf_runtime::profile;
#[profile(slow)]
fn f() {}
fn main() {}
