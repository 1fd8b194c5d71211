//! `#[circuit_breaker]` on sync fns: exact state machines on a manual clock (count and time
//! windows, `min_calls`, slow calls, half-open trials under concurrency), panics, `when`,
//! shared names, hooks, and every call accounted once under 8 threads.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Barrier, Mutex};
use std::time::Duration;

use perf_runtime::breaker::{self, BreakerReport, CircuitBreaker, ManualClock, Open, State};
use perf_runtime::{Report, circuit_breaker};

#[derive(Debug, Clone, PartialEq)]
enum Error {
    Down,
    NotFound,
    Open(Duration),
}

impl From<Open> for Error {
    fn from(o: Open) -> Self {
        Error::Open(o.retry_after)
    }
}

fn entry(name: &str) -> BreakerReport {
    let report = Report::collect();
    report
        .breaker(name)
        .cloned()
        .unwrap_or_else(|| panic!("no breaker {name} in {:#?}", report.breakers))
}

fn clock_for(name: &str) -> ManualClock {
    let clock = ManualClock::new();
    assert!(breaker::set_clock(name, clock.clone()));
    clock
}

const S: Duration = Duration::from_secs(1);

static COUNT_RAN: AtomicU32 = AtomicU32::new(0);

#[circuit_breaker(
    name = "t.count",
    window = 10,
    min_calls = 4,
    failure_rate = "50%",
    open_for = "10s",
    half_open_calls = 2
)]
fn count_call(fail: bool) -> Result<u32, Error> {
    COUNT_RAN.fetch_add(1, Relaxed);
    if fail { Err(Error::Down) } else { Ok(1) }
}

#[test]
fn count_window_opens_over_min_calls_then_half_opens_and_closes() {
    let clock = clock_for("t.count");
    for _ in 0..3 {
        assert_eq!(count_call(true), Err(Error::Down));
    }
    // 3 failures of 3 calls: under `min_calls`.
    assert_eq!(breaker::state("t.count"), Some(State::Closed));
    // The 4th call, a success, brings the window to 4 calls at 75%.
    assert_eq!(count_call(false), Ok(1));
    assert_eq!(breaker::state("t.count"), Some(State::Open));
    assert_eq!(count_call(false), Err(Error::Open(10 * S)));
    clock.advance(10 * S - Duration::from_millis(1));
    assert_eq!(count_call(false), Err(Error::Open(Duration::from_millis(1))));
    assert_eq!(COUNT_RAN.load(Relaxed), 4, "refused calls never run the body");
    clock.advance(Duration::from_millis(1));
    // Two trials, both fine: closed again, with an empty window.
    assert_eq!(count_call(false), Ok(1));
    assert_eq!(breaker::state("t.count"), Some(State::HalfOpen));
    assert_eq!(count_call(false), Ok(1));
    assert_eq!(breaker::state("t.count"), Some(State::Closed));
    let b = entry("t.count");
    assert_eq!(
        (b.calls, b.successes, b.failures, b.slow, b.rejected, b.cancelled),
        (8, 3, 3, 0, 2, 0)
    );
    assert_eq!(
        (b.transitions_to_open, b.transitions_to_half_open, b.transitions_to_closed),
        (1, 1, 1)
    );
    let path: Vec<_> = b.transitions.iter().map(|t| (t.from.as_str(), t.to.as_str())).collect();
    assert_eq!(path, [("closed", "open"), ("open", "half_open"), ("half_open", "closed")]);
    assert_eq!((b.state.as_str(), b.window_calls, b.failure_rate), ("closed", 0, 0.0));
    assert_eq!(
        (b.window_size, b.min_calls, b.open_for_ns, b.half_open_calls),
        (10, 4, 10_000_000_000, 2)
    );
}

#[circuit_breaker(
    name = "t.reopen",
    window = 4,
    min_calls = 4,
    open_for = "1s",
    half_open_calls = 2
)]
fn reopen_call(fail: bool) -> Result<(), Error> {
    if fail { Err(Error::Down) } else { Ok(()) }
}

#[test]
fn the_window_slides_and_failed_trials_reopen() {
    let clock = clock_for("t.reopen");
    // S S S F: 25%; then F pushes out the first S: S S F F = 50%, which opens.
    for fail in [false, false, false, true] {
        let _ = reopen_call(fail);
    }
    assert_eq!(breaker::state("t.reopen"), Some(State::Closed));
    let _ = reopen_call(true);
    assert_eq!(breaker::state("t.reopen"), Some(State::Open));
    clock.advance(S);
    // One trial of two fails: 50% reopens, for a full `open_for` again.
    assert_eq!(reopen_call(false), Ok(()));
    assert_eq!(reopen_call(true), Err(Error::Down));
    assert_eq!(breaker::state("t.reopen"), Some(State::Open));
    assert_eq!(reopen_call(false), Err(Error::Open(S)));
    let b = entry("t.reopen");
    assert_eq!(
        (b.transitions_to_open, b.transitions_to_half_open, b.transitions_to_closed),
        (2, 1, 0)
    );
    assert_eq!((b.successes, b.failures, b.rejected), (4, 3, 1));
}

#[circuit_breaker(name = "t.time", window = "10s", min_calls = 3, open_for = "5s")]
fn time_call(fail: bool) -> Result<(), Error> {
    if fail { Err(Error::Down) } else { Ok(()) }
}

#[test]
fn time_window_forgets_calls_older_than_the_window() {
    let clock = clock_for("t.time");
    let _ = time_call(true);
    let _ = time_call(true);
    assert_eq!(breaker::state("t.time"), Some(State::Closed), "2 calls: under min_calls");
    // 10 s later both failures have left the window (buckets of 500 ms).
    clock.advance(10 * S);
    let _ = time_call(false);
    let _ = time_call(false);
    let _ = time_call(true);
    assert_eq!(breaker::state("t.time"), Some(State::Closed), "1 failure in 3: 33%");
    let b = entry("t.time");
    assert_eq!((b.window_calls, b.window_ns), (3, 10_000_000_000));
    clock.advance(Duration::from_millis(9_400));
    let _ = time_call(true);
    assert_eq!(breaker::state("t.time"), Some(State::Open), "2 failures in 4: 50%");
    assert_eq!(time_call(false), Err(Error::Open(5 * S)));
}

#[circuit_breaker(
    name = "t.slow",
    window = 10,
    min_calls = 2,
    slow = "1s",
    slow_rate = "50%",
    failure_rate = "100%"
)]
fn slow_call(clock: &ManualClock, took: Duration) -> Result<(), Error> {
    clock.advance(took);
    Ok(())
}

#[test]
fn slow_calls_open_it_too() {
    let clock = clock_for("t.slow");
    slow_call(&clock, Duration::from_millis(999)).unwrap();
    assert_eq!(breaker::state("t.slow"), Some(State::Closed));
    slow_call(&clock, S).unwrap();
    assert_eq!(breaker::state("t.slow"), Some(State::Open), "1 slow call in 2: 50%");
    let b = entry("t.slow");
    assert_eq!((b.successes, b.slow, b.failures), (1, 1, 0));
    assert_eq!((b.slow_ns, b.slow_rate_threshold), (1_000_000_000, 50.0));
}

#[test]
fn exactly_half_open_calls_trials_pass_under_concurrency() {
    let clock = ManualClock::new();
    let b = CircuitBreaker::builder("t.trials")
        .window_calls(2)
        .min_calls(1)
        .half_open_calls(3)
        .open_for(S)
        .clock(clock.clone())
        .build();
    let _ = b.call(|| Err::<(), Error>(Error::Down));
    assert_eq!(b.state(), State::Open);
    clock.advance(S);
    let threads = 16;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let permit = b.try_acquire();
                // Every thread has asked before any trial finishes.
                barrier.wait();
                match permit {
                    Ok(p) => {
                        p.success();
                        true
                    }
                    Err(open) => {
                        assert_eq!((open.name, open.retry_after), ("t.trials", Duration::ZERO));
                        false
                    }
                }
            })
        })
        .collect();
    let admitted = handles.into_iter().map(|h| h.join().unwrap()).filter(|a| *a).count();
    assert_eq!(admitted, 3);
    assert_eq!(b.state(), State::Closed);
    let r = entry("t.trials");
    assert_eq!((r.rejected, r.successes, r.failures), (13, 3, 1));
}

#[test]
fn min_calls_is_capped_by_a_small_count_window() {
    let b = CircuitBreaker::builder("t.cap")
        .window_calls(3)
        .min_calls(50)
        .clock(ManualClock::new())
        .build();
    for _ in 0..3 {
        let _ = b.call(|| Err::<(), Error>(Error::Down));
    }
    assert_eq!(b.state(), State::Open);
}

fn only_down(e: &Error) -> bool {
    *e == Error::Down
}

#[circuit_breaker(name = "t.when", window = 4, min_calls = 2, when = only_down)]
fn when_call(e: Error) -> Result<(), Error> {
    Err(e)
}

#[test]
fn errors_when_rejects_count_as_successes() {
    let _clock = clock_for("t.when");
    for _ in 0..4 {
        assert_eq!(when_call(Error::NotFound), Err(Error::NotFound));
    }
    assert_eq!(breaker::state("t.when"), Some(State::Closed));
    let b = entry("t.when");
    assert_eq!((b.successes, b.failures), (4, 0));
    let _ = when_call(Error::Down);
    let _ = when_call(Error::Down);
    assert_eq!(breaker::state("t.when"), Some(State::Open));
}

#[circuit_breaker(name = "t.panic", window = 2, min_calls = 2)]
fn panicking(panic: bool) -> Result<(), Error> {
    if panic {
        panic!("boom");
    }
    Ok(())
}

#[test]
fn a_panic_counts_as_a_failure_and_goes_on_unwinding() {
    let _clock = clock_for("t.panic");
    let caught = std::panic::catch_unwind(|| panicking(true));
    assert!(caught.is_err());
    assert_eq!(breaker::state("t.panic"), Some(State::Closed));
    assert!(std::panic::catch_unwind(|| panicking(true)).is_err());
    assert_eq!(breaker::state("t.panic"), Some(State::Open));
    let b = entry("t.panic");
    assert_eq!((b.failures, b.successes), (2, 0));
}

#[circuit_breaker(name = "t.shared", window = 2, min_calls = 2, open_for = "1h")]
fn shared_a() -> Result<(), Error> {
    Err(Error::Down)
}

#[circuit_breaker(name = "t.shared")]
fn shared_b() -> Result<(), Error> {
    Ok(())
}

#[test]
fn one_name_is_one_breaker() {
    let _clock = clock_for("t.shared");
    let _ = shared_a();
    let _ = shared_a();
    assert!(matches!(shared_b(), Err(Error::Open(_))), "b is refused because a failed");
    assert_eq!(entry("t.shared").calls, 3);
}

struct Client {
    calls: u32,
}

impl Client {
    #[circuit_breaker]
    fn get(&self, fail: bool) -> Result<u32, Error> {
        if fail { Err(Error::Down) } else { Ok(self.calls) }
    }

    #[circuit_breaker(window = 3)]
    fn bump(&mut self) -> Result<u32, Error> {
        self.calls += 1;
        Ok(self.calls)
    }
}

#[test]
fn methods_report_under_their_type() {
    let mut c = Client { calls: 0 };
    assert_eq!(c.bump(), Ok(1));
    assert_eq!(c.get(false), Ok(1));
    assert_eq!(c.get(true), Err(Error::Down));
    let name = format!("{}::Client::get", module_path!());
    assert_eq!(entry(&name).failures, 1);
    assert_eq!(entry(&format!("{}::Client::bump", module_path!())).window_size, 3);
}

#[test]
fn force_open_holds_until_reset_and_hooks_hear_every_transition() {
    let seen: Arc<Mutex<Vec<(State, State)>>> = Arc::default();
    let s = seen.clone();
    breaker::on_state_change(move |name, from, to| {
        if name == "t.hooks" {
            s.lock().unwrap().push((from, to));
        }
        if name == "t.hooks" && to == State::Closed {
            panic!("a hook that panics");
        }
    });
    let clock = ManualClock::new();
    let b = CircuitBreaker::builder("t.hooks").clock(clock.clone()).build();
    assert!(breaker::force_open("t.hooks"));
    clock.advance(Duration::from_secs(3600));
    let refused = b.call(|| Ok::<(), Error>(()));
    assert_eq!(refused, Err(Error::Open(Duration::MAX)));
    assert!(breaker::reset("t.hooks"));
    assert_eq!(b.call(|| Ok::<u8, Error>(1)), Ok(1));
    assert_eq!(*seen.lock().unwrap(), [(State::Closed, State::Open), (State::Open, State::Closed)]);
    let r = entry("t.hooks");
    assert_eq!((r.hook_panics, r.rejected, r.successes), (1, 1, 1));
    assert!(!breaker::force_open("t.no-such-breaker"));
}

static HAMMER_BODY_ERRS: AtomicU64 = AtomicU64::new(0);

#[circuit_breaker(
    name = "t.hammer",
    window = 50,
    min_calls = 10,
    failure_rate = "40%",
    open_for = "50us",
    half_open_calls = 4
)]
fn hammered(fail: bool) -> Result<(), Error> {
    if fail {
        HAMMER_BODY_ERRS.fetch_add(1, Relaxed);
        return Err(Error::Down);
    }
    Ok(())
}

#[test]
fn eight_threads_every_call_accounted_once() {
    const PER_THREAD: u64 = 20_000;
    let oks = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let handles: Vec<_> = (0..8u64)
        .map(|t| {
            let (oks, refused) = (oks.clone(), refused.clone());
            std::thread::spawn(move || {
                // Failing stretches and healthy stretches, so the breaker cycles.
                for i in 0..PER_THREAD {
                    let fail = (i / 500 + t) % 2 == 0 && i % 3 != 0;
                    match hammered(fail) {
                        Ok(()) => oks.fetch_add(1, Relaxed),
                        Err(Error::Open(_)) => refused.fetch_add(1, Relaxed),
                        Err(_) => 0,
                    };
                }
            })
        })
        .collect();
    handles.into_iter().for_each(|h| h.join().unwrap());
    let b = entry("t.hammer");
    assert_eq!(b.calls, 8 * PER_THREAD);
    assert_eq!(b.successes, oks.load(Relaxed));
    assert_eq!(b.failures, HAMMER_BODY_ERRS.load(Relaxed));
    assert_eq!(b.rejected, refused.load(Relaxed));
    assert_eq!(b.calls, b.successes + b.failures + b.slow + b.rejected + b.cancelled);
    assert!(b.transitions_to_open >= 1, "{b:#?}");
}
