//! `#[bulkhead]`: the bound under 1,000 tasks and 64 threads, refusals, waits that end in a
//! place or a refusal, cancelled waiters leaving the queue, panics giving their place back,
//! methods and `#[async_trait]`, and `#[retry]` not retrying a refusal.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use perf_runtime::bulkhead::{Bulkhead, BulkheadReport, Full};
use perf_runtime::{Report, bulkhead, retry};

#[derive(Debug, Clone, PartialEq)]
enum Error {
    Busy { name: &'static str, waited: Duration },
    Own,
}

impl From<Full> for Error {
    fn from(e: Full) -> Self {
        Error::Busy { name: e.name, waited: e.waited }
    }
}

fn entry(name: &str) -> BulkheadReport {
    let report = Report::collect();
    report
        .bulkhead(name)
        .cloned()
        .unwrap_or_else(|| panic!("no bulkhead {name} in {:#?}", report.bulkheads))
}

/// Counts the calls inside a body and keeps the most seen at once.
struct Inside {
    now: AtomicU32,
    max: AtomicU32,
}

impl Inside {
    const fn new() -> Self {
        Self { now: AtomicU32::new(0), max: AtomicU32::new(0) }
    }

    fn enter(&self) {
        let n = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(n, Ordering::SeqCst);
    }

    fn leave(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }
}

static TASKS_INSIDE: Inside = Inside::new();

#[bulkhead(max_concurrent = 10, max_wait = "1h", name = "tests.bulkhead.tasks")]
async fn guarded_task(i: u32) -> Result<u32, Error> {
    TASKS_INSIDE.enter();
    for _ in 0..3 {
        tokio::task::yield_now().await;
    }
    TASKS_INSIDE.leave();
    Ok(i)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_bound_holds_under_a_thousand_concurrent_tasks() {
    let tasks: Vec<_> = (0..1_000).map(|i| tokio::spawn(guarded_task(i))).collect();
    let mut sum = 0;
    for t in tasks {
        sum += t.await.unwrap().unwrap();
    }
    assert_eq!(sum, (0..1_000).sum::<u32>());
    let seen = TASKS_INSIDE.max.load(Ordering::SeqCst);
    let b = entry("tests.bulkhead.tasks");
    assert!((1..=10).contains(&seen), "{seen} calls inside at once");
    assert!(b.max_in_flight <= 10 && b.max_in_flight >= seen, "{b:#?}");
    assert_eq!((b.calls, b.admitted, b.rejected, b.in_flight), (1_000, 1_000, 0, 0));
    assert!(b.waited <= 1_000);
}

static THREADS_INSIDE: Inside = Inside::new();

#[bulkhead(max_concurrent = 4, max_wait = "1h", name = "tests.bulkhead.threads")]
fn guarded_thread() -> Result<(), Error> {
    THREADS_INSIDE.enter();
    std::thread::yield_now();
    THREADS_INSIDE.leave();
    Ok(())
}

#[test]
fn the_bound_holds_under_sixty_four_threads() {
    let threads: Vec<_> = (0..64)
        .map(|_| std::thread::spawn(|| (0..50).for_each(|_| guarded_thread().unwrap())))
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    let seen = THREADS_INSIDE.max.load(Ordering::SeqCst);
    let b = entry("tests.bulkhead.threads");
    assert!((1..=4).contains(&seen), "{seen} calls inside at once");
    assert!(b.max_in_flight <= 4, "{b:#?}");
    assert_eq!((b.calls, b.admitted, b.rejected, b.in_flight), (3_200, 3_200, 0, 0));
}

#[bulkhead(max_concurrent = 2, name = "tests.bulkhead.refuse")]
fn refuse_at_once() -> Result<u8, Error> {
    Ok(1)
}

#[test]
fn a_full_bulkhead_without_max_wait_refuses_at_once() {
    let shared = Bulkhead::named("tests.bulkhead.refuse", 2, Duration::ZERO);
    let held = (shared.acquire().unwrap(), shared.acquire().unwrap());
    for _ in 0..3 {
        let err = refuse_at_once().unwrap_err();
        assert_eq!(err, Error::Busy { name: "tests.bulkhead.refuse", waited: Duration::ZERO });
    }
    drop(held);
    assert_eq!(refuse_at_once(), Ok(1));
    let b = entry("tests.bulkhead.refuse");
    assert_eq!((b.calls, b.admitted, b.rejected, b.waited, b.max_in_flight), (6, 3, 3, 0, 2));
}

#[bulkhead(max_concurrent = 1, max_wait = "30ms", name = "tests.bulkhead.sync_wait")]
fn sync_wait() -> Result<(), Error> {
    Ok(())
}

#[test]
fn a_sync_waiter_gets_the_place_given_back_or_is_refused_after_max_wait() {
    let gate = Bulkhead::named("tests.bulkhead.sync_wait", 1, Duration::from_millis(30));
    // Refused: the place is held past the wait.
    let held = gate.acquire().unwrap();
    let start = Instant::now();
    let Error::Busy { waited, .. } = sync_wait().unwrap_err() else { panic!() };
    assert!(waited >= Duration::from_millis(30) && start.elapsed() >= waited, "{waited:?}");
    // Admitted: the holder leaves while the call waits (its wait is bounded by the timeout,
    // so under load it may be refused instead; then it is tried again).
    let mut admitted = false;
    let mut held = Some(held);
    for _ in 0..20 {
        let holder = held.take().unwrap_or_else(|| gate.acquire().unwrap());
        let ready = Arc::new(Barrier::new(2));
        let r = ready.clone();
        let t = std::thread::spawn(move || {
            r.wait();
            std::thread::sleep(Duration::from_millis(2));
            drop(holder);
        });
        ready.wait();
        let result = sync_wait();
        t.join().unwrap();
        if result.is_ok() {
            admitted = true;
            break;
        }
    }
    assert!(admitted);
    let b = entry("tests.bulkhead.sync_wait");
    assert!(b.waited >= 1 && b.wait_max_ns.unwrap() > 0, "{b:#?}");
    assert_eq!(b.calls, b.admitted + b.rejected);
    assert_eq!(b.in_flight, 0);
}

#[bulkhead(max_concurrent = 1, max_wait = "60s", name = "tests.bulkhead.cancel")]
async fn waits_long() -> Result<(), Error> {
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_waiter_leaves_the_queue_and_passes_on_its_wake_up() {
    let gate = Bulkhead::named("tests.bulkhead.cancel", 1, Duration::from_secs(60));
    let held = gate.acquire_async().await.unwrap();
    // Cancelled while it waits: it leaves, and counts neither as admitted nor rejected.
    assert!(tokio::time::timeout(Duration::from_millis(10), waits_long()).await.is_err());
    // Two waiters; the first is woken by the release, then dropped before it runs: the second
    // must get the wake-up it would have used, long before its 60s wait ends.
    let start = tokio::time::Instant::now();
    let first = tokio::spawn(waits_long());
    let second = tokio::spawn(waits_long());
    tokio::task::yield_now().await;
    drop(held);
    first.abort();
    assert!(first.await.unwrap_err().is_cancelled());
    assert_eq!(second.await.unwrap(), Ok(()));
    assert!(start.elapsed() < Duration::from_secs(1), "{:?}", start.elapsed());
    assert_eq!(gate.in_flight(), 0);
    let b = entry("tests.bulkhead.cancel");
    assert_eq!((b.calls, b.admitted, b.rejected, b.waited), (2, 2, 0, 1));
}

#[bulkhead(max_concurrent = 1, name = "tests.bulkhead.panics")]
fn panics(really: bool) -> Result<(), Error> {
    if really {
        panic!("inside the bulkhead");
    }
    Ok(())
}

#[test]
fn a_panicking_call_gives_its_place_back() {
    for _ in 0..3 {
        assert!(std::panic::catch_unwind(|| panics(true)).is_err());
    }
    assert_eq!(panics(false), Ok(()));
    let b = entry("tests.bulkhead.panics");
    assert_eq!((b.calls, b.admitted, b.rejected, b.in_flight), (4, 4, 0, 0));
}

struct Service {
    calls: AtomicU32,
}

impl Service {
    #[bulkhead(max_concurrent = 1)]
    async fn handle(&self, fail: bool) -> Result<u32, Error> {
        if fail {
            return Err(Error::Own);
        }
        Ok(self.calls.fetch_add(1, Ordering::SeqCst) + 1)
    }
}

#[async_trait::async_trait]
trait Store {
    async fn get(&self, key: &str) -> Result<usize, Error>;
}

#[async_trait::async_trait]
impl Store for Service {
    #[bulkhead(max_concurrent = 3, name = "tests.bulkhead.async_trait")]
    async fn get(&self, key: &str) -> Result<usize, Error> {
        Ok(key.len())
    }
}

#[tokio::test]
async fn methods_and_async_trait_keep_their_meaning() {
    let s = Service { calls: AtomicU32::new(0) };
    assert_eq!(s.handle(false).await, Ok(1));
    assert_eq!(s.handle(true).await, Err(Error::Own));
    assert_eq!(s.get("four").await, Ok(4));
    let b = entry(&format!("{}::Service::handle", module_path!()));
    assert_eq!((b.calls, b.admitted), (2, 2));
    assert_eq!(entry("tests.bulkhead.async_trait").admitted, 1);
}

fn any_error(_: &Error) -> bool {
    true
}

static RETRIED_BODY: AtomicU32 = AtomicU32::new(0);

#[retry(attempts = 3, backoff = none, name = "tests.bulkhead.retry_refused")]
#[bulkhead(max_concurrent = 1, name = "tests.bulkhead.retried")]
fn retried() -> Result<(), Error> {
    RETRIED_BODY.fetch_add(1, Ordering::SeqCst);
    Err(Error::Own)
}

#[retry(attempts = 3, backoff = none, when = any_error, name = "tests.bulkhead.retry_when")]
#[bulkhead(max_concurrent = 1, name = "tests.bulkhead.retried")]
fn retried_when() -> Result<(), Error> {
    RETRIED_BODY.fetch_add(1, Ordering::SeqCst);
    Err(Error::Own)
}

#[test]
fn retry_does_not_retry_a_refusal_unless_its_when_says_so() {
    // The fn's own errors are retried.
    assert_eq!(retried(), Err(Error::Own));
    assert_eq!(RETRIED_BODY.load(Ordering::SeqCst), 3);
    let held = Bulkhead::get("tests.bulkhead.retried").unwrap().acquire().unwrap();
    // A refusal is not: one attempt, a permanent error.
    assert!(matches!(retried(), Err(Error::Busy { .. })));
    // With its own `when`, `when` decides: here, every error is retried.
    assert!(matches!(retried_when(), Err(Error::Busy { .. })));
    drop(held);
    assert_eq!(RETRIED_BODY.load(Ordering::SeqCst), 3);
    let report = Report::collect();
    let r = report.retry("tests.bulkhead.retry_refused").unwrap();
    assert_eq!((r.calls, r.attempts, r.permanent_errors, r.giveups), (2, 4, 1, 1));
    let w = report.retry("tests.bulkhead.retry_when").unwrap();
    assert_eq!((w.calls, w.attempts, w.giveups), (1, 3, 1));
    let b = report.bulkhead("tests.bulkhead.retried").unwrap();
    // Admitted: three attempts, and the handle that held the place; refused: 1 + 3 attempts.
    assert_eq!((b.admitted, b.rejected), (4, 4));
}
