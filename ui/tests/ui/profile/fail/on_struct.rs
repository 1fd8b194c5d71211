use perf_runtime::profile;
#[profile]
struct S;
fn main() {}
