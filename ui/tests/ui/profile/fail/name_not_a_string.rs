use perf_runtime::profile;
#[profile(name = db.fetch)]
fn f() {}
fn main() {}
