use perf_runtime::cached;
#[cached(ttl = "1m", capacity = 0)]
fn f(x: u32) -> u32 { x }
fn main() { f(1); }
