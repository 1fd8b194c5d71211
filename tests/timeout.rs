//! `#[timeout]` on tokio's paused clock: exact deadlines, the dropped body, methods,
//! `#[async_trait]`, `?` and `return`, and `#[retry]` not retrying an `Elapsed`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use perf_runtime::{Elapsed, Report, retry, timeout};
use tokio::time::Instant;

#[derive(Debug, Clone, PartialEq)]
enum Error {
    TooSlow { name: &'static str, after: Duration },
    Parse,
}

impl From<Elapsed> for Error {
    fn from(e: Elapsed) -> Self {
        Error::TooSlow { name: e.name, after: e.after }
    }
}

impl From<std::num::ParseIntError> for Error {
    fn from(_: std::num::ParseIntError) -> Self {
        Error::Parse
    }
}

/// Sets its flag when dropped: the body's future went away.
struct Dropped(Arc<AtomicBool>);

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[timeout("200ms", name = "tests.timeout.sleep")]
async fn sleep_then_parse(ms: u64, text: &str, dropped: Arc<AtomicBool>) -> Result<u32, Error> {
    let _guard = Dropped(dropped);
    tokio::time::sleep(Duration::from_millis(ms)).await;
    if text.is_empty() {
        return Ok(0);
    }
    Ok(text.parse::<u32>()?)
}

#[tokio::test(start_paused = true)]
async fn calls_past_the_deadline_are_dropped_at_it_exactly() {
    let flag = || Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    assert_eq!(sleep_then_parse(199, "7", flag()).await, Ok(7));
    assert_eq!(sleep_then_parse(10, "", flag()).await, Ok(0));
    assert_eq!(sleep_then_parse(10, "x", flag()).await, Err(Error::Parse));
    assert_eq!(start.elapsed(), Duration::from_millis(219));
    let dropped = flag();
    let start = Instant::now();
    let err = sleep_then_parse(5_000, "7", dropped.clone()).await.unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_millis(200));
    assert_eq!(
        err,
        Error::TooSlow { name: "tests.timeout.sleep", after: Duration::from_millis(200) }
    );
    assert!(dropped.load(Ordering::SeqCst));
    let t = Report::collect().timeout("tests.timeout.sleep").cloned().unwrap();
    assert_eq!((t.calls, t.elapsed, t.timeout_ns), (4, 1, 200_000_000));
}

#[tokio::test(start_paused = true)]
async fn a_call_cancelled_from_outside_counts_as_neither() {
    let outer = tokio::time::timeout(
        Duration::from_millis(50),
        sleep_then_parse(100, "1", Arc::new(AtomicBool::new(false))),
    );
    assert!(outer.await.is_err());
    let name = "tests.timeout.cancelled";
    #[timeout("1s", name = "tests.timeout.cancelled")]
    async fn slow() -> Result<(), Error> {
        tokio::time::sleep(Duration::from_millis(100)).await;
        Ok(())
    }
    assert!(tokio::time::timeout(Duration::from_millis(50), slow()).await.is_err());
    assert_eq!(slow().await, Ok(()));
    let t = Report::collect().timeout(name).cloned().unwrap();
    assert_eq!((t.calls, t.elapsed), (1, 0));
}

struct Client {
    delay_ms: u64,
}

impl Client {
    #[timeout("50ms")]
    async fn get(&self, key: &str) -> Result<String, Error> {
        tokio::time::sleep(Duration::from_millis(self.delay_ms)).await;
        Ok(format!("{key}!"))
    }
}

#[async_trait::async_trait]
trait Fetch {
    async fn fetch(&self) -> Result<u64, Error>;
}

#[async_trait::async_trait]
impl Fetch for Client {
    #[timeout("50ms", name = "tests.timeout.async_trait")]
    async fn fetch(&self) -> Result<u64, Error> {
        tokio::time::sleep(Duration::from_millis(self.delay_ms)).await;
        Ok(self.delay_ms)
    }
}

#[tokio::test(start_paused = true)]
async fn methods_and_async_trait() {
    let fast = Client { delay_ms: 1 };
    let slow = Client { delay_ms: 51 };
    assert_eq!(fast.get("a").await, Ok("a!".to_owned()));
    assert!(matches!(slow.get("a").await, Err(Error::TooSlow { .. })));
    assert_eq!(fast.fetch().await, Ok(1));
    assert!(matches!(slow.fetch().await, Err(Error::TooSlow { .. })));
    let report = Report::collect();
    let get = report.timeout(&format!("{}::Client::get", module_path!())).unwrap();
    assert_eq!((get.calls, get.elapsed), (2, 1));
    let fetch = report.timeout("tests.timeout.async_trait").unwrap();
    assert_eq!((fetch.calls, fetch.elapsed), (2, 1));
}

static ATTEMPTS: AtomicU32 = AtomicU32::new(0);

fn retry_everything(_: &Error) -> bool {
    true
}

#[retry(attempts = 3, backoff = fixed("10ms"), jitter = "none", name = "tests.timeout.retry")]
#[timeout("100ms")]
async fn never_answers() -> Result<(), Error> {
    ATTEMPTS.fetch_add(1, Ordering::SeqCst);
    std::future::pending::<()>().await;
    Ok(())
}

#[retry(attempts = 3, backoff = fixed("10ms"), jitter = "none", when = retry_everything)]
#[timeout("100ms")]
async fn never_answers_retried() -> Result<(), Error> {
    ATTEMPTS.fetch_add(1, Ordering::SeqCst);
    std::future::pending::<()>().await;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn retry_does_not_retry_an_elapsed_call_unless_its_when_says_so() {
    let start = Instant::now();
    assert!(matches!(never_answers().await, Err(Error::TooSlow { .. })));
    assert_eq!((ATTEMPTS.load(Ordering::SeqCst), start.elapsed()), (1, Duration::from_millis(100)));
    let start = Instant::now();
    assert!(matches!(never_answers_retried().await, Err(Error::TooSlow { .. })));
    assert_eq!((ATTEMPTS.load(Ordering::SeqCst), start.elapsed()), (4, Duration::from_millis(320)));
    let r = Report::collect().retry("tests.timeout.retry").cloned().unwrap();
    assert_eq!((r.calls, r.attempts, r.permanent_errors), (1, 1, 1));
}
