use perf_runtime::cached;
#[cached(ttl = "1m")]
fn f(x: impl std::fmt::Display) -> String { x.to_string() }
fn main() { f(1); }
