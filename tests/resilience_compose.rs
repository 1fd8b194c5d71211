//! Stacks of `#[profile]`, `#[retry]`, `#[bulkhead]`, `#[timeout]` and `#[cached]`: the
//! recommended order counted exactly at each layer (tokio's paused clock), and other orders
//! compiling and meaning outermost first.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use perf_runtime::bulkhead::{Bulkhead, Full};
use perf_runtime::{Elapsed, Report, bulkhead, cached, profile, retry, timeout};
use tokio::time::Instant;

#[derive(Debug, Clone, PartialEq)]
enum Error {
    Busy,
    TooSlow,
    Flaky,
}

impl From<Full> for Error {
    fn from(_: Full) -> Self {
        Error::Busy
    }
}

impl From<Elapsed> for Error {
    fn from(_: Elapsed) -> Self {
        Error::TooSlow
    }
}

/// What the next calls of the dependency do, in order; empty: answer at once.
static SCRIPT: Mutex<Vec<Step>> = Mutex::new(Vec::new());
static BODY_RUNS: AtomicU32 = AtomicU32::new(0);

#[derive(Clone, Copy)]
enum Step {
    Fail,
    Stall,
}

#[profile(name = "tests.compose.profile")]
#[retry(attempts = 3, backoff = fixed("10ms"), jitter = "none", name = "tests.compose.retry")]
#[bulkhead(max_concurrent = 2, max_wait = "5ms", name = "tests.compose.bulkhead")]
#[timeout("100ms", name = "tests.compose.timeout")]
async fn dependency(id: u32) -> Result<u32, Error> {
    BODY_RUNS.fetch_add(1, Ordering::SeqCst);
    let step = {
        let mut script = SCRIPT.lock().unwrap();
        if script.is_empty() { None } else { Some(script.remove(0)) }
    };
    match step {
        Some(Step::Fail) => Err(Error::Flaky),
        Some(Step::Stall) => {
            tokio::time::sleep(Duration::from_secs(10)).await;
            Ok(id)
        }
        None => Ok(id),
    }
}

/// `(profile calls, profile errors, retry attempts, bulkhead admitted, bulkhead rejected,
/// timeout calls, timeout elapsed, body runs)`.
fn layers() -> (u64, u64, u64, u64, u64, u64, u64, u32) {
    let r = Report::collect();
    let p = r.function("tests.compose.profile").cloned();
    let retry = r.retry("tests.compose.retry").cloned();
    let b = r.bulkhead("tests.compose.bulkhead").cloned();
    let t = r.timeout("tests.compose.timeout").cloned();
    (
        p.as_ref().map_or(0, |p| p.calls),
        p.as_ref().map_or(0, |p| p.errors),
        retry.map_or(0, |r| r.attempts),
        b.as_ref().map_or(0, |b| b.admitted),
        b.as_ref().map_or(0, |b| b.rejected),
        t.as_ref().map_or(0, |t| t.calls),
        t.as_ref().map_or(0, |t| t.elapsed),
        BODY_RUNS.load(Ordering::SeqCst),
    )
}

#[tokio::test(start_paused = true)]
async fn the_recommended_order_counts_exactly_at_each_layer() {
    // A call that succeeds: once through every layer.
    assert_eq!(dependency(1).await, Ok(1));
    assert_eq!(layers(), (1, 0, 1, 1, 0, 1, 0, 1));

    // Two own failures, then success: three attempts, each through bulkhead and timeout.
    SCRIPT.lock().unwrap().extend([Step::Fail, Step::Fail]);
    let start = Instant::now();
    assert_eq!(dependency(2).await, Ok(2));
    assert_eq!(start.elapsed(), Duration::from_millis(20));
    assert_eq!(layers(), (2, 0, 4, 4, 0, 4, 0, 3 + 1));

    // A stall: the timeout drops the attempt at 100ms, and the retry does not retry it.
    SCRIPT.lock().unwrap().push(Step::Stall);
    let start = Instant::now();
    assert_eq!(dependency(3).await, Err(Error::TooSlow));
    assert_eq!(start.elapsed(), Duration::from_millis(100));
    assert_eq!(layers(), (3, 1, 5, 5, 0, 5, 1, 5));

    // The bulkhead full: refused after its 5ms wait, not retried, the body never reached.
    let shared = Bulkhead::get("tests.compose.bulkhead").unwrap();
    let held = (shared.acquire().unwrap(), shared.acquire().unwrap());
    let start = Instant::now();
    assert_eq!(dependency(4).await, Err(Error::Busy));
    assert_eq!(start.elapsed(), Duration::from_millis(5));
    drop(held);
    // The two places taken by the handle count as admitted too.
    assert_eq!(layers(), (4, 2, 6, 7, 1, 5, 1, 5));
}

// Other orders compile and nest outermost first.
static OUTER_TIMEOUT_RUNS: AtomicU32 = AtomicU32::new(0);

/// The timeout bounds the whole retried call, sleeps included.
#[timeout("25ms", name = "tests.compose.outer_timeout")]
#[retry(attempts = 10, backoff = fixed("10ms"), jitter = "none", name = "tests.compose.inner_retry")]
async fn timeout_over_retries() -> Result<(), Error> {
    OUTER_TIMEOUT_RUNS.fetch_add(1, Ordering::SeqCst);
    Err(Error::Flaky)
}

#[tokio::test(start_paused = true)]
async fn a_timeout_outside_the_retry_bounds_the_whole_call() {
    let start = Instant::now();
    assert_eq!(timeout_over_retries().await, Err(Error::TooSlow));
    assert_eq!(start.elapsed(), Duration::from_millis(25));
    // Attempts at 0, 10 and 20ms; the call is dropped in the sleep after the third.
    assert_eq!(OUTER_TIMEOUT_RUNS.load(Ordering::SeqCst), 3);
}

#[bulkhead(max_concurrent = 1, name = "tests.compose.b_over_cache")]
#[cached(ttl = "60s")]
fn bulkhead_over_cache(x: u32) -> Result<u32, Error> {
    Ok(x * 2)
}

#[cached(ttl = "60s")]
#[bulkhead(max_concurrent = 1)]
#[profile]
fn cache_over_bulkhead(x: u32) -> Result<u32, Error> {
    Ok(x + 1)
}

#[bulkhead(max_concurrent = 4)]
#[retry(attempts = 2, backoff = none)]
#[profile]
fn bulkhead_over_retry(x: u32) -> Result<u32, Error> {
    Ok(x)
}

#[timeout("1s")]
#[bulkhead(max_concurrent = 4, max_wait = "1ms")]
#[profile]
async fn timeout_over_bulkhead(x: u32) -> Result<u32, Error> {
    Ok(x)
}

#[profile]
#[timeout("1s")]
#[retry(attempts = 2, backoff = none)]
#[bulkhead(max_concurrent = 4)]
async fn mixed(x: u32) -> Result<u32, Error> {
    Ok(x)
}

#[tokio::test]
async fn other_orders_compile_and_run() {
    assert_eq!(bulkhead_over_cache(2), Ok(4));
    assert_eq!(bulkhead_over_cache(2), Ok(4));
    assert_eq!(cache_over_bulkhead(2), Ok(3));
    assert_eq!(cache_over_bulkhead(2), Ok(3));
    assert_eq!(bulkhead_over_retry(5), Ok(5));
    assert_eq!(timeout_over_bulkhead(6).await, Ok(6));
    assert_eq!(mixed(7).await, Ok(7));
    let r = Report::collect();
    // The bulkhead outside the cache sees every call; inside it, only the miss.
    assert_eq!(r.bulkhead("tests.compose.b_over_cache").unwrap().admitted, 2);
    let inner = r.bulkhead(&format!("{}::cache_over_bulkhead", module_path!())).unwrap();
    assert_eq!(inner.admitted, 1);
}

#[path = "support/schema.rs"]
mod schema;

/// Called by the sections test alone, so that its delta is exact while other tests run.
#[timeout("1s")]
#[bulkhead(max_concurrent = 4)]
async fn sectioned(x: u32) -> Result<u32, Error> {
    Ok(x)
}

#[timeout("1s")]
async fn sectioned_timeout(x: u32) -> Result<u32, Error> {
    Ok(x)
}

#[tokio::test(start_paused = true)]
async fn the_sections_reach_json_merge_delta_and_prometheus() {
    assert_eq!(sectioned(1).await, Ok(1));
    let before = Report::collect();
    assert_eq!(sectioned(2).await, Ok(2));
    assert_eq!(sectioned_timeout(3).await, Ok(3));
    let report = Report::collect();
    let json = serde_json::from_str::<serde_json::Value>(&report.to_json()).unwrap();
    schema::assert_valid(&json);
    let name = format!("{}::sectioned", module_path!());
    let b = json["bulkheads"].as_array().unwrap().iter().find(|b| b["name"] == *name).unwrap();
    assert_eq!((b["max_concurrent"].as_u64(), b["in_flight"].as_u64()), (Some(4), Some(0)));
    let back: Report = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(back.bulkheads, report.bulkheads);
    assert_eq!(back.timeouts, report.timeouts);

    let twice = Report::merge([&report, &report]).unwrap();
    let (one, two) = (report.bulkhead(&name).unwrap(), twice.bulkhead(&name).unwrap());
    assert_eq!(
        (two.calls, two.admitted, two.max_in_flight),
        (2 * one.calls, 2 * one.admitted, one.max_in_flight)
    );
    let t = format!("{}::sectioned_timeout", module_path!());
    assert_eq!(twice.timeout(&t).unwrap().calls, 2 * report.timeout(&t).unwrap().calls);

    let since = report.delta(&before);
    assert_eq!(since.bulkhead(&name).unwrap().admitted, 1);
    assert_eq!(since.timeout(&format!("{}::sectioned", module_path!())).unwrap().calls, 1);

    let text = report.to_prometheus();
    assert!(text.contains(&format!("perf_bulkhead_in_flight{{bulkhead=\"{name}\"}} 0")), "{text}");
    assert!(text.contains(&format!(
        "perf_bulkhead_admitted_total{{bulkhead=\"{name}\"}} {}",
        one.admitted
    )));
    assert!(text.contains("perf_bulkhead_rejections_total"));
    assert!(text.contains(&format!("perf_timeout_elapsed_total{{timeout=\"{t}\"}} 0")));
    let table = report.to_string();
    assert!(table.contains("bulkheads:") && table.contains("timeouts:"), "{table}");
}
