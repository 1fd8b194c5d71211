//! A small async service with live numbers: profiled, cached and retried fns; `/metrics` and
//! `/report.json` on 127.0.0.1:9464 (or `PERF_METRICS_ADDR`); the JSON report rewritten every
//! interval. It handles requests and serves its numbers until stopped (Ctrl-C), then writes
//! its last report.
//!
//! ```text
//! cargo run --release --example service
//! curl -s 127.0.0.1:9464/metrics | grep perf_calls_total
//! ```
//!
//! Env: `PERF_SERVICE_REQUESTS=N` handles N requests and then only serves its numbers (without
//! it, requests go on until the end); `PERF_SERVICE_DURATION=60s` ends the run that long after
//! start, as Ctrl-C does. Snapshots go to `PERF_REPORT_JSON` (default
//! `target/perf/service.json`) every `PERF_REPORT_INTERVAL` (default 1s).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use perf_runtime::{cached, profile, retry};

/// A quick dependency: about 5ms.
#[profile(name = "service.fast")]
async fn fast_query() {
    tokio::time::sleep(Duration::from_millis(5)).await;
}

/// A slow dependency: about 50ms.
#[profile(name = "service.slow")]
async fn slow_query() {
    tokio::time::sleep(Duration::from_millis(50)).await;
}

#[cached(ttl = "1m", name = "service.user")]
async fn user(id: u64) -> String {
    tokio::time::sleep(Duration::from_millis(1)).await;
    format!("user {id}")
}

static UPSTREAM_CALLS: AtomicU64 = AtomicU64::new(0);

/// Fails every third attempt, so some calls need a retry.
#[retry(attempts = 3, backoff = fixed("1ms"), jitter = "none", name = "service.upstream")]
async fn upstream(request: u64) -> Result<u64, String> {
    if UPSTREAM_CALLS.fetch_add(1, Ordering::Relaxed) % 3 == 2 {
        return Err("upstream busy".into());
    }
    Ok(request * 2)
}

/// One request: one slow query in ten, else a fast one; a cached lookup; an upstream call.
#[profile(name = "service.handle", budget = "p99 < 500ms, errors < 1%")]
async fn handle(request: u64) -> Result<u64, String> {
    if request % 10 == 9 {
        slow_query().await;
    } else {
        fast_query().await;
    }
    let _name = user(request % 4).await;
    upstream(request).await
}

fn env_duration(name: &str) -> Option<Duration> {
    let text = std::env::var(name).ok()?;
    let text = text.trim();
    let (number, scale) = match text.strip_suffix("ms") {
        Some(n) => (n, 1e-3),
        None => (text.strip_suffix('s').unwrap_or(text), 1.0),
    };
    number.parse::<f64>().ok().map(|n| Duration::from_secs_f64(n * scale))
}

/// Handles `requests` requests (without a count, requests until the run ends), then idles.
async fn workload(requests: Option<u64>, serving: Option<String>) {
    let mut ok = 0;
    let mut request = 0;
    while requests.is_none_or(|n| request < n) {
        if handle(request).await.is_ok() {
            ok += 1;
        }
        if request == 0 {
            // With PERF_METRICS_ADDR, the endpoint starts on the first profiled call.
            match &serving {
                Some(addr) => println!(
                    "perf-service: scrape http://{addr}/metrics (Prometheus) and \
                     http://{addr}/report.json; Ctrl-C stops"
                ),
                None => println!("perf-service: no endpoint; Ctrl-C stops"),
            }
        }
        request += 1;
    }
    let report = perf_runtime::Report::collect();
    let calls: u64 = report.functions.iter().map(|f| f.calls).sum();
    // Tests wait for this line before they scrape.
    println!("perf-service: workload done: {request} requests, {ok} ok, {calls} profiled calls");
    std::future::pending::<()>().await;
}

#[tokio::main]
pub async fn main() {
    let started = Instant::now();
    let requests = std::env::var("PERF_SERVICE_REQUESTS").ok().and_then(|n| n.parse().ok());
    let run_for = env_duration("PERF_SERVICE_DURATION");
    let json_path = std::env::var_os("PERF_REPORT_JSON")
        .map_or_else(|| "target/perf/service.json".into(), Into::into);
    perf_runtime::configure(perf_runtime::Config {
        json_path: Some(json_path),
        interval: Some(env_duration("PERF_REPORT_INTERVAL").unwrap_or(Duration::from_secs(1))),
        quiet: true,
        ..Default::default()
    });
    // Without PERF_METRICS_ADDR, serve on the Prometheus exporter port ourselves.
    let (_server, serving) = match std::env::var("PERF_METRICS_ADDR") {
        Ok(addr) => (None, Some(addr)),
        Err(_) => match perf_runtime::export::serve("127.0.0.1:9464") {
            Ok(server) => {
                let addr = server.addr().to_string();
                (Some(server), Some(addr))
            }
            Err(e) => {
                eprintln!("{e}");
                (None, None)
            }
        },
    };

    let run_out = async {
        match run_for {
            Some(run_for) => tokio::time::sleep(run_for.saturating_sub(started.elapsed())).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        () = workload(requests, serving) => {}
        () = run_out => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    perf_runtime::report();
    println!("perf-service: stopped");
}
