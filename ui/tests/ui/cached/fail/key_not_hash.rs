use perf_runtime::cached;
#[derive(Clone, PartialEq)]
struct Query { limit: f64 }
#[cached(ttl = "1m")]
fn run(query: Query) -> u32 { query.limit as u32 }
fn main() { run(Query { limit: 1.0 }); }
