//! `#[load]` and `Load`: throughput and latency measured against what a known fn must give.
//!
//! Loads share the machine's two cores, so the tests take turns (`serial`), and each bound
//! is the tolerance or one derived from what the test measured itself.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use perf_runtime::load::{Load, LoadResult};
use perf_runtime::{Report, load};

#[path = "support/schema.rs"]
mod schema;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `load` on a 2-thread runtime of its own, when no other load of this file runs.
fn run<F, Fut>(load: Load<F>) -> LoadResult
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future + Send + 'static,
    Fut::Output: perf_runtime::load::LoadOutcome,
{
    let _serial = serial();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build();
    rt.unwrap().block_on(load.run())
}

trait Pipe: Sized {
    fn pipe<R>(self, f: impl FnOnce(Self) -> R) -> R {
        f(self)
    }
}
impl<T> Pipe for T {}

fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

#[test]
fn closed_loop_reaches_concurrency_over_latency() {
    // A fn that takes 10ms: `std::thread::sleep` on the blocking pool, since tokio's timer
    // rounds a 10ms sleep up to its next millisecond tick (about 11.2ms here).
    let sleep_10ms = |_| async {
        tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(10))).await
    };
    let r = Load::new("tests.closed", sleep_10ms)
        .concurrency(10)
        .duration(Duration::from_secs(2))
        .pipe(run);
    eprintln!("{r}");
    assert_eq!(r.mode, "closed");
    assert_eq!(r.errors, 0);
    // The issue asks for 1,000 rps within 10%: 10 workers × 100 calls a second, which holds
    // when the fn takes its 10ms (970–978 rps measured at a load average of 5). On a busy machine the
    // fn itself takes longer (a thread woken late), which is no fault of the generator, so
    // the bound is taken over the latency the run measured (Little's law: workers / mean
    // latency), within 5%; and above, no more than 10 workers' worth of 10ms calls.
    let little = |r: &LoadResult| 10.0 / (r.latency.mean_ns / 1e9);
    let rel = |r: &LoadResult| r.achieved_rps / little(r) - 1.0;
    assert!(rel(&r).abs() < 0.05, "{} vs {}", r.achieved_rps, little(&r));
    assert!(r.achieved_rps <= 1000.0 * 1.1, "{} rps", r.achieved_rps);
    if r.latency.mean_ns < 10_500_000.0 {
        assert!((r.achieved_rps - 1000.0).abs() <= 100.0, "{} rps", r.achieved_rps);
    }
    assert_eq!(r.latency, r.service, "a closed loop starts each call when it is due");
    assert!(r.latency.p50_ns >= 10_000_000);
    let timeline_requests: u64 = r.timeline.iter().map(|p| p.requests).sum();
    assert_eq!(timeline_requests, r.requests);
    assert!(r.timeline.len() >= 2, "{:?}", r.timeline);
    let tokio_sleep =
        Load::new("tests.closed.tokio_sleep", |_| tokio::time::sleep(Duration::from_millis(10)))
            .concurrency(10)
            .duration(Duration::from_secs(1))
            .pipe(run);
    assert!(rel(&tokio_sleep).abs() < 0.05, "{tokio_sleep}");
}

#[test]
fn open_loop_keeps_its_timetable() {
    let r = Load::new("tests.open", |seq| async move {
        std::hint::black_box(seq);
    })
    .rate(500)
    .duration(Duration::from_secs(2))
    .pipe(run);
    eprintln!("{r}");
    assert_eq!(r.mode, "open");
    assert_eq!(r.requests, 1000, "500 a second for 2 seconds, exactly");
    assert!((r.achieved_rps / 500.0 - 1.0).abs() <= 0.03, "{} rps", r.achieved_rps);
    let lateness = r.lateness.unwrap();
    assert!(lateness.mean_ns < 1_000_000.0, "mean lateness {}ms", lateness.mean_ns / 1e6);
    assert_eq!(r.late_starts, 0);
}

/// The stall: at 200 a second for 3 seconds, one call holds a shared lock for 500ms.
/// With one request in flight at a time (a single connection, as wrk runs one per
/// connection), the calls due during the stall wait for it; timed from their schedule they
/// show it, timed from their actual start they do not.
#[test]
fn coordinated_omission_is_corrected() {
    let lock = std::sync::Arc::new(tokio::sync::Mutex::new(()));
    let r = Load::new("tests.stall", move |seq| {
        let lock = lock.clone();
        async move {
            let _held = lock.lock().await;
            if seq == 100 {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    })
    .rate(200)
    .max_in_flight(1)
    .duration(Duration::from_secs(3))
    .pipe(run);
    eprintln!("{r}");
    assert_eq!(r.requests, 600);
    assert!(r.latency.p99_ns >= 250_000_000, "corrected p99 {}ms", ms(r.latency.p99_ns));
    assert!(r.latency.max_ns >= 500_000_000);
    // About 100 calls were due during the stall; each started late.
    assert!(r.late_starts >= 90, "{} late starts", r.late_starts);
    // The stalled call itself is the service time's max; its p99 (the 6th slowest of 600)
    // is one of the quick calls, far from 500ms even on a busy machine.
    assert!(r.service.max_ns >= 500_000_000);
    assert!(r.service.p99_ns < 100_000_000, "service p99 {}ms", ms(r.service.p99_ns));
}

#[test]
fn panics_and_timeouts_are_counted_and_the_run_finishes() {
    let r = Load::new("tests.faults", |seq| async move {
        match seq % 10 {
            0 => panic!("request {seq} panics"),
            5 => tokio::time::sleep(Duration::from_secs(5)).await,
            7 => return Err("refused"),
            _ => {}
        }
        Ok(())
    })
    .concurrency(4)
    .requests(50)
    .timeout(Duration::from_millis(50))
    .pipe(run);
    eprintln!("{r}");
    assert_eq!(r.requests, 50);
    let e = r.errors_by_kind;
    assert_eq!((e.panic, e.timeout, e.err), (5, 5, 5));
    assert_eq!((r.successes, r.errors), (35, 15));
}

#[test]
fn open_loop_panics_and_timeouts() {
    let calls = std::sync::Arc::new(AtomicU64::new(0));
    let c = calls.clone();
    let r = Load::new("tests.open_faults", move |seq| {
        c.fetch_add(1, Ordering::Relaxed);
        async move {
            if seq % 4 == 0 {
                panic!("boom");
            }
            if seq % 4 == 1 {
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    })
    .rate(200)
    .requests(40)
    .timeout(Duration::from_millis(20))
    .pipe(run);
    assert_eq!(r.requests, 40);
    assert_eq!(calls.load(Ordering::Relaxed), 40);
    assert_eq!((r.errors_by_kind.panic, r.errors_by_kind.timeout), (10, 10));
}

#[test]
fn warmup_is_not_counted_and_ramp_rises() {
    let r = Load::new("tests.ramp", |_| async {})
        .rate(200)
        .warmup(Duration::from_millis(500))
        .ramp(Duration::from_secs(1))
        .duration(Duration::from_secs(1))
        .pipe(run);
    // Of the ramp's 100 requests, those due after 0.5s (75) are counted, then 100 at full rate.
    assert_eq!(r.requests, 175, "{r}");
}

#[load(concurrency = 2, requests = 20, name = "tests.load.attr")]
async fn attr_load(seq: u64) -> Result<(), String> {
    if seq % 10 == 3 { Err(format!("{seq}")) } else { Ok(()) }
}

#[load(rate = 100, requests = 10, budget = "errors < 1%", name = "tests.load.failing")]
async fn failing_load() -> Result<(), ()> {
    Err(())
}

#[load(rate = 100, duration = "100ms", max_in_flight = 5, warmup = "50ms", timeout = "1s")]
async fn defaults_name() {}

fn run_registered(filter: &str) -> Vec<LoadResult> {
    let _serial = serial();
    load::run(filter)
}

#[test]
fn attribute_registers_and_runs() {
    let results = run_registered("tests.load.attr");
    assert_eq!(results.len(), 1);
    let r = &results[0];
    assert_eq!((r.requests, r.errors_by_kind.err), (20, 2));
    assert_eq!(r.concurrency, Some(2));
    assert!(!r.failed);
    let results = run_registered("defaults_name");
    assert_eq!(results[0].name, "load::defaults_name");
    assert_eq!(results[0].max_in_flight, Some(5));
    assert_eq!(results[0].requests, 10);
    assert_eq!(attr_load(3).now_or_panic(), Err("3".into()), "still a normal fn");
}

#[test]
fn failed_budget_fails_the_run_and_lands_in_the_report() {
    let code = {
        let _serial = serial();
        perf_runtime::bench::main_with_args(["--load-only", "tests.load.failing"].map(String::from))
    };
    assert_eq!(code, 1);
    let report = Report::collect();
    let r = report.load("tests.load.failing").unwrap();
    assert!(r.failed);
    assert_eq!(r.budget[0].actual, Some(100.0));
    let json = serde_json::from_str::<serde_json::Value>(&report.to_json()).unwrap();
    schema::assert_valid(&json);
    let back: Report = serde_json::from_value(json).unwrap();
    assert_eq!(back.load("tests.load.failing"), Some(r));
    let merged = Report::merge([&report, &back]).unwrap();
    assert_eq!(merged.loads.iter().filter(|l| l.name == "tests.load.failing").count(), 1);
    assert!(format!("{report}").contains("load tests.load.failing: open loop"));
}

#[test]
fn bench_only_skips_loads() {
    let _serial = serial();
    assert_eq!(
        perf_runtime::bench::main_with_args(
            ["--bench-only", "tests.load.failing"].map(String::from)
        ),
        0
    );
}

trait NowOrPanic: std::future::Future + Sized {
    fn now_or_panic(self) -> Self::Output {
        tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(self)
    }
}
impl<F: std::future::Future> NowOrPanic for F {}

thread_local! {
    /// This thread's last panic: its message and line.
    static LAST_PANIC: std::cell::RefCell<Option<(String, u32)>> = const { std::cell::RefCell::new(None) };
}

/// The message and line of the panic `f` raises (tests run on threads of their own).
fn panic_of(f: impl FnOnce() + std::panic::UnwindSafe) -> (String, u32) {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = info.payload_as_str().unwrap_or_default().to_owned();
            let line = info.location().map_or(0, |l| l.line());
            LAST_PANIC.set(Some((message, line)));
            if !thread_name_is("a_value_that_runs_nothing") {
                previous(info);
            }
        }));
    });
    assert!(std::panic::catch_unwind(f).is_err(), "no panic");
    LAST_PANIC.take().expect("the hook saw the panic")
}

fn thread_name_is(part: &str) -> bool {
    std::thread::current().name().is_some_and(|n| n.contains(part))
}

fn noop(_: u64) -> std::future::Ready<()> {
    std::future::ready(())
}

#[test]
fn a_value_that_runs_nothing_panics_at_the_setter_call_with_a_message() {
    let load = || Load::new("tests.load.bad", noop);
    let zero = Duration::ZERO;
    let cases = [
        (panic_of(|| drop(load().concurrency(0))), line!(), "Load::concurrency(0)"),
        (panic_of(|| drop(load().rate(0))), line!(), "Load::rate(0)"),
        (panic_of(|| drop(load().rate(5).max_in_flight(0))), line!(), "Load::max_in_flight(0)"),
        (panic_of(|| drop(load().duration(zero))), line!(), "Load::duration(0s)"),
        (panic_of(|| drop(load().requests(0))), line!(), "Load::requests(0)"),
        (panic_of(|| drop(load().timeout(zero))), line!(), "Load::timeout(0s)"),
    ];
    for ((message, at), line, setter) in cases {
        assert!(message.starts_with(setter), "{setter}: {message}");
        assert_eq!(at, line, "{setter} panicked at line {at}, not at its call");
    }
    // The smallest good values are taken as given.
    let _ =
        load().concurrency(1).rate(1).max_in_flight(1).requests(1).timeout(Duration::from_nanos(1));
}

#[test]
fn a_value_that_runs_nothing_in_a_hand_written_spec_panics_before_the_run() {
    let spec = perf_runtime::load::LoadSpec::open(0, 10);
    let (message, _) = panic_of(|| drop(load::run_registered("tests.load.bad_spec", &spec, noop)));
    assert_eq!(message, "perf: load tests.load.bad_spec: `rate` must be above zero");
}
