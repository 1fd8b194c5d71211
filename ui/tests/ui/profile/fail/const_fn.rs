use perf_runtime::profile;
#[profile]
const fn f() -> u8 { 1 }
fn main() { let _ = f(); }
