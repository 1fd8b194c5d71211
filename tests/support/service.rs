//! `examples/service.rs` run as a child process serving its numbers on a port of its own, for
//! the tests that watch a running service from outside (a browser, Prometheus). The child is
//! the test binary again, running its ignored test `service_child`, which calls the example's
//! `main`: no separate build of the example.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long any one wait may take before the test gives up: generous, since it bounds a wait
/// for events, not a speed.
pub const PATIENCE: Duration = Duration::from_secs(120);

/// The first of `programs` whose `--version` runs; when none does, says why the test skips
/// (and fails under `CI=true`, where every tool must be there).
pub fn find_tool(programs: &[&'static str], package: &str) -> Option<&'static str> {
    let found = programs.iter().copied().find(|program| {
        Command::new(program)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if found.is_none() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "{} is missing, and CI=true requires it: apt-get install {package}",
            programs[0]
        );
        // Not `eprintln!`, which libtest captures: a normal `cargo test` shows this line.
        let line = format!("skipped: no {} on PATH (apt-get install {package})\n", programs[0]);
        let _ = std::io::stderr().write_all(line.as_bytes());
    }
    found
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("perf-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Child processes, killed when the test ends however it ends.
#[derive(Debug, Default)]
pub struct Children(pub Vec<Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts the service serving on `port`, handling requests until `run_for` has passed; waits
/// until it says it serves.
pub fn spawn_service(port: u16, json: &Path, run_for: &str, children: &mut Children) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "service_child", "--nocapture", "--test-threads=1"])
        .env("PERF_METRICS_ADDR", format!("127.0.0.1:{port}"))
        .env("PERF_INSTANCE", "svc-live")
        .env("PERF_SERVICE_DURATION", run_for)
        .env("PERF_REPORT_JSON", json)
        .env("PERF_REPORT_INTERVAL", "1s")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    children.0.push(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + PATIENCE;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            // The harness may print `test service_child ... ` before it on the same line.
            Ok(line) if line.contains("perf-service: scrape") => break,
            Ok(_) => {}
            Err(e) => panic!("the service did not start serving: {e}"),
        }
    }
}

/// `GET path` over HTTP/1.0 (so no chunked body): the status line and the body.
pub fn http_get(port: u16, path: &str) -> (String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(PATIENCE)).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    (head.to_owned(), body.to_owned())
}

/// Starts a private Prometheus (data and log under `dir`) scraping `targets` every second as
/// job `perf`; returns its port.
pub fn start_prometheus(dir: &Path, targets: &[u16], children: &mut Children) -> u16 {
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
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    children.0.push(child);
    port
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

/// An instant query's result vector, as (labels, value) pairs; `Err` with Prometheus's answer
/// when the query is refused (a syntax error, say).
pub fn query(port: u16, promql: &str) -> Result<Vec<(serde_json::Value, f64)>, String> {
    let (head, body) = http_get(port, &format!("/api/v1/query?query={}", percent_encode(promql)));
    let json: serde_json::Value =
        serde_json::from_str(&body).map_err(|e| format!("{head}: {e}: {body}"))?;
    if json["status"] != "success" {
        return Err(json.to_string());
    }
    Ok(json["data"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["metric"].clone(), r["value"][1].as_str().unwrap().parse().unwrap()))
        .collect())
}
