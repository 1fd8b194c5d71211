use perf_runtime::cached;
#[derive(Clone)]
struct Report { rows: Vec<u64> }
#[cached(ttl = "1m", l2 = "redis")]
fn build(day: u32) -> Report { Report { rows: vec![u64::from(day)] } }
fn main() { let _ = build(1).rows; }
