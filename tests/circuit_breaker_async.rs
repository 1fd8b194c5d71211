//! `#[circuit_breaker]` on `async fn` and `#[async_trait]` methods: refusals, a cancelled
//! future counting as neither (its trial slot going to the next call), a panic as a failure;
//! then the report's `breakers` section: JSON against the schema, merge, delta, Prometheus.

#[path = "support/schema.rs"]
mod schema;

use std::time::Duration;

use perf_runtime::breaker::{self, BreakerReport, ManualClock, Open, State};
use perf_runtime::{Report, circuit_breaker};

#[derive(Debug, Clone, PartialEq)]
enum Error {
    Down,
    Open,
}

impl From<Open> for Error {
    fn from(_: Open) -> Self {
        Error::Open
    }
}

fn entry(name: &str) -> BreakerReport {
    Report::collect().breaker(name).cloned().unwrap_or_else(|| panic!("no breaker {name}"))
}

fn clock_for(name: &str) -> ManualClock {
    let clock = ManualClock::new();
    assert!(breaker::set_clock(name, clock.clone()));
    clock
}

#[circuit_breaker(
    name = "ta.fetch",
    window = 4,
    min_calls = 2,
    open_for = "1s",
    half_open_calls = 1
)]
async fn fetch(fail: bool, stall: bool) -> Result<u32, Error> {
    if stall {
        std::future::pending::<()>().await;
    }
    tokio::task::yield_now().await;
    if fail { Err(Error::Down) } else { Ok(7) }
}

#[tokio::test]
async fn async_fn_opens_and_a_cancelled_trial_frees_its_slot() {
    let clock = clock_for("ta.fetch");
    assert_eq!(fetch(true, false).await, Err(Error::Down));
    assert_eq!(fetch(true, false).await, Err(Error::Down));
    assert_eq!(breaker::state("ta.fetch"), Some(State::Open));
    assert_eq!(fetch(false, false).await, Err(Error::Open));
    clock.advance(Duration::from_secs(1));
    // The one trial stalls and is cancelled by a timeout: it counts as neither...
    let timed_out = tokio::time::timeout(Duration::from_millis(1), fetch(false, true)).await;
    assert!(timed_out.is_err());
    assert_eq!(breaker::state("ta.fetch"), Some(State::HalfOpen));
    // ...and its slot goes to the next call, whose success closes the breaker.
    assert_eq!(fetch(false, false).await, Ok(7));
    assert_eq!(breaker::state("ta.fetch"), Some(State::Closed));
    let b = entry("ta.fetch");
    assert_eq!((b.calls, b.successes, b.failures, b.rejected, b.cancelled), (5, 1, 2, 1, 1));
}

#[circuit_breaker(name = "ta.panic", window = 2, min_calls = 1)]
async fn panics() -> Result<(), Error> {
    tokio::task::yield_now().await;
    panic!("boom")
}

#[tokio::test]
async fn a_panicking_future_counts_as_a_failure() {
    let _clock = clock_for("ta.panic");
    let joined = tokio::spawn(panics()).await;
    assert!(joined.unwrap_err().is_panic());
    assert_eq!(breaker::state("ta.panic"), Some(State::Open));
    assert_eq!(entry("ta.panic").failures, 1);
}

#[async_trait::async_trait]
trait Store {
    async fn get(&self, fail: bool) -> Result<u32, Error>;
}

struct Db;

#[async_trait::async_trait]
impl Store for Db {
    #[circuit_breaker(name = "ta.store", window = 2, min_calls = 2, open_for = "1h")]
    async fn get(&self, fail: bool) -> Result<u32, Error> {
        if fail { Err(Error::Down) } else { Ok(1) }
    }
}

#[tokio::test]
async fn async_trait_methods_are_guarded() {
    let _clock = clock_for("ta.store");
    assert_eq!(Db.get(false).await, Ok(1));
    assert_eq!(Db.get(true).await, Err(Error::Down));
    assert_eq!(Db.get(false).await, Err(Error::Open));
    let b = entry("ta.store");
    assert_eq!((b.state.as_str(), b.rejected, b.failure_rate), ("open", 1, 50.0));
}

#[circuit_breaker(name = "ta.report", window = 10, min_calls = 2, open_for = "1h")]
fn reported(fail: bool) -> Result<(), Error> {
    if fail { Err(Error::Down) } else { Ok(()) }
}

#[test]
fn the_breakers_section_in_json_merge_delta_and_prometheus() {
    let _clock = clock_for("ta.report");
    reported(false).unwrap();
    let before = Report::collect();
    let _ = reported(true);
    let _ = reported(false);
    let now = Report::collect();

    let json: serde_json::Value = serde_json::from_str(&now.to_json()).unwrap();
    schema::assert_valid(&json);
    let back: Report = serde_json::from_str(&now.to_json()).unwrap();
    assert_eq!(back.breaker("ta.report"), now.breaker("ta.report"));

    let b = now.breaker("ta.report").unwrap();
    assert_eq!(
        (b.state.as_str(), b.calls, b.successes, b.failures, b.rejected),
        ("open", 3, 1, 1, 1)
    );
    let twice = Report::merge([&now, &now]).unwrap();
    let m = twice.breaker("ta.report").unwrap();
    assert_eq!((m.calls, m.failures, m.rejected, m.transitions_to_open), (6, 2, 2, 2));
    assert_eq!((m.window_calls, m.failure_rate), (2 * b.window_calls, b.failure_rate));
    let d = now.delta(&before);
    let d = d.breaker("ta.report").unwrap();
    assert_eq!(
        (d.calls, d.successes, d.failures, d.rejected, d.transitions_to_open),
        (2, 0, 1, 1, 1)
    );
    assert_eq!(d.transitions.len(), 1);

    let text = now.to_prometheus();
    for line in [
        "perf_circuit_state{name=\"ta.report\"} 1",
        "perf_circuit_transitions_total{name=\"ta.report\",to=\"open\"} 1",
        "perf_circuit_calls_total{name=\"ta.report\",outcome=\"rejected\"} 1",
    ] {
        assert!(text.contains(line), "{line} not in\n{text}");
    }
    assert!(now.to_string().contains("breakers:"), "{now}");
}
