//! `#[bench]` and its runner: registration, filtering, args, async, baselines, the exit code
//! of `--fail-on-regression`, and the JSON. One test, in order: benchmarks measure time, so they
//! must not share the cores with each other. Nothing here expects two timings of the same code
//! to agree: the rest of the suite, or another build, may share the machine.

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

#[bench(name = "it/tunable", samples = 20, time = "40ms", warmup = "10ms")]
fn tunable() {
    spin(Duration::from_micros(20));
}

/// Iterations of `it_sized` run with each argument: 1 and 4.
static SIZED_RUNS: [AtomicU64; 2] = [AtomicU64::new(0), AtomicU64::new(0)];

#[bench(args = [1, 4], samples = 10, time = "20ms", warmup = "5ms")]
fn it_sized(n: u64) -> u64 {
    SIZED_RUNS[usize::from(n == 4)].fetch_add(1, Relaxed);
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
    // Each benchmark ran its own argument, every iteration of every sample (plus the warm-up).
    let runs = SIZED_RUNS.each_ref().map(|r| r.load(Relaxed));
    for (r, ran) in sized.iter().zip(runs) {
        assert!(ran >= u64::from(r.samples) * r.iterations, "{runs:?} {sized:#?}");
    }
    // An iteration spins for its argument in µs at least: time is measured per argument.
    assert!(sized[0].min_ns >= 1_000.0 && sized[1].min_ns >= 4_000.0, "{sized:#?}");
    assert_eq!(it_sized(3), 3, "still callable");

    // Async, with a fixed iteration count.
    let r = &perf_runtime::bench::run("it_async")[0];
    assert_eq!((r.samples, r.iterations), (5, 7));
    assert!(r.mean_ns > 0.0);

    // The runner takes its loop's own cost out, so a no-op body measures below what a plain
    // loop of calls to it costs, timed here the same way (the fastest of a few runs: the one
    // other processes on the machine disturbed least).
    let noop = &perf_runtime::bench::run("it_noop")[0];
    let direct_ns = (0..5)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..1_000_000 {
                // What the runner's loop does with each call's value.
                #[allow(clippy::unit_arg)]
                std::hint::black_box(it_noop());
            }
            start.elapsed().as_nanos() as f64 / 1e6
        })
        .fold(f64::INFINITY, f64::min);
    assert!(noop.min_ns < direct_ns, "{direct_ns}ns a call in a loop; {noop:#?}");

    // Baselines. Each verdict is checked against a saved file made to give it whatever this
    // run measures: timing the same code twice and expecting "no change" fails whenever the
    // machine is busier during one run than during the other.
    let baseline = format!("it-{}", std::process::id());
    assert_eq!(main_with_args(args(&["it/tunable", "--save-baseline", &baseline, "--bench"])), 0);
    let saved = baseline_file(&baseline);
    let all: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(&saved).unwrap()).unwrap();
    let measured = all.into_iter().find(|b| b["name"] == "it/tunable").unwrap();
    assert!(measured["mean_ns"].as_f64().unwrap() >= 20_000.0, "{measured:#}");
    assert!(measured.get("baseline").is_none(), "{measured:#}");
    // The saved baseline with `edit` made, saved under a name of its own.
    let variant = |suffix: &str, edit: &dyn Fn(&mut serde_json::Value)| -> String {
        let mut entry = measured.clone();
        edit(&mut entry);
        let name = format!("{baseline}-{suffix}");
        std::fs::write(baseline_file(&name), serde_json::to_vec(&[entry]).unwrap()).unwrap();
        name
    };
    let json = std::env::temp_dir().join(format!("{baseline}.json"));
    // Runs it/tunable against the baseline `name`: the exit code and the JSON entry.
    let compare = |name: &str, extra: &[&str]| -> (i32, serde_json::Value) {
        let mut list = vec!["it/tunable", "--baseline", name, "--json", json.to_str().unwrap()];
        list.extend_from_slice(extra);
        let code = main_with_args(args(&list));
        (code, bench_entry(&json, "it/tunable"))
    };

    // Within the noise: a baseline whose spread covers any mean this run can measure.
    let noisy = variant("noisy", &|e| e["stddev_ns"] = 1e15.into());
    let (code, entry) = compare(&noisy, &["--threshold", "20%", "--fail-on-regression"]);
    assert_eq!((code, &entry["baseline"]["verdict"]), (0, &"no change".into()), "{entry:#}");
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
    assert!(entry["baseline"]["change_pct"].is_f64(), "{entry:#}");
    assert_eq!(entry["baseline"]["name"], noisy.as_str());

    // A regression: a baseline of 1µs a call with no spread, where every call spins 20µs. The
    // verdict also weighs this run's spread (the mean's interval must clear zero), which one
    // long stall of the machine in one sample can widen enough: such a run must show it in its
    // numbers, and then the comparison runs again.
    let fast = variant("fast", &|e| {
        e["mean_ns"] = 1_000.0.into();
        e["stddev_ns"] = 0.0.into();
    });
    let regressed = (0..20).any(|_| {
        let (code, entry) = compare(&fast, &["--fail-on-regression"]);
        assert!(entry["baseline"]["change_pct"].as_f64().unwrap() > 100.0, "{entry:#}");
        if entry["baseline"]["verdict"] == "regressed" {
            assert_eq!(code, 1, "--fail-on-regression exits 1 on a regression");
            return true;
        }
        let (mean, sd, n) = (&entry["mean_ns"], &entry["stddev_ns"], &entry["samples"]);
        let half = 1.96 * sd.as_f64().unwrap() / n.as_f64().unwrap().sqrt();
        assert!(mean.as_f64().unwrap() - 1_000.0 <= half, "not regressed: {entry:#}");
        assert_eq!(code, 0, "{entry:#}");
        false
    });
    assert!(regressed, "20 runs too noisy to tell 20µs from 1µs");
    assert_eq!(compare(&fast, &[]).0, 0, "without the flag it exits 0");

    // An improvement: a baseline of 1000s a call, longer than this test could have run.
    let slow = variant("slow", &|e| {
        e["mean_ns"] = 1e12.into();
        e["stddev_ns"] = 0.0.into();
    });
    let (code, entry) = compare(&slow, &["--fail-on-regression"]);
    assert_eq!((code, &entry["baseline"]["verdict"]), (0, &"improved".into()), "{entry:#}");

    // A baseline that measured 0 ns (a body the harness cannot tell from its loop): no
    // percentage of it exists, so the change is null, not infinite, and the report reads back.
    let zero = variant("zero", &|e| {
        for field in ["mean_ns", "median_ns", "stddev_ns", "mad_ns", "min_ns", "max_ns", "p99_ns"] {
            e[field] = 0.0.into();
        }
        e["ops_per_sec"] = serde_json::Value::Null;
    });
    // As for `fast`: a stall that widens this run's interval past zero must show in its
    // numbers, and then the comparison runs again.
    let regressed = (0..20).any(|_| {
        let (code, entry) = compare(&zero, &[]);
        assert_eq!(code, 0);
        assert!(entry["baseline"]["change_pct"].is_null(), "{entry:#}");
        assert!(entry["baseline"]["change_ci95_pct"].is_null(), "{entry:#}");
        if entry["baseline"]["verdict"] == "regressed" {
            return true;
        }
        assert!(entry["ci95_low_ns"].as_f64().unwrap() <= 0.0, "not regressed: {entry:#}");
        false
    });
    assert!(regressed, "20 runs too noisy to tell 20µs from 0");
    let _: perf_runtime::Report = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();

    assert_eq!(main_with_args(args(&["--bogus"])), 1);
    std::fs::remove_file(&json).unwrap();
    std::fs::remove_file(saved).unwrap();
    for name in [noisy, fast, slow, zero] {
        std::fs::remove_file(baseline_file(&name)).unwrap();
    }
}

/// Where the runner keeps the baseline `name`: `$CARGO_TARGET_DIR`, else the `target`
/// directory this binary is in, then `perf-baselines/`.
fn baseline_file(name: &str) -> std::path::PathBuf {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map(std::path::PathBuf::from).unwrap_or_else(|| {
            let exe = std::env::current_exe().unwrap();
            exe.ancestors().find(|p| p.ends_with("target")).unwrap().to_path_buf()
        });
    target.join("perf-baselines").join(format!("{name}.json"))
}
