//! Every form of `tests/ui/load/pass`, written on one line, adds no warning to a
//! `#![deny(warnings)]` crate, nor a `clippy::pedantic` one (the root package's `tests/ui_lints.rs`).
#![deny(warnings)]
#![warn(clippy::pedantic)]
use perf_runtime::load;

#[load(concurrency = 2, requests = 4, warmup = "1ms", ramp = "1ms", timeout = "1s", name = "one_line.closed")] async fn closed(seq: u64) -> Result<u64, String> { Ok(seq) }
#[load(rate = 1000, max_in_flight = 4, duration = "5ms", budget = "p99 < 10s, errors < 50%, panics < 1")] async fn open() -> u32 { 7 }
#[load(concurrency = 1, requests = 3, crate = "perf_runtime")] async fn with_crate() {}
#[load(concurrency = 1, requests = 3, name = "one_line.profiled")] #[perf_runtime::profile] async fn profiled(seq: u64) -> Option<u64> { Some(seq) }

pub fn main() {
    let results = perf_runtime::load::run("one_line");
    assert_eq!(results.len(), 2);
    assert!(results.iter().all(|r| !r.failed && r.errors == 0));
    let _ = (closed(1), open(), with_crate(), profiled(1));
}
