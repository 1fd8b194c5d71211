use perf_runtime::cached;
#[cached(ttl = "1m", l1_ttl = "10s", lock = true)]
fn f(x: u32) -> u32 { x }
fn main() { f(1); }
