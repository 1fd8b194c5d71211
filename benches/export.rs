//! The cost of live numbers: rendering `/metrics` for 1,000 profiled fns (time and bytes), in
//! the text format and in the protobuf one (with native histograms), and
//! the per-call cost of a profiled fn on 2 threads while `/metrics` is scraped at 10 Hz, as a
//! ratio against no scraping measured in the same run.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[path = "support/threads.rs"]
mod threads;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use perf_runtime::profile;

// 1,000 profiled fns: ten modules of ten modules of ten, each leaf with its own fn (its name
// is its module path), which spins for the number of rounds it is given.
macro_rules! tens {
    ($inner:ident) => {
        tens!(@ $inner m0 m1 m2 m3 m4 m5 m6 m7 m8 m9);
    };
    (@ $inner:ident $($m:ident)*) => {
        $(pub mod $m { $inner!(); })*
        pub fn call_all() {
            $($m::call_all();)*
        }
    };
}

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
