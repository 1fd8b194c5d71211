//! Prometheus exposition: `promtool check metrics` accepts real output (names with quotes,
//! backslashes, newlines and non-ASCII), the buckets hold exactly the histogram's counts, and
//! `/metrics` agrees with the report.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use perf_runtime::{Report, cached, profile, retry};

const ODD_NAME: &str = "odd \"quoted\" back\\slash\nnew line é 名 \\n";

#[profile(name = "odd \"quoted\" back\\slash\nnew line é 名 \\n")]
fn odd(us: u64) {
    std::thread::sleep(Duration::from_micros(us));
}

#[profile(name = "export.async")]
async fn async_step() -> Result<(), String> {
    tokio::task::yield_now().await;
    Err("always".into())
}

#[cached(ttl = "1m", name = "export \"cache\"")]
fn cached_square(x: u64) -> u64 {
    x * x
}

#[retry(attempts = 3, backoff = fixed("1ms"), jitter = "none", name = "export\\retry")]
fn flaky(left: &std::cell::Cell<u32>) -> Result<u32, String> {
    if left.get() > 0 {
        left.set(left.get() - 1);
        return Err("busy".into());
    }
    Ok(1)
}

#[perf_runtime::bench(name = "export.bench", samples = 5, time = "5ms", warmup = "1ms")]
fn tiny() -> u32 {
    std::hint::black_box(3)
}

/// Tests here reset and configure the whole process: one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn record_everything() {
    for us in [1, 10, 100, 1_000, 3_000] {
        odd(us);
    }
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let _ = rt.block_on(async_step());
    for x in [1, 2, 1, 1] {
        cached_square(x);
    }
    flaky(&std::cell::Cell::new(1)).unwrap();
    perf_runtime::bench::run("export.bench");
}

/// `Some(path)` of `promtool`, `None` (with the reason printed) where it is missing, a
/// failure under `CI=true`.
fn promtool() -> Option<&'static str> {
    let found =
        Command::new("promtool").arg("--version").output().is_ok_and(|o| o.status.success());
    if found {
        return Some("promtool");
    }
    assert_ne!(
        std::env::var("CI").as_deref(),
        Ok("true"),
        "promtool is missing, and CI=true requires it: apt-get install prometheus"
    );
    // Not `eprintln!`, which libtest captures: a normal `cargo test` shows this line.
    let line = "skipped: promtool not found (apt-get install prometheus)\n";
    let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
    None
}

fn promtool_check(text: &str) {
    let Some(promtool) = promtool() else { return };
    let mut child = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let said =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && said.trim().is_empty(), "promtool: {said}\n---\n{text}");
}

/// The value of the sample line that starts with `prefix ` (name and labels as rendered).
fn value(text: &str, prefix: &str) -> f64 {
    let line = text
        .lines()
        .find(|l| l.strip_prefix(prefix).is_some_and(|rest| rest.starts_with(' ')))
        .unwrap_or_else(|| panic!("no sample {prefix}\n{text}"));
    line[prefix.len() + 1..].parse().unwrap()
}

fn escaped(name: &str) -> String {
    name.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[test]
#[cfg_attr(no_promtool, ignore = "needs promtool: apt-get install prometheus")]
fn promtool_accepts_live_and_report_output() {
    let _serial = serial();
    record_everything();
    let live = perf_runtime::export::prometheus();
    promtool_check(&live);
    promtool_check(&Report::collect().to_prometheus());

    let label = format!("fn=\"{}\"", escaped(ODD_NAME));
    assert!(live.contains(&format!("perf_calls_total{{{label}}}")), "{live}");
    assert!(live.contains("perf_busy_seconds_total{fn=\"export.async\"}"));
    // Other tests record and reset meanwhile: check names and escaping, not counts.
    assert!(live.contains("perf_cache_hits_total{cache=\"export \\\"cache\\\"\",level=\"l1\"} "));
    assert!(live.contains("perf_retry_retries_total{retry=\"export\\\\retry\"} "));
    assert!(live.contains("perf_bench_seconds{bench=\"export.bench\",stat=\"median\"}"));
    assert!(live.contains("perf_info{version=\"0.1.0\",instance=\""));
    for family in ["perf_calls_total", "perf_call_duration_seconds", "perf_cache_entries"] {
        assert!(live.contains(&format!("# HELP {family} ")), "{family}");
        assert!(live.contains(&format!("# TYPE {family} ")), "{family}");
    }
}

#[test]
fn buckets_hold_exactly_the_histograms_counts() {
    let _serial = serial();
    record_everything();
    let report = Report::collect();
    let text = report.to_prometheus();
    let live = perf_runtime::export::prometheus();
    let f = report.function(ODD_NAME).unwrap();
    let h = f.decode_histogram().unwrap();
    let label = format!("fn=\"{}\"", escaped(ODD_NAME));
    for le in perf_runtime::export::DEFAULT_BUCKETS {
        let bound_ns = (le * 1e9).round() as u64;
        // Counted by the highest value of each HdrHistogram bucket, as percentiles are.
        let expected: u64 = h
            .iter_recorded()
            .filter(|v| v.value_iterated_to() <= bound_ns)
            .map(|v| v.count_at_value())
            .sum();
        let prefix = format!("perf_call_duration_seconds_bucket{{{label},le=\"{le}\"}}");
        assert_eq!(value(&text, &prefix), expected as f64, "{prefix}");
    }
    let count = format!("perf_call_duration_seconds_count{{{label}}}");
    assert_eq!(value(&text, &count), f.calls as f64);
    let sum = format!("perf_call_duration_seconds_sum{{{label}}}");
    assert_eq!(value(&text, &sum), f.total_ns as f64 / 1e9);
    let calls = format!("perf_calls_total{{{label}}}");
    assert!(value(&live, &calls) >= 1.0);
}

#[test]
fn metrics_follow_reset_as_reports_do() {
    let _serial = serial();
    #[profile(name = "export.reset")]
    fn after_reset(us: u64) {
        std::thread::sleep(Duration::from_micros(us));
    }
    for _ in 0..3 {
        after_reset(2_000);
    }
    let before = perf_runtime::export::prometheus();
    assert_eq!(value(&before, "perf_calls_total{fn=\"export.reset\"}"), 3.0);
    // reset() clears every fn; other tests of this binary may record meanwhile, so look only
    // at this fn, which only this test calls.
    perf_runtime::reset();
    after_reset(20);
    let after = perf_runtime::export::prometheus();
    assert_eq!(value(&after, "perf_calls_total{fn=\"export.reset\"}"), 1.0);
    let inf = "perf_call_duration_seconds_bucket{fn=\"export.reset\",le=\"+Inf\"}";
    assert_eq!(value(&after, inf), 1.0);
    // Live reading subtracts the reset's baseline bucket by bucket, as the report does.
    let report = Report::collect().to_prometheus();
    let buckets = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with("perf_call_duration_seconds_bucket{fn=\"export.reset\""))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(buckets(&after), buckets(&report));
    assert_eq!(buckets(&after).len(), perf_runtime::export::DEFAULT_BUCKETS.len() + 1);
}

#[test]
fn configured_buckets_are_used() {
    let _serial = serial();
    // Only this test configures; the bounds apply to the whole process, so it checks with a
    // fn of its own and restores the default.
    #[profile(name = "export.buckets")]
    fn bucketed() {}
    bucketed();
    perf_runtime::configure(perf_runtime::Config {
        buckets: Some(vec![0.5, 2.0]),
        quiet: true,
        ..Default::default()
    });
    let text = perf_runtime::export::prometheus();
    perf_runtime::configure(perf_runtime::Config { quiet: true, ..Default::default() });
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("perf_call_duration_seconds_bucket{fn=\"export.buckets\""))
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].contains("le=\"0.5\"} 1"));
    assert!(lines[1].contains("le=\"2\"} 1"));
    assert!(lines[2].contains("le=\"+Inf\"} 1"));
}
