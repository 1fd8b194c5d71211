#![deny(warnings)]
// Every key, both loops, no argument or the sequence number, any return type.
use perf_runtime::load;

#[load(
    concurrency = 2,
    requests = 10,
    warmup = "1ms",
    ramp = "1ms",
    timeout = "1s",
    name = "ui.closed"
)]
async fn closed(seq: u64) -> Result<u64, String> {
    Ok(seq)
}

#[load(
    rate = 1000,
    max_in_flight = 4,
    duration = "20ms",
    budget = "p99 < 10s, errors < 50%, panics < 1"
)]
async fn open() -> u32 {
    7
}

mod by_path {
    #[perf_runtime::load(concurrency = 1, requests = 3, crate = "perf_runtime")]
    pub async fn by_path() {}
}

fn main() {
    let names: Vec<&str> = perf_runtime::load::LOADS.iter().map(|e| e.name).collect();
    for name in [
        "ui.closed",
        concat!(module_path!(), "::open"),
        concat!(module_path!(), "::by_path::by_path"),
    ] {
        assert!(names.contains(&name), "{name} not in {names:?}");
    }
    let results = perf_runtime::load::run("");
    assert_eq!(results.len(), 3);
    assert!(results.iter().all(|r| !r.failed && r.errors == 0));
    let _ = (closed(1), open(), by_path::by_path());
}
