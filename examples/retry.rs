//! A flaky downstream service called with retries: transient errors are retried with backoff,
//! a permanent one is returned at once, a per-attempt timeout cuts a hung request short, and a
//! retry budget makes callers fail fast while the service is down. Prints the report.
//!
//! ```text
//! cargo run --release --example retry
//! ```

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use perf_runtime::retry::{RetryEvent, TimedOut};
use perf_runtime::{profile, retry};

#[derive(Debug, Clone, PartialEq)]
enum ServiceError {
    Unavailable,
    NotFound,
    TimedOut,
}

impl From<TimedOut> for ServiceError {
    fn from(_: TimedOut) -> Self {
        ServiceError::TimedOut
    }
}

fn is_transient(e: &ServiceError) -> bool {
    *e != ServiceError::NotFound
}

fn log_retry(e: &RetryEvent<'_, ServiceError>) {
    println!("  attempt {} failed with {:?}; next in {:?}", e.attempt, e.error, e.next_delay);
}

/// The downstream: every third request fails, and ids above 100 do not exist.
struct Service {
    requests: AtomicU32,
    hangs: AtomicU32,
    down: bool,
}

impl Service {
    fn handle(&self, id: u32) -> Result<String, ServiceError> {
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        if self.down || n.is_multiple_of(3) {
            Err(ServiceError::Unavailable)
        } else if id > 100 {
            Err(ServiceError::NotFound)
        } else {
            Ok(format!("user {id}"))
        }
    }

    #[profile(name = "service.fetch_user")]
    #[retry(
        name = "service.fetch_user",
        attempts = 4,
        backoff = exponential(base = "2ms", factor = 2.0, max = "20ms"),
        jitter = "equal",
        when = is_transient,
        on_retry = log_retry,
        timed = true
    )]
    fn fetch_user(&self, id: u32) -> Result<String, ServiceError> {
        self.handle(id)
    }

    #[retry(name = "service.fetch_guarded", attempts = 3, backoff = fixed("1ms"), budget = 0.1)]
    fn fetch_guarded(&self, id: u32) -> Result<String, ServiceError> {
        self.handle(id)
    }

    #[retry(
        name = "service.fetch_async",
        attempts = 3,
        backoff = fixed("5ms"),
        jitter = "none",
        timeout = "20ms"
    )]
    async fn fetch_async(&self, id: u32) -> Result<String, ServiceError> {
        if self.hangs.fetch_add(1, Ordering::Relaxed) == 0 {
            // A hung request: the per-attempt timeout drops it.
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
        Ok(format!("user {id}"))
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let service = Service { requests: AtomicU32::new(0), hangs: AtomicU32::new(0), down: false };
    println!("fetching users 1..=5 from a service that fails every third request:");
    for id in 1..=5 {
        println!("{:?}", service.fetch_user(id));
    }
    println!("a missing user is a permanent error, returned at once:");
    println!("{:?}", service.fetch_user(404));

    println!("a hung request times out and is retried:");
    println!("{:?}", service.fetch_async(7).await);

    let down = Service { requests: AtomicU32::new(0), hangs: AtomicU32::new(0), down: true };
    let failures = (0..200).filter(|id| down.fetch_guarded(*id).is_err()).count();
    println!("while the service is down: {failures} of 200 calls failed, most of them fast");

    perf_runtime::configure(perf_runtime::Config { quiet: true, ..Default::default() });
    let report = perf_runtime::report();
    println!("\n{report}");
    let guarded = report.retry("service.fetch_guarded").unwrap();
    println!(
        "the budget refused {} retries: {} attempts for {} calls instead of {}",
        guarded.budget_refused,
        guarded.attempts,
        guarded.calls,
        3 * guarded.calls
    );
}
