use perf_runtime::cached;
#[cached(ttl = "1m", policy = "lfu")]
fn f(x: u32) -> u32 { x }
fn main() { f(1); }
