use perf_runtime::profile;
// Every bad clause is reported, and the good ones are not.
#[profile(budget = "p50 < 5ms, p98 < 5ms, max < 1, slow < 2%")]
fn f() {}
fn main() {}
