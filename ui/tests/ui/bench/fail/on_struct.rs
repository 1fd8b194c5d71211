use perf_runtime::bench;
#[bench]
struct S;
fn main() {}
