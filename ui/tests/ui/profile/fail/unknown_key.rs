use perf_runtime::profile;
#[profile(nmae = "db.fetch")]
fn f() {}
fn main() {}
