//! `#[bench]` and its runner: registration, filtering, args, async, baselines, the exit code
//! of `--fail-on-regression`, and the JSON. One test, in order: benchmarks measure time, so they
//! must not share the cores with each other.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use perf_runtime::bench;
use perf_runtime::bench::main_with_args;

fn spin(d: Duration) {
    let start = Instant::now();
    while start.elapsed() < d {
        std::hint::spin_loop();
    }
}

/// Microseconds the `tunable` benchmark spins: the test changes it to inject a slowdown.
static TUNABLE_US: AtomicU64 = AtomicU64::new(20);

#[bench(name = "it/tunable", samples = 20, time = "40ms", warmup = "10ms")]
fn tunable() {
    spin(Duration::from_micros(TUNABLE_US.load(Relaxed)));
}

#[bench(args = [1, 4], samples = 10, time = "20ms", warmup = "5ms")]
fn it_sized(n: u64) -> u64 {
    spin(Duration::from_micros(n));
    n
}

#[bench(iterations = 7, samples = 5)]
async fn it_async() -> u32 {
    tokio::task::yield_now().await;
    7
}

#[bench(samples = 10, time = "20ms", warmup = "5ms")]
fn it_noop() {}

/// The entry `name` of `benches[]` in the JSON report at `path`.
fn bench_entry(path: &std::path::Path, name: &str) -> serde_json::Value {
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let benches = report["benches"].as_array().unwrap();
    benches.iter().find(|b| b["name"] == name).unwrap().clone()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_runner() {
    // Registration, args expansion and filtering.
    let names: Vec<String> =
        perf_runtime::bench::BENCHES.iter().map(|e| e.name.to_owned()).collect();
    for expected in [
        "it/tunable",
        "bench::it_sized/1",
        "bench::it_sized/4",
        "bench::it_async",
        "bench::it_noop",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected} not in {names:?}");
    }
    let sized = perf_runtime::bench::run("it_sized");
    assert_eq!(
        sized.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        ["bench::it_sized/1", "bench::it_sized/4"]
    );
    assert!(sized[0].median_ns >= 1_000.0 && sized[1].median_ns >= 4_000.0, "{sized:#?}");
    assert!(sized[1].median_ns > 2.5 * sized[0].median_ns, "{sized:#?}");
    assert_eq!(it_sized(3), 3, "still callable");

    // Async, with a fixed iteration count.
    let r = &perf_runtime::bench::run("it_async")[0];
    assert_eq!((r.samples, r.iterations), (5, 7));
    assert!(r.mean_ns > 0.0);

    // A no-op body costs under a nanosecond once the loop's own cost is taken out; an
    // unoptimized test build still pays for the call that is not inlined.
    let noop = &perf_runtime::bench::run("it_noop")[0];
    let limit = if cfg!(debug_assertions) { 5.0 } else { 1.0 };
    assert!(noop.median_ns < limit, "{noop:#?}");

    // Baselines: save, compare unchanged, inject a slowdown.
    let baseline = format!("it-{}", std::process::id());
    assert_eq!(main_with_args(args(&["it/tunable", "--save-baseline", &baseline, "--bench"])), 0);
    let json = std::env::temp_dir().join(format!("{baseline}.json"));
    let same = main_with_args(args(&[
        "it/tunable",
        "--baseline",
        &baseline,
        "--threshold",
        "20%",
        "--fail-on-regression",
        "--json",
        json.to_str().unwrap(),
    ]));
    let entry = bench_entry(&json, "it/tunable");
    assert_eq!(entry["baseline"]["verdict"], "no change", "{entry:#}");
    assert_eq!(same, 0);
    for field in [
        "name",
        "samples",
        "iterations",
        "mean_ns",
        "median_ns",
        "stddev_ns",
        "mad_ns",
        "min_ns",
        "max_ns",
        "p99_ns",
        "ops_per_sec",
        "ci95_low_ns",
        "ci95_high_ns",
    ] {
        assert!(!entry[field].is_null(), "{field} missing in {entry:#}");
    }
    assert!(
        entry["baseline"]["change_pct"].is_f64() && entry["baseline"]["name"] == baseline.as_str()
    );

    TUNABLE_US.store(60, Relaxed);
    let code = main_with_args(args(&[
        "it/tunable",
        "--baseline",
        &baseline,
        "--fail-on-regression",
        "--json",
        json.to_str().unwrap(),
    ]));
    let entry = bench_entry(&json, "it/tunable");
    assert_eq!(entry["baseline"]["verdict"], "regressed", "{entry:#}");
    assert!(entry["baseline"]["change_pct"].as_f64().unwrap() > 100.0, "{entry:#}");
    assert_eq!(code, 1, "--fail-on-regression exits 1 on a regression");
    assert_eq!(
        main_with_args(args(&["it/tunable", "--baseline", &baseline])),
        0,
        "without the flag it exits 0"
    );

    assert_eq!(main_with_args(args(&["--bogus"])), 1);
    std::fs::remove_file(&json).unwrap();
    let saved = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .ancestors()
        .find(|p| p.ends_with("target"))
        .map(|t| t.join("perf-baselines").join(format!("{baseline}.json")));
    if let Some(saved) = saved.filter(|p| p.exists()) {
        std::fs::remove_file(saved).unwrap();
    }
}
