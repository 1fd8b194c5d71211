use perf_runtime::profile;
#[profile(name = "a", name = "b")]
fn f() {}
fn main() {}
