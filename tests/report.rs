//! The report: JSON that validates against `schema/report.schema.json`, atomic file writes,
//! `PERF_REPORT_JSON`, and the table.

use std::time::Duration;

use perf_runtime::{Report, profile};

#[path = "support/schema.rs"]
mod schema;

#[profile(slow = "1ms")]
fn step(ms: u64) -> Result<u64, String> {
    std::thread::sleep(Duration::from_millis(ms));
    if ms == 0 { Err("zero".into()) } else { Ok(ms) }
}

#[profile(name = "report.async_step")]
async fn async_step() -> u8 {
    tokio::task::yield_now().await;
    1
}

#[perf_runtime::retry(attempts = 3, backoff = none, timed = true, name = "report.flaky")]
fn flaky(fail_first: bool, seen: &std::cell::Cell<u32>) -> Result<u32, String> {
    seen.set(seen.get() + 1);
    if fail_first && seen.get() == 1 { Err("once".into()) } else { Ok(seen.get()) }
}

#[perf_runtime::cached(ttl = "1m", name = "report.squares")]
fn square(x: u64) -> u64 {
    x * x
}

#[perf_runtime::bench(name = "report.bench", samples = 5, time = "5ms", warmup = "1ms")]
fn tiny() -> u32 {
    std::hint::black_box(3)
}

fn record_some_calls() {
    for x in [1, 2, 1] {
        square(x);
    }
    for ms in [0, 1, 2] {
        let _ = step(ms);
    }
    for fail_first in [true, false] {
        flaky(fail_first, &std::cell::Cell::new(0)).unwrap();
    }
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async_step());
}

#[test]
fn json_validates_against_the_schema() {
    record_some_calls();
    let validator = schema::validator();
    perf_runtime::bench::run("report.bench");
    let json = serde_json::from_str::<serde_json::Value>(&Report::collect().to_json()).unwrap();
    schema::assert_valid(&json);

    let f = json["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "report.async_step")
        .unwrap();
    assert_eq!(f["is_async"], true);
    assert!(f["busy_p99_ns"].is_u64());

    // The schema is not vacuous: a report missing a field or with a wrong type fails.
    assert!(
        schema::is_utc_time("2026-12-07T23:37:02.599Z")
            && schema::is_utc_time("2026-12-07T23:37:02Z")
    );
    assert!(
        !schema::is_utc_time("2026-13-07T23:37:02Z") && !schema::is_utc_time("2026-12-07 23:37Z")
    );
    assert!(schema::is_base64("SElTVA==") && !schema::is_base64("a*b="));
    let mut broken = json.clone();
    broken["functions"][0].as_object_mut().unwrap().remove("p99_ns");
    assert!(!validator.is_valid(&broken));
    let mut broken = json;
    broken["functions"][0]["calls"] = serde_json::json!("3");
    assert!(!validator.is_valid(&broken));
}

// A bench whose body the harness cannot tell from its own loop measures 0.00ns (issue #18:
// its rate was written as `null` where the schema wanted a number, and did not read back).
#[test]
fn a_zero_time_bench_is_valid_by_the_schema_and_reads_back() {
    let zero = perf_runtime::bench::BenchResult {
        name: "report.zero".into(),
        samples: 5,
        iterations: 1_000_000,
        mean_ns: 0.0,
        median_ns: 0.0,
        stddev_ns: 0.0,
        mad_ns: 0.0,
        min_ns: 0.0,
        max_ns: 0.0,
        p99_ns: 0.0,
        ops_per_sec: None,
        ci95_low_ns: 0.0,
        ci95_high_ns: 0.0,
        outliers: 0,
        baseline: Some(perf_runtime::bench::BaselineComparison {
            name: "main".into(),
            change_pct: None,
            change_ci95_pct: None,
            verdict: "no change".into(),
        }),
    };
    let mut report = Report::collect();
    report.benches = vec![zero];
    let json = serde_json::from_str::<serde_json::Value>(&report.to_json()).unwrap();
    schema::assert_valid(&json);
    assert!(json["benches"][0]["ops_per_sec"].is_null());
    let back: Report = serde_json::from_value(json).unwrap();
    assert_eq!(back, report);
    assert!(report.to_string().contains("unbounded"), "{report}");
}

#[test]
fn histogram_round_trips_and_matches_the_counts() {
    record_some_calls();
    let report = Report::collect();
    let f = report.function(&format!("{}::step", module_path!())).unwrap();
    let h = f.decode_histogram().expect("valid base64 V2 histogram");
    assert_eq!(h.len(), f.calls);
    assert_eq!(h.value_at_quantile(0.99), f.p99_ns);
    assert_eq!(h.max(), f.max_ns);
}

#[test]
fn write_json_is_atomic_and_creates_directories() {
    record_some_calls();
    let dir = std::env::temp_dir().join(format!("perf-report-{}", std::process::id()));
    let path = dir.join("nested/report.json");
    let report = Report::collect();
    report.write_json(&path).unwrap();
    let back: Report = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(back, report);
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, vec![std::ffi::OsString::from("report.json")]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn table_lists_fns_by_total_time_with_units() {
    record_some_calls();
    let report = Report::collect();
    let table = report.to_string();
    let header = table.lines().nth(1).unwrap();
    for column in
        ["function", "calls", "errors", "panics", "mean", "p50", "p90", "p99", "max", "total"]
    {
        assert!(header.contains(column), "{header}");
    }
    // Sorted by total time, as this report measured it (a stalled machine can make the
    // yielding fn's total pass the sleeping one's).
    let step = table.lines().position(|l| l.contains("::step ")).unwrap();
    let async_step = table.lines().position(|l| l.contains("report.async_step")).unwrap();
    let total =
        |end: &str| report.functions.iter().find(|f| f.name.ends_with(end)).unwrap().total_ns;
    let (step_ns, async_ns) = (total("::step"), total("report.async_step"));
    if step_ns != async_ns {
        assert_eq!(step < async_step, step_ns > async_ns, "sorted by total time:\n{table}");
    }
    assert!(table.contains("ms"), "{table}");
    let caches = table.lines().skip_while(|l| *l != "caches:").nth(1).expect("a cache section");
    for column in ["cache", "hits", "misses", "hit%", "L1%", "L2%", "loads", "coalesced", "l2"] {
        assert!(caches.contains(column), "{caches}");
    }
    assert!(table.contains("report.squares") && table.contains("retries:"), "{table}");
}

/// Run by `report_env_var_writes_json` in a child process.
#[test]
#[ignore = "run as a child process"]
fn child_reports() {
    record_some_calls();
    perf_runtime::report();
}

#[test]
fn report_env_var_writes_json() {
    let path = std::env::temp_dir().join(format!("perf-env-{}.json", std::process::id()));
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "child_reports", "--nocapture"])
        .env("PERF_REPORT_JSON", &path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("perf report at") && stderr.contains("::step"), "{stderr}");
    let report: Report = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(report.function(&format!("{}::step", module_path!())).unwrap().calls, 3);
    std::fs::remove_file(&path).unwrap();
}
