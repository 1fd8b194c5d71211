//! The cost of live numbers: rendering `/metrics` for 1,000 profiled fns (time and bytes), in
//! the text format and in the protobuf one (with native histograms), and `/report.json` (also
//! over HTTP from `serve`), and the per-call cost of a profiled fn on 2 threads while `/metrics`
//! is scraped at 10 Hz, as a ratio against no scraping measured in the same run.

use std::hint::black_box;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[path = "support/threads.rs"]
mod threads;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use perf_runtime::profile;

#[macro_use]
#[path = "support/tens.rs"]
mod tens;

// 1,000 profiled fns: ten modules of ten modules of ten, each leaf with its own fn (its name
// is its module path), which spins for the number of rounds it is given.
macro_rules! leaf {
    () => {
        #[perf_runtime::profile]
        pub fn work(rounds: u64) -> u64 {
            (0..rounds).fold(0, |a, i| std::hint::black_box(a ^ i))
        }

        /// Calls spread over three decades of time, so each fn fills several buckets.
        pub fn call_all() {
            for rounds in [10, 100, 1_000, 10_000] {
                work(rounds);
            }
        }
    };
}

macro_rules! hundreds {
    () => {
        tens!(leaf);
    };
}

macro_rules! thousands {
    () => {
        tens!(hundreds);
    };
}

mod many {
    tens!(thousands);
}

/// What a Prometheus with native histograms on asks for.
const PROTOBUF_ACCEPT: &str =
    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited";

#[profile(name = "export_bench.hot")]
#[inline(never)]
fn hot(x: u64) -> u64 {
    black_box(x)
}

/// Whether the scraper renders `/metrics` every 100ms; it runs for the whole bench, so that
/// starting it is never part of a measurement.
static SCRAPING: AtomicBool = AtomicBool::new(false);

fn start_scraper() {
    std::thread::spawn(|| {
        loop {
            if SCRAPING.load(Ordering::Relaxed) {
                black_box(perf_runtime::export::prometheus());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
}

/// `GET path` on a connection of its own, as a scraper does: the whole answer's length.
fn http_get(addr: SocketAddr, path: &str) -> usize {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    assert!(raw.starts_with(b"HTTP/1.1 200 "));
    raw.len()
}

/// Per-call time of `hot` on 2 threads for `iters` calls, scraped at 10 Hz when `scrape`.
fn calls_on_two_threads(iters: u64, scrape: bool) -> Duration {
    SCRAPING.store(scrape, Ordering::Relaxed);
    let took = threads::per_thread_time(2, iters, hot);
    SCRAPING.store(false, Ordering::Relaxed);
    took
}

fn bench(c: &mut Criterion) {
    many::call_all();
    start_scraper();
    let text = perf_runtime::export::prometheus();
    let fns = text.lines().filter(|l| l.starts_with("perf_calls_total{")).count();
    assert!(fns >= 1_000, "{fns} fns");
    eprintln!("export: /metrics for {fns} profiled fns is {} bytes", text.len());
    let protobuf = || perf_runtime::export::metrics_response(Some(PROTOBUF_ACCEPT));
    let (content_type, body) = protobuf();
    assert!(content_type.starts_with("application/vnd.google.protobuf"));
    eprintln!("export: /metrics in protobuf for {fns} profiled fns is {} bytes", body.len());

    let mut g = c.benchmark_group("export");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("render_1000_fns", |b| b.iter(perf_runtime::export::prometheus));
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("render_1000_fns_protobuf", |b| b.iter(protobuf));
    g.throughput(Throughput::Bytes(text.len() as u64));
    let report = perf_runtime::Report::collect();
    g.bench_function("report_to_prometheus_1000_fns", |b| b.iter(|| report.to_prometheus()));
    g.finish();

    // `/report.json` as the endpoint renders it: collect, then the report's own JSON.
    let json = perf_runtime::Report::collect().to_json().to_string();
    eprintln!("export: /report.json for {fns} profiled fns is {} bytes", json.len());
    let server = perf_runtime::export::serve("127.0.0.1:0").unwrap();
    let mut g = c.benchmark_group("export_report_json");
    g.throughput(Throughput::Bytes(json.len() as u64));
    g.bench_function("render_1000_fns", |b| {
        b.iter(|| perf_runtime::Report::collect().to_json().to_string())
    });
    g.bench_function("http_get_1000_fns", |b| b.iter(|| http_get(server.addr(), "/report.json")));
    g.finish();
    server.stop();
    // Where the time of one `/report.json` goes: median of 5 of each stage.
    let median_of_5 = |f: &mut dyn FnMut()| {
        let mut took: Vec<Duration> = (0..5)
            .map(|_| {
                let started = Instant::now();
                f();
                started.elapsed()
            })
            .collect();
        took.sort();
        took[2]
    };
    let report = perf_runtime::Report::collect();
    let value = report.to_json();
    eprintln!(
        "export: /report.json for {fns} fns: Report::collect {:?}, to_json {:?}, to_string {:?}",
        median_of_5(&mut || drop(black_box(perf_runtime::Report::collect()))),
        median_of_5(&mut || drop(black_box(report.to_json()))),
        median_of_5(&mut || drop(black_box(value.to_string()))),
    );

    let mut g = c.benchmark_group("export_scrape");
    g.bench_function("hot_2_threads_no_scrape", |b| {
        b.iter_custom(|iters| calls_on_two_threads(iters, false))
    });
    g.bench_function("hot_2_threads_scrape_10hz", |b| {
        b.iter_custom(|iters| calls_on_two_threads(iters, true))
    });
    g.finish();

    // The ratio from interleaved rounds of the same length, so drift on a shared machine
    // hits both sides alike.
    let iters = 20_000_000;
    let (mut quiet, mut scraped) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        quiet.push(calls_on_two_threads(iters, false).as_secs_f64() * 1e9 / iters as f64);
        scraped.push(calls_on_two_threads(iters, true).as_secs_f64() * 1e9 / iters as f64);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (q, s) = (median(&mut quiet), median(&mut scraped));
    eprintln!(
        "export: hot fn on 2 threads: {q:.2} ns/call unscraped, {s:.2} ns/call scraped at \
         10 Hz: ratio {:.3} (median of 7 interleaved rounds of {iters} calls)",
        s / q
    );
    let started = Instant::now();
    black_box(perf_runtime::export::prometheus());
    eprintln!("export: one render with {fns} fns took {:?}", started.elapsed());
    let started = Instant::now();
    black_box(protobuf());
    eprintln!("export: one protobuf render with {fns} fns took {:?}", started.elapsed());
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
