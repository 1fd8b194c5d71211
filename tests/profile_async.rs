//! `#[profile]` on `async fn`: wall and busy time, errors, panics, cancellation, and stacking
//! with `#[tokio::test]` and `#[async_trait]`.

use std::time::Duration;

use perf_runtime::{FunctionReport, Report, profile};

fn entry(name: &str) -> FunctionReport {
    let report = Report::collect();
    report.function(name).cloned().unwrap_or_else(|| panic!("no entry {name} in {report:#?}"))
}

fn path(name: &str) -> String {
    format!("{}::{name}", module_path!())
}

fn spin(d: Duration) {
    let start = std::time::Instant::now();
    while start.elapsed() < d {
        std::hint::spin_loop();
    }
}

#[profile]
async fn waits_then_works() -> u32 {
    tokio::time::sleep(Duration::from_millis(20)).await;
    spin(Duration::from_millis(5));
    7
}

#[tokio::test]
async fn busy_time_tells_work_from_waiting() {
    let mut outside = Duration::ZERO;
    for _ in 0..3 {
        let started = std::time::Instant::now();
        assert_eq!(waits_then_works().await, 7);
        outside = outside.max(started.elapsed());
    }
    let f = entry(&path("waits_then_works"));
    assert!(f.is_async);
    assert_eq!(f.calls, 3);
    let ms = 1_000_000;
    // Wall time: the sleep and the spin at least, at most what the test measured around the
    // call. Two clocks measure the two (the runtime's is the TSC, scaled by a calibration at
    // start-up, which a VM can leave a few tenths of a percent off; the test's is `Instant`),
    // and HdrHistogram reports up to 1/1024 above a value: 1% covers both.
    let outside = outside.as_nanos() as u64;
    assert!(f.min_ns >= 25 * ms && f.max_ns <= outside + outside / 100, "{f:?}");
    // Busy time: the polls, so the spin at least, never more than the wall time...
    let busy = f.busy_p50_ns.unwrap();
    assert!(busy >= 5 * ms && busy <= f.p50_ns, "busy p50 {busy} {f:?}");
    // ...and not the 20ms between them. Between two polls a call waits for its sleep's
    // deadline, less the rest of the first poll after the sleep began (the timer's
    // registration, microseconds): half the sleep leaves room for the machine to stall there.
    let busy_total = f.busy_total_ns.unwrap();
    assert!(busy_total + 3 * 10 * ms <= f.total_ns, "busy {busy_total} of {}", f.total_ns);
}

#[profile]
async fn fallible(fail: bool) -> Result<(), String> {
    tokio::task::yield_now().await;
    if fail {
        Err("no".to_owned())?;
    }
    Ok(())
}

#[tokio::test]
async fn async_errors() {
    fallible(true).await.unwrap_err();
    fallible(false).await.unwrap();
    fallible(true).await.unwrap_err();
    let f = entry(&path("fallible"));
    assert_eq!((f.calls, f.errors), (3, 2));
}

#[profile]
async fn forever() {
    std::future::pending::<()>().await;
}

#[tokio::test]
async fn dropped_futures_are_cancelled_not_calls() {
    for _ in 0..4 {
        let r = tokio::time::timeout(Duration::from_millis(2), forever()).await;
        assert!(r.is_err());
    }
    // Never polled: the body never started, so it is neither a call nor a cancellation.
    drop(forever());
    let f = entry(&path("forever"));
    assert_eq!((f.calls, f.cancelled), (0, 4));
}

#[profile]
async fn panics_after_await(n: u32) -> u32 {
    tokio::task::yield_now().await;
    assert!(n != 2, "boom");
    n
}

#[tokio::test]
async fn async_panics_are_counted_once() {
    for n in 0..4 {
        let r = tokio::spawn(panics_after_await(n)).await;
        assert_eq!(r.is_err(), n == 2);
    }
    let f = entry(&path("panics_after_await"));
    assert_eq!((f.calls, f.panics, f.cancelled), (4, 1, 0));
}

#[profile]
async fn borrows<'a>(items: &'a [u32], extra: &str) -> Option<&'a u32> {
    if extra.is_empty() {
        return None;
    }
    items.iter().max()
}

#[tokio::test]
async fn borrows_and_return_keep_their_meaning() {
    let items = vec![3, 9, 4];
    assert_eq!(borrows(&items, "x").await, Some(&9));
    assert_eq!(borrows(&items, "").await, None);
    assert_eq!(entry(&path("borrows")).calls, 2);
}

#[async_trait::async_trait]
trait Store {
    async fn load(&self, key: u32) -> Result<String, String>;
}

struct Memory;

#[async_trait::async_trait]
impl Store for Memory {
    #[profile]
    async fn load(&self, key: u32) -> Result<String, String> {
        tokio::time::sleep(Duration::from_millis(5)).await;
        if key == 0 {
            return Err("missing".into());
        }
        Ok(key.to_string())
    }
}

#[tokio::test]
async fn async_trait_methods_time_the_future_not_the_boxing() {
    let store: &dyn Store = &Memory;
    assert_eq!(store.load(4).await.unwrap(), "4");
    store.load(0).await.unwrap_err();
    let f = entry(&path("Memory::load"));
    assert!(f.is_async);
    assert_eq!((f.calls, f.errors), (2, 1));
    assert!(f.min_ns >= 5_000_000, "min {}", f.min_ns);
}

#[profile]
#[tokio::test]
async fn profile_over_tokio_test() {
    tokio::task::yield_now().await;
}

#[tokio::test]
#[profile(name = "tokio_test_under_profile")]
async fn tokio_test_over_profile() {
    tokio::task::yield_now().await;
}

#[test]
fn stacked_tests_were_profiled() {
    // Tests run in any order: call them here too, then look.
    profile_over_tokio_test();
    tokio_test_over_profile();
    assert!(entry(&path("profile_over_tokio_test")).calls >= 1);
    assert!(entry("tokio_test_under_profile").calls >= 1);
}
