//! Against a real Prometheus: a private `prometheus` scrapes two processes of
//! `examples/service.rs` every second; its HTTP API then sums their calls and computes a median
//! from the merged buckets. One with native histograms on (it asks for the protobuf format)
//! gives a p99 within 10% of the report's, where the classic buckets cannot. Also: a killed
//! service leaves its last snapshot.
//!
//! The children are this test binary again, running the ignored test `service_child`, which
//! runs the example's `main` (included below), so no separate build of the example is needed.
//! Without `prometheus` the test skips with a reason, except under `CI=true`.

#[path = "../examples/service.rs"]
#[allow(dead_code)]
mod service;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use perf_runtime::Report;

/// How long any one wait may take before the test gives up: generous, since it bounds a wait
/// for events, not a speed.
const PATIENCE: Duration = Duration::from_secs(120);

#[test]
#[ignore = "run by the tests below, in a child process"]
fn service_child() {
    service::main();
}

fn installed(program: &str) -> bool {
    let ok = Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "{program} is missing, and CI=true requires it: apt-get install prometheus"
        );
        // Not `eprintln!`, which libtest captures: a normal `cargo test` shows this line.
        let line = format!("skipped: no {program} binary on PATH (apt-get install prometheus)\n");
        let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
    }
    ok
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("perf-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Child processes, killed when the test ends however it ends.
struct Children(Vec<Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts one service process serving on `port`; returns it and a receiver of its stdout lines.
fn spawn_service(
    port: u16,
    instance: &str,
    json: &Path,
    interval: &str,
    requests: u32,
) -> (Child, mpsc::Receiver<String>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "service_child", "--nocapture", "--test-threads=1"])
        .env("PERF_METRICS_ADDR", format!("127.0.0.1:{port}"))
        .env("PERF_INSTANCE", instance)
        .env("PERF_SERVICE_REQUESTS", requests.to_string())
        .env("PERF_SERVICE_DURATION", "110s")
        .env("PERF_REPORT_JSON", json)
        .env("PERF_REPORT_INTERVAL", interval)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

fn wait_for_line(rx: &mpsc::Receiver<String>, starts: &str) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            // The harness may print `test service_child ... ` before it on the same line.
            Ok(line) if line.contains(starts) => return line,
            Ok(_) => {}
            Err(e) => panic!("no line {starts:?} from the service: {e}"),
        }
    }
}

/// `GET path` over HTTP/1.0 (so no chunked body), returning the body.
fn http_get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(PATIENCE)).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    assert!(head.contains(" 200 "), "GET {path}: {head}\n{body}");
    body.to_owned()
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An instant query's result vector, as (labels, value) pairs.
fn query(port: u16, promql: &str) -> Vec<(serde_json::Value, f64)> {
    let body = http_get(port, &format!("/api/v1/query?query={}", percent_encode(promql)));
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["status"], "success", "{promql}: {json}");
    json["data"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["metric"].clone(), r["value"][1].as_str().unwrap().parse().unwrap()))
        .collect()
}

/// Starts a private Prometheus (data and log under `dir`) scraping `targets` every second,
/// with native histograms on when `native`; returns its port.
fn start_prometheus(dir: &Path, targets: &[u16], native: bool, children: &mut Children) -> u16 {
    std::fs::create_dir_all(dir).unwrap();
    let port = free_port();
    let config = dir.join("prometheus.yml");
    let targets: Vec<String> = targets.iter().map(|p| format!("'127.0.0.1:{p}'")).collect();
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
             scrape_configs:\n  - job_name: perf\n    static_configs:\n      \
             - targets: [{}]\n",
            targets.join(", ")
        ),
    )
    .unwrap();
    let log = std::fs::File::create(dir.join("prometheus.log")).unwrap();
    let mut command = Command::new("prometheus");
    command
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"));
    if native {
        command.arg("--enable-feature=native-histograms");
    }
    children.0.push(command.stdout(log.try_clone().unwrap()).stderr(log).spawn().unwrap());
    port
}

/// Waits until Prometheus has scraped each of its `targets` twice (two `perf_info` samples
/// per target).
fn wait_for_scrapes(port: u16, targets: usize, dir: &Path) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let ready = TcpStream::connect(("127.0.0.1", port)).is_ok()
            && query(port, "count_over_time(perf_info[5m])")
                .iter()
                .filter(|(_, n)| *n >= 2.0)
                .count()
                == targets;
        if ready {
            return;
        }
        let log = std::fs::read_to_string(dir.join("prometheus.log")).unwrap_or_default();
        assert!(Instant::now() < deadline, "Prometheus did not scrape each target twice:\n{log}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
#[cfg_attr(no_prometheus, ignore = "needs prometheus: apt-get install prometheus")]
fn prometheus_sums_two_processes_and_finds_the_median_bucket() {
    if !installed("prometheus") {
        return;
    }
    let dir = temp_dir("prometheus");
    let ports = [free_port(), free_port()];
    let mut children = Children(Vec::new());
    let mut outputs = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        let json = dir.join(format!("service-{i}.json"));
        let (child, rx) = spawn_service(*port, &format!("svc-{i}"), &json, "1s", 30);
        children.0.push(child);
        outputs.push(rx);
    }
    for rx in &outputs {
        wait_for_line(rx, "perf-service: workload done");
    }
    // Each process's own account, through its endpoint; the workload is over, so it stays.
    let reports: Vec<Report> = ports
        .iter()
        .map(|p| serde_json::from_str(&http_get(*p, "/report.json")).unwrap())
        .collect();
    let calls: u64 = reports.iter().flat_map(|r| &r.functions).map(|f| f.calls).sum();
    assert_eq!(calls, 2 * (30 + 30), "each process: 30 handled requests, 30 queries");
    let merged = Report::merge(&reports).unwrap();
    let fast_p50_s = merged.function("service.fast").unwrap().p50_ns as f64 / 1e9;

    let prom_port = start_prometheus(&dir, &ports, false, &mut children);
    wait_for_scrapes(prom_port, ports.len(), &dir);

    let sum = query(prom_port, "sum(perf_calls_total)");
    assert_eq!(sum.len(), 1);
    assert_eq!(sum[0].1, calls as f64, "Prometheus's sum of both processes' calls");

    // The median of the fast query over both replicas, from the summed buckets, lies in the
    // bucket that holds the median the merged reports give.
    let median = query(
        prom_port,
        "histogram_quantile(0.5, sum by (le) (perf_call_duration_seconds_bucket{fn=\"service.fast\"}))",
    );
    let q = median[0].1;
    let bounds = perf_runtime::export::DEFAULT_BUCKETS;
    let upper = bounds.iter().position(|b| *b >= fast_p50_s).unwrap();
    let lower = if upper == 0 { 0.0 } else { bounds[upper - 1] };
    assert!(
        lower < q && q <= bounds[upper],
        "median {q}s is not in ({lower}, {}], the bucket of the reports' p50 {fast_p50_s}s",
        bounds[upper]
    );
    // The sleep was 5ms: the bucket is the one above 5ms.
    assert!(bounds[upper] >= 0.005);

    // perf_info's instance label meets Prometheus's own: it is kept as exported_instance.
    let info = query(prom_port, "perf_info");
    let mut instances: Vec<String> = info
        .iter()
        .map(|(m, _)| m["exported_instance"].as_str().unwrap_or_default().to_owned())
        .collect();
    instances.sort();
    assert_eq!(instances, ["svc-0", "svc-1"]);
    drop(children);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The case: `service.handle`'s p99 lies among its slow calls (one in ten takes 50ms),
/// where the classic bucket is (50ms, 100ms] and linear interpolation lands far from it. The
/// native histogram's bucket is 9% wide: the p99 PromQL gives is within 10% of the report's.
#[test]
#[cfg_attr(no_prometheus, ignore = "needs prometheus: apt-get install prometheus")]
fn native_histograms_give_the_reports_p99_within_ten_percent() {
    if !installed("prometheus") {
        return;
    }
    let dir = temp_dir("prometheus-native");
    let port = free_port();
    let mut children = Children(Vec::new());
    let (child, rx) = spawn_service(port, "svc-native", &dir.join("service.json"), "1s", 200);
    children.0.push(child);
    wait_for_line(&rx, "perf-service: workload done");
    // The workload is over: the histogram Prometheus scrapes is the one the report reads.
    let report: Report = serde_json::from_str(&http_get(port, "/report.json")).unwrap();
    let handle = report.function("service.handle").unwrap();
    assert_eq!(handle.calls, 200);
    let report_p99 = handle.p99_ns as f64 / 1e9;

    let native = start_prometheus(&dir.join("native"), &[port], true, &mut children);
    let classic = start_prometheus(&dir.join("classic"), &[port], false, &mut children);
    wait_for_scrapes(native, 1, &dir.join("native"));
    wait_for_scrapes(classic, 1, &dir.join("classic"));

    let quantile = |prom: u16, promql: &str| -> f64 {
        let result = query(prom, promql);
        assert_eq!(result.len(), 1, "{promql}: {result:?}");
        result[0].1
    };
    let native_p99 = quantile(
        native,
        "histogram_quantile(0.99, sum by (fn) (perf_call_duration_seconds{fn=\"service.handle\"}))",
    );
    let classic_p99 = quantile(
        classic,
        "histogram_quantile(0.99, sum by (le, fn) \
         (perf_call_duration_seconds_bucket{fn=\"service.handle\"}))",
    );
    let off = |q: f64| (q / report_p99 - 1.0) * 100.0;
    eprintln!(
        "service.handle p99: report {:.2} ms, PromQL native {:.2} ms ({:+.1}%), classic {:.2} ms \
         ({:+.1}%)",
        report_p99 * 1e3,
        native_p99 * 1e3,
        off(native_p99),
        classic_p99 * 1e3,
        off(classic_p99)
    );
    assert!(
        off(native_p99).abs() <= 10.0,
        "native p99 {native_p99}s is not within 10% of the report's {report_p99}s"
    );
    // The native histogram counts every call, as the report does.
    let count =
        quantile(native, "histogram_count(perf_call_duration_seconds{fn=\"service.handle\"})");
    assert_eq!(count, 200.0);
    // Both scrapers see the same families: the protobuf exposition lacks none.
    let families = |prom: u16| -> Vec<String> {
        let mut names: Vec<String> =
            query(prom, "count by (__name__) ({job=\"perf\",__name__!~\"perf_call_duration.*\"})")
                .into_iter()
                .map(|(m, _)| m["__name__"].as_str().unwrap().to_owned())
                .collect();
        names.sort();
        names
    };
    assert_eq!(families(native), families(classic));
    drop(children);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_killed_service_leaves_its_last_snapshot() {
    let dir = temp_dir("snapshot");
    let json = dir.join("report.json");
    let (child, rx) = spawn_service(free_port(), "svc-killed", &json, "100ms", 30);
    let mut children = Children(vec![child]);
    wait_for_line(&rx, "perf-service: workload done");
    // Snapshots after the workload hold all its calls; wait for one, then kill -9.
    let deadline = Instant::now() + PATIENCE;
    let calls = |r: &Report| r.functions.iter().map(|f| f.calls).sum::<u64>();
    loop {
        let read =
            std::fs::read(&json).ok().and_then(|b| serde_json::from_slice::<Report>(&b).ok());
        if read.as_ref().is_some_and(|r| calls(r) == 60) {
            break;
        }
        assert!(Instant::now() < deadline, "no snapshot with the workload's calls");
        std::thread::sleep(Duration::from_millis(50));
    }
    children.0[0].kill().unwrap();
    children.0[0].wait().unwrap();
    // Whatever instant the kill hit, the file is a whole report (written through a rename).
    let report: Report = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(calls(&report), 60);
    assert_eq!(report.instance, "svc-killed");
    assert_eq!(report.function("service.slow").unwrap().calls, 3);
    drop(children);
    let _ = std::fs::remove_dir_all(&dir);
}
