use perf_runtime::retry;
#[retry]
fn f() {}
fn main() {}
