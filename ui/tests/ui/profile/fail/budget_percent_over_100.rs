use perf_runtime::profile;
#[profile(budget = "errors < 150%")]
fn f() -> Result<(), ()> { Ok(()) }
fn main() {}
