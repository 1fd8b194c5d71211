//! `loads[]` (the `#[load]` results a report carries) in `show` and `diff`.

mod support;

use hdrhistogram::Histogram;
use perf_runtime::Report;
use perf_runtime::load::LoadResult;
use support::{encode, fixture, read_report, run, temp_dir, write_report};

/// A closed-loop load of `requests` whose latencies spread over 1..2 ms times `factor`.
fn load(name: &str, requests: u64, errors: u64, factor: f64) -> LoadResult {
    let mut h = Histogram::<u64>::new_with_bounds(1, 4_398_046_511_103, 3).unwrap();
    for i in 0..requests {
        h.record(((1_000_000 + i * 1_000_000 / requests) as f64 * factor) as u64).unwrap();
    }
    let q = |q| h.value_at_quantile(q);
    let pct = serde_json::json!({
        "mean_ns": h.mean(), "p50_ns": q(0.5), "p90_ns": q(0.9), "p95_ns": q(0.95),
        "p99_ns": q(0.99), "p999_ns": q(0.999), "max_ns": h.max()
    });
    serde_json::from_value(serde_json::json!({
        "name": name, "mode": "closed", "concurrency": 8, "elapsed_ns": 3_000_000_000u64,
        "warmup_ns": 500_000_000u64, "ramp_ns": 0, "requests": requests,
        "successes": requests - errors, "errors": errors,
        "errors_by_kind": {"err": errors, "panic": 0, "timeout": 0},
        "achieved_rps": requests as f64 / 3.0, "latency": pct, "service": pct,
        "late_starts": 0, "latency_histogram": encode(&h), "service_histogram": encode(&h),
        "timeline": [], "budget": [], "failed": false
    }))
    .unwrap()
}

fn with_loads(loads: Vec<LoadResult>) -> Report {
    let mut r = read_report(&fixture("quickstart-1.json"));
    r.loads = loads;
    r
}

#[test]
fn show_lists_loads_and_filters_them() {
    let dir = temp_dir("loads-show");
    let file = dir.join("r.json");
    write_report(&file, &with_loads(vec![load("checkout.closed", 3000, 3, 1.0)]));
    let file = file.to_str().unwrap();
    let out = run(&["show", file]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("\nloads:\n"), "{}", out.stdout);
    assert!(out.stdout.contains("checkout.closed"), "{}", out.stdout);
    let kept = run(&["show", file, "--filter", "checkout"]).stdout;
    assert!(kept.contains("checkout.closed"), "{kept}");
    let dropped = run(&["show", file, "--filter", "quickstart::"]).stdout;
    assert!(!dropped.contains("loads:"), "{dropped}");
    let json: serde_json::Value =
        serde_json::from_str(&run(&["show", file, "--json", "--filter", "checkout"]).stdout)
            .unwrap();
    assert_eq!(json["loads"][0]["name"], "checkout.closed");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn diff_compares_loads() {
    let dir = temp_dir("loads-diff");
    let (b, n) = (dir.join("base.json"), dir.join("new.json"));
    write_report(
        &b,
        &with_loads(vec![
            load("checkout.closed", 3000, 3, 1.0),
            load("checkout.gone", 900, 0, 1.0),
        ]),
    );
    write_report(
        &n,
        &with_loads(vec![
            load("checkout.closed", 3000, 3, 2.0),
            load("checkout.open", 900, 0, 1.0),
        ]),
    );
    let (b, n) = (b.to_str().unwrap(), n.to_str().unwrap());
    let out = run(&["diff", b, n]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let line = |name: &str| {
        out.stdout.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("{}", out.stdout))
    };
    assert!(out.stdout.contains("\nload "), "a load section: {}", out.stdout);
    assert!(line("checkout.closed").contains(" regressed "), "{}", out.stdout);
    assert!(line("checkout.closed").contains("latency p50 +100.0%"), "{}", out.stdout);
    assert!(line("checkout.open").contains(" new"), "{}", out.stdout);
    assert!(line("checkout.gone").contains(" gone"), "{}", out.stdout);
    let json: serde_json::Value =
        serde_json::from_str(&run(&["diff", b, n, "--json"]).stdout).unwrap();
    let row = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "load" && r["name"] == "checkout.closed")
        .unwrap();
    assert_eq!(row["verdict"], "regressed");
    let names: Vec<&str> =
        row["metrics"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["requests", "error_rate", "achieved_rps", "latency_p50_ns", "latency_p99_ns"]
    );
    // The same load on both sides: no change.
    assert!(run(&["diff", b, b]).stdout.contains("0 regressed, 0 improved"));
    std::fs::remove_dir_all(dir).unwrap();
}
