use perf_runtime::cached;
#[cached(ttl = "1m")]
fn f<T: Clone>(x: T) -> T { x }
fn main() { f(1); }
