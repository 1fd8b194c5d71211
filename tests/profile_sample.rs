//! `#[profile(sample = N)]` and the process default: every call, error and panic counted, one
//! call in about N timed, percentiles that match timing every call.

use std::future::Future as _;
use std::hint::black_box;
use std::panic::catch_unwind;
use std::time::{Duration, Instant};

use perf_runtime::{FunctionReport, Report, profile};

fn entry(name: &str) -> FunctionReport {
    let name = format!("{}::{name}", module_path!());
    let report = Report::collect();
    report.function(&name).cloned().unwrap_or_else(|| panic!("no entry {name} in {report:#?}"))
}

#[profile(sample = 64)]
fn sampled(i: u64) -> Result<u64, u64> {
    if i % 1000 == 999 {
        panic!("call {i}");
    }
    if i.is_multiple_of(10) { Err(i) } else { Ok(i) }
}

#[test]
fn counts_stay_exact_under_sampling() {
    std::panic::set_hook(Box::new(|_| {}));
    const THREADS: u64 = 4;
    const CALLS: u64 = 50_000;
    std::thread::scope(|s| {
        for t in 0..THREADS {
            s.spawn(move || {
                for i in 0..CALLS {
                    let _ = black_box(catch_unwind(|| sampled(t * CALLS + i)));
                }
            });
        }
    });
    let f = entry("sampled");
    let calls = THREADS * CALLS;
    assert_eq!(f.calls, calls);
    assert_eq!(f.panics, calls / 1000);
    assert_eq!(f.errors, calls / 10);
    assert_eq!(f.sample, 64);
    let timed = f.decode_histogram().unwrap().len();
    assert_eq!(f.timed_calls, timed);
    // Gaps average 64; over 200k calls the count of timed ones is within a few percent of
    // 3125, so these bounds hold whatever the machine does.
    assert!((calls / 96..=calls / 42).contains(&timed), "{timed} of {calls} timed");
    // Sampled totals are scaled up from the timed calls.
    assert!(f.total_ns > 0 && f.mean_ns > 0.0);
}

fn spin(d: Duration) {
    let start = Instant::now();
    while start.elapsed() < d {
        std::hint::spin_loop();
    }
}

/// One call in 64 is slow: a fixed sampling period of 64 would see either none or only those.
fn workload(i: u64) {
    spin(if i.is_multiple_of(64) { Duration::from_micros(40) } else { Duration::from_micros(2) });
}

#[profile(sample = 64)]
fn mix_sampled(i: u64) {
    workload(i);
}

#[profile(sample = 1)]
fn mix_every(i: u64) {
    workload(i);
}

#[test]
fn sampled_percentiles_match_timing_every_call() {
    // Interleaved, so that whatever else the machine does hits both alike.
    for i in 0..1_000_000 / 4 {
        mix_sampled(i);
        mix_every(i);
    }
    let (s, e) = (entry("mix_sampled"), entry("mix_every"));
    assert_eq!((s.calls, e.calls), (250_000, 250_000));
    assert_eq!(e.timed_calls, e.calls);
    for (what, sampled, every) in [("p50", s.p50_ns, e.p50_ns), ("p99", s.p99_ns, e.p99_ns)] {
        let ratio = sampled as f64 / every as f64;
        assert!(
            (0.95..=1.05).contains(&ratio),
            "{what}: sampled {sampled} ns, every call {every} ns"
        );
    }
    // The slow calls are 1.6% of all: p99 must be one of them, or sampling aliased.
    assert!(s.p99_ns >= 30_000, "p99 {} ns misses the slow calls", s.p99_ns);
}

#[profile(sample = 16)]
async fn sampled_async(i: u64) -> Result<u64, u64> {
    tokio::task::yield_now().await;
    if i.is_multiple_of(4) { Err(i) } else { Ok(i) }
}

#[tokio::test]
async fn async_fns_are_sampled_with_exact_counts() {
    for i in 0..4_000 {
        let _ = sampled_async(i).await;
    }
    // Dropped before completing: cancelled, not a call, sampled or not.
    for i in 0..10 {
        let mut fut = Box::pin(sampled_async(i));
        let waker = std::task::Waker::noop();
        let _ = fut.as_mut().poll(&mut std::task::Context::from_waker(waker));
    }
    let f = entry("sampled_async");
    assert_eq!((f.calls, f.errors, f.cancelled), (4_000, 1_000, 10));
    assert!(f.timed_calls > 0 && f.timed_calls < 1_000, "{} timed", f.timed_calls);
    assert!(f.busy_total_ns.is_some());
}
