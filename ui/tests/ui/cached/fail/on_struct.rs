use perf_runtime::cached;
#[cached(ttl = "1m")]
struct S;
fn main() {}
