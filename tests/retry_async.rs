//! `#[retry]` on `async fn`: exact schedules on tokio's paused clock, per-attempt `timeout`,
//! `max_elapsed` on tokio's clock, jitter bounds, methods and `#[async_trait]`.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use perf_runtime::retry::{RetryReport, TimedOut};
use perf_runtime::{Report, retry};
use tokio::time::Instant;

fn entry(name: &str) -> RetryReport {
    let report = Report::collect();
    report
        .retry(&format!("{}::{name}", module_path!()))
        .cloned()
        .unwrap_or_else(|| panic!("no retry entry {name} in {:#?}", report.retries))
}

#[derive(Debug, Clone, PartialEq)]
enum Error {
    Transient,
    Permanent,
    TimedOut(Duration),
}

impl From<TimedOut> for Error {
    fn from(e: TimedOut) -> Self {
        Error::TimedOut(e.after)
    }
}

fn is_transient(e: &Error) -> bool {
    *e != Error::Permanent
}

/// The tokio instants of every attempt, relative to the first.
fn gaps_ms(times: &Mutex<Vec<Instant>>) -> Vec<u128> {
    let times = times.lock().unwrap();
    times.iter().map(|t| (*t - times[0]).as_millis()).collect()
}

#[retry(attempts = 5, backoff = exponential(base = "100ms", factor = 3.0, max = "1s"), jitter = "none")]
async fn exponential(times: &Mutex<Vec<Instant>>) -> Result<(), Error> {
    times.lock().unwrap().push(Instant::now());
    tokio::task::yield_now().await;
    Err(Error::Transient)
}

#[tokio::test(start_paused = true)]
async fn exponential_schedule_is_exact_on_the_paused_clock() {
    let times = Mutex::new(Vec::new());
    assert_eq!(exponential(&times).await, Err(Error::Transient));
    assert_eq!(gaps_ms(&times), [0, 100, 400, 1300, 2300]);
    let r = entry("exponential");
    assert!(r.is_async);
    assert_eq!((r.calls, r.attempts, r.giveups), (1, 5, 1));
    assert_eq!(r.sleep_total_ns, 2_300_000_000);
}

#[retry(attempts = 4, backoff = fixed("250ms"), jitter = "none")]
async fn fixed(times: &Mutex<Vec<Instant>>, ok_on: usize) -> Result<usize, Error> {
    let mut t = times.lock().unwrap();
    t.push(Instant::now());
    if t.len() == ok_on { Ok(t.len()) } else { Err(Error::Transient) }
}

#[tokio::test(start_paused = true)]
async fn fixed_schedule_is_exact_and_stops_on_success() {
    let times = Mutex::new(Vec::new());
    assert_eq!(fixed(&times, 3).await, Ok(3));
    assert_eq!(gaps_ms(&times), [0, 250, 500]);
    let r = entry("fixed");
    assert_eq!((r.successes_after_retry, r.attempts_histogram.as_slice()), (1, &[0, 0, 1, 0][..]));
}

#[retry(attempts = 3, backoff = fixed("10ms"), jitter = "none", timeout = "50ms")]
async fn slow_then_fast(tries: &AtomicU32, slow_attempts: u32) -> Result<u32, Error> {
    let n = tries.fetch_add(1, Ordering::Relaxed) + 1;
    if n <= slow_attempts {
        tokio::time::sleep(Duration::from_secs(10)).await;
    }
    Ok(n)
}

#[tokio::test(start_paused = true)]
async fn timed_out_attempts_are_retried_then_returned() {
    let start = Instant::now();
    let tries = AtomicU32::new(0);
    assert_eq!(slow_then_fast(&tries, 1).await, Ok(2));
    assert_eq!(start.elapsed(), Duration::from_millis(60));

    let tries = AtomicU32::new(0);
    assert_eq!(slow_then_fast(&tries, 9).await, Err(Error::TimedOut(Duration::from_millis(50))));
    assert_eq!(tries.load(Ordering::Relaxed), 3);
    let r = entry("slow_then_fast");
    assert_eq!((r.calls, r.attempts, r.timeouts, r.giveups), (2, 5, 4, 1));
}

#[retry(attempts = 100, backoff = fixed("20ms"), jitter = "none", max_elapsed = "70ms", when = is_transient)]
async fn until_deadline(tries: &AtomicU32) -> Result<(), Error> {
    tries.fetch_add(1, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(1)).await;
    Err(Error::Transient)
}

#[tokio::test(start_paused = true)]
async fn max_elapsed_counts_work_and_sleeps_on_tokio_time() {
    let start = Instant::now();
    let tries = AtomicU32::new(0);
    assert_eq!(until_deadline(&tries).await, Err(Error::Transient));
    // Attempts start at 0, 21, 42 and 63ms; after the fourth (64ms) a 20ms sleep would end
    // at 84ms, past the 70ms deadline.
    assert_eq!(tries.load(Ordering::Relaxed), 4);
    assert_eq!(start.elapsed(), Duration::from_millis(64));
    assert_eq!(entry("until_deadline").deadline_stops, 1);
}

#[retry(attempts = 5, backoff = none, when = is_transient)]
async fn permanent(tries: &AtomicU32) -> Result<(), Error> {
    tries.fetch_add(1, Ordering::Relaxed);
    Err(Error::Permanent)
}

#[tokio::test]
async fn when_stops_at_once() {
    let tries = AtomicU32::new(0);
    assert_eq!(permanent(&tries).await, Err(Error::Permanent));
    assert_eq!(tries.load(Ordering::Relaxed), 1);
    assert_eq!(entry("permanent").permanent_errors, 1);
}

#[retry(attempts = 6, backoff = exponential(base = "10ms", factor = 2.0, max = "50ms"), jitter = "full")]
async fn jittered(times: &Mutex<Vec<Instant>>) -> Result<(), Error> {
    times.lock().unwrap().push(Instant::now());
    Err(Error::Transient)
}

#[tokio::test(start_paused = true)]
async fn full_jitter_stays_within_the_schedule() {
    let schedule = [10, 20, 40, 50, 50];
    let mut below = 0;
    for _ in 0..200 {
        let times = Mutex::new(Vec::new());
        assert!(jittered(&times).await.is_err());
        let t = times.into_inner().unwrap();
        for (w, max) in t.windows(2).zip(schedule) {
            let gap = (w[1] - w[0]).as_millis();
            assert!(gap <= max, "{gap}ms over {max}ms");
            below += usize::from(gap < max / 2);
        }
    }
    // About half of the 1000 delays fall below half their bound.
    assert!((350..650).contains(&below), "{below}");
}

struct Client {
    calls: u32,
}

impl Client {
    #[retry(attempts = 3, backoff = none)]
    async fn get(&mut self, key: String, out: &mut Vec<String>) -> Result<u32, Error> {
        self.calls += 1;
        out.push(key);
        if self.calls < 2 { Err(Error::Transient) } else { Ok(self.calls) }
    }
}

#[tokio::test]
async fn methods_with_mut_receivers_and_by_value_args() {
    let mut c = Client { calls: 0 };
    let mut out = Vec::new();
    assert_eq!(c.get("k".to_string(), &mut out).await, Ok(2));
    assert_eq!(out, ["k", "k"]);
    let r = Report::collect();
    let r = r.retry(&format!("{}::Client::get", module_path!())).unwrap();
    assert_eq!((r.calls, r.attempts), (1, 2));
}

#[async_trait::async_trait]
trait Store {
    async fn load(&self, tries: &AtomicU32) -> Result<u32, Error>;
}

struct Disk;

#[async_trait::async_trait]
impl Store for Disk {
    #[retry(name = "disk.load", attempts = 3, backoff = fixed("5ms"), jitter = "none")]
    async fn load(&self, tries: &AtomicU32) -> Result<u32, Error> {
        let n = tries.fetch_add(1, Ordering::Relaxed) + 1;
        if n < 3 { Err(Error::Transient) } else { Ok(n) }
    }
}

#[tokio::test(start_paused = true)]
async fn async_trait_methods_retry_inside_the_box() {
    let tries = AtomicU32::new(0);
    let start = Instant::now();
    assert_eq!(Disk.load(&tries).await, Ok(3));
    assert_eq!(start.elapsed(), Duration::from_millis(10));
    let report = Report::collect();
    assert_eq!(report.retry("disk.load").unwrap().attempts, 3);
}

#[perf_runtime::profile]
#[retry(attempts = 3, backoff = fixed("30ms"), jitter = "none")]
async fn profiled(tries: &AtomicU32) -> Result<(), Error> {
    tries.fetch_add(1, Ordering::Relaxed);
    Err(Error::Transient)
}

#[tokio::test]
async fn profile_over_retry_times_whole_async_calls() {
    let tries = AtomicU32::new(0);
    assert!(profiled(&tries).await.is_err());
    let report = Report::collect();
    let f = report.function(&format!("{}::profiled", module_path!())).unwrap();
    assert_eq!(f.calls, 1);
    assert!(f.max_ns >= 60_000_000, "{}", f.max_ns);
}
