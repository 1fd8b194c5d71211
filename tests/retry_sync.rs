//! `#[retry]` on sync fns: attempt counts, `when`, schedules measured against the clock,
//! `max_elapsed`, `budget`, hooks, argument passing, and the stats in the report.

use std::cell::Cell;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use perf_runtime::retry::{RetryEvent, RetryReport};
use perf_runtime::{Report, retry};

fn entry(name: &str) -> RetryReport {
    let report = Report::collect();
    report
        .retry(&format!("{}::{name}", module_path!()))
        .cloned()
        .unwrap_or_else(|| panic!("no retry entry {name} in {:#?}", report.retries))
}

#[derive(Debug, Clone, PartialEq)]
enum Error {
    Transient(u32),
    Permanent,
}

fn is_transient(e: &Error) -> bool {
    matches!(e, Error::Transient(_))
}

/// Fails with `Transient(n)` on its first `fail_first` attempts, then returns the attempt number.
#[retry(attempts = 4, backoff = none)]
fn flaky(fail_first: u32, seen: &AtomicU32) -> Result<u32, Error> {
    let n = seen.fetch_add(1, Ordering::Relaxed) + 1;
    if n <= fail_first {
        return Err(Error::Transient(n));
    }
    Ok(n)
}

#[test]
fn attempts_are_exact_and_the_last_error_is_returned_unchanged() {
    for fail_first in 0..6 {
        let seen = AtomicU32::new(0);
        let result = flaky(fail_first, &seen);
        let expected_attempts = (fail_first + 1).min(4);
        assert_eq!(seen.load(Ordering::Relaxed), expected_attempts);
        if fail_first < 4 {
            assert_eq!(result, Ok(fail_first + 1));
        } else {
            assert_eq!(result, Err(Error::Transient(4)));
        }
    }
    let r = entry("flaky");
    assert_eq!(r.calls, 6);
    assert_eq!(r.attempts, 1 + 2 + 3 + 4 + 4 + 4);
    assert_eq!(r.retries, r.attempts - r.calls);
    assert_eq!((r.successes, r.successes_after_retry, r.giveups), (4, 3, 2));
    assert_eq!(r.attempts_histogram, [1, 1, 1, 3]);
    assert_eq!((r.permanent_errors, r.budget_refused, r.timeouts), (0, 0, 0));
    assert_eq!(r.sleep_total_ns, 0);
    assert_eq!(r.max_attempts, 4);
    assert_eq!((r.attempt_p50_ns, r.call_p99_ns), (None, None));
}

#[retry(attempts = 5, backoff = none, when = is_transient)]
fn permanent_after(transient: u32, seen: &AtomicU32) -> Result<(), Error> {
    let n = seen.fetch_add(1, Ordering::Relaxed) + 1;
    Err(if n <= transient { Error::Transient(n) } else { Error::Permanent })
}

#[test]
fn when_stops_at_once_on_a_permanent_error() {
    let seen = AtomicU32::new(0);
    assert_eq!(permanent_after(0, &seen), Err(Error::Permanent));
    assert_eq!(seen.load(Ordering::Relaxed), 1);
    let seen = AtomicU32::new(0);
    assert_eq!(permanent_after(2, &seen), Err(Error::Permanent));
    assert_eq!(seen.load(Ordering::Relaxed), 3);
    let r = entry("permanent_after");
    assert_eq!((r.calls, r.attempts, r.permanent_errors, r.giveups), (2, 4, 2, 0));
}

/// Records the instant of every attempt.
fn attempt_times(times: &Mutex<Vec<Instant>>) -> Result<(), Error> {
    times.lock().unwrap().push(Instant::now());
    Err(Error::Transient(0))
}

#[retry(attempts = 4, backoff = fixed("15ms"), jitter = "none")]
fn fixed_schedule(times: &Mutex<Vec<Instant>>) -> Result<(), Error> {
    attempt_times(times)
}

#[retry(attempts = 5, backoff = exponential(base = "5ms", factor = 2.0, max = "25ms"), jitter = "none")]
fn exponential_schedule(times: &Mutex<Vec<Instant>>) -> Result<(), Error> {
    attempt_times(times)
}

/// The gaps between attempts: each at least the scheduled delay. How late a sleep wakes
/// depends on the machine, so the delays asked for are checked exactly elsewhere, by
/// `sleep_total_ns` here and on tokio's paused clock in `retry_async.rs`.
fn assert_gaps(times: &Mutex<Vec<Instant>>, expected_ms: &[u64]) {
    let times = times.lock().unwrap();
    let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(gaps.len(), expected_ms.len(), "{gaps:?}");
    for (gap, ms) in gaps.iter().zip(expected_ms) {
        assert!(*gap >= Duration::from_millis(*ms), "{gaps:?} vs {expected_ms:?}");
    }
}

#[test]
fn fixed_delays_follow_the_schedule() {
    let times = Mutex::new(Vec::new());
    assert!(fixed_schedule(&times).is_err());
    assert_gaps(&times, &[15, 15, 15]);
    let r = entry("fixed_schedule");
    assert_eq!(r.sleep_total_ns, 45_000_000);
}

#[test]
fn exponential_delays_follow_the_schedule_up_to_max() {
    let times = Mutex::new(Vec::new());
    assert!(exponential_schedule(&times).is_err());
    assert_gaps(&times, &[5, 10, 20, 25]);
    assert_eq!(entry("exponential_schedule").sleep_total_ns, 60_000_000);
}

/// When each attempt started and ended.
type Spans = Mutex<Vec<(Instant, Instant)>>;

#[retry(attempts = 100, backoff = fixed("20ms"), jitter = "none", max_elapsed = "70ms")]
fn until_deadline(spans: &Spans) -> Result<(), Error> {
    let started = Instant::now();
    let r = Err(Error::Transient(0));
    spans.lock().unwrap().push((started, Instant::now()));
    r
}

#[test]
fn max_elapsed_allows_no_sleep_that_ends_past_it() {
    let (deadline, delay) = (Duration::from_millis(70), Duration::from_millis(20));
    let spans = Mutex::new(Vec::new());
    let start = Instant::now();
    assert_eq!(until_deadline(&spans), Err(Error::Transient(0)));
    let elapsed = start.elapsed();
    let spans = spans.into_inner().unwrap();
    // The call's clock starts between `start` and the first attempt. After every attempt but
    // the last, the call chose a sleep that ends by the deadline, so that attempt ended early
    // enough; after the last, a sleep would have ended past it, by the time the call returned.
    let first = spans[0].0;
    for (i, (_, ended)) in spans[..spans.len() - 1].iter().enumerate() {
        assert!(*ended - first + delay <= deadline, "attempt {i} of {spans:?}");
    }
    assert!(elapsed + delay > deadline, "stopped early: {elapsed:?}, {} attempts", spans.len());
    let r = entry("until_deadline");
    assert_eq!((r.giveups, r.deadline_stops), (1, 1));
}

#[retry(attempts = 3, backoff = none, budget = 0.2)]
fn always_down_with_budget(seen: &AtomicU32) -> Result<(), Error> {
    seen.fetch_add(1, Ordering::Relaxed);
    Err(Error::Transient(0))
}

#[test]
fn the_budget_caps_retries_at_its_share_of_first_attempts() {
    let seen = AtomicU32::new(0);
    let start = Instant::now();
    for _ in 0..200 {
        assert!(always_down_with_budget(&seen).is_err());
    }
    let secs = start.elapsed().as_secs_f64();
    let r = entry("always_down_with_budget");
    assert_eq!(r.calls, 200);
    assert_eq!(u64::from(seen.load(Ordering::Relaxed)), r.attempts);
    // 10 banked tokens, 0.2 per first attempt (the first call finds the bucket full), and the
    // floor's 10 a second over the time this took. Without the budget it would be 400.
    let allowed = 10.0 + 0.2 * 199.0 + 10.0 * secs;
    assert!(
        (r.retries as f64) <= allowed + 1.0 && (r.retries as f64) >= 49.0,
        "{} retries, {allowed} allowed",
        r.retries
    );
    // A call that got fewer than its two retries was refused once: at most half the retries
    // went to calls that got both.
    assert!((200 - r.retries / 2..=200).contains(&r.budget_refused), "{r:?}");
    assert_eq!(r.giveups, 200);
}

static EVENTS: Mutex<Vec<(u32, Error, Duration)>> = Mutex::new(Vec::new());

fn record_event(e: &RetryEvent<'_, Error>) {
    EVENTS.lock().unwrap().push((e.attempt, e.error.clone(), e.next_delay));
}

#[retry(attempts = 3, backoff = linear(base = "1ms", step = "2ms", max = "10ms"), jitter = "none", on_retry = record_event)]
fn hooked(seen: &AtomicU32) -> Result<(), Error> {
    Err(Error::Transient(seen.fetch_add(1, Ordering::Relaxed) + 1))
}

#[test]
fn on_retry_hears_each_retry_with_its_delay() {
    let seen = AtomicU32::new(0);
    assert_eq!(hooked(&seen), Err(Error::Transient(3)));
    assert_eq!(
        *EVENTS.lock().unwrap(),
        [
            (1, Error::Transient(1), Duration::from_millis(1)),
            (2, Error::Transient(2), Duration::from_millis(3)),
        ]
    );
}

#[retry(attempts = 3, backoff = none)]
fn takes_owned(mut items: Vec<u32>, label: String, tries: &Cell<u32>) -> Result<String, String> {
    // Each attempt must see the arguments as the caller passed them.
    items.push(tries.get());
    tries.set(tries.get() + 1);
    if items.len() != 3 {
        return Err(format!("attempt saw {items:?}"));
    }
    if tries.get() < 3 {
        return Err(label);
    }
    Ok(format!("{label}: {items:?}"))
}

#[test]
fn by_value_arguments_are_fresh_for_every_attempt() {
    let tries = Cell::new(0);
    assert_eq!(takes_owned(vec![7, 8], "x".into(), &tries).as_deref(), Ok("x: [7, 8, 2]"));
    assert_eq!(tries.get(), 3);
}

struct Account {
    balance: u32,
    log: Vec<u32>,
}

impl Account {
    #[retry(attempts = 3, backoff = none)]
    fn withdraw(&mut self, amount: u32) -> Result<u32, String> {
        self.log.push(amount);
        if self.log.len() < 2 {
            return Err("busy".into());
        }
        self.balance = self.balance.checked_sub(amount).ok_or("insufficient")?;
        Ok(self.balance)
    }

    #[retry(attempts = 2, backoff = none)]
    fn peek<'a>(&'a self, prefix: &str) -> Result<&'a [u32], String> {
        if prefix.is_empty() {
            return Err("no prefix".into());
        }
        Ok(&self.log)
    }
}

#[test]
fn methods_and_borrowed_returns() {
    let mut a = Account { balance: 10, log: Vec::new() };
    assert_eq!(a.withdraw(4), Ok(6));
    assert_eq!(a.log, [4, 4]);
    // `?` inside the body ends the attempt: three attempts, then the error.
    assert_eq!(a.withdraw(100), Err("insufficient".to_string()));
    assert_eq!(a.log, [4, 4, 100, 100, 100]);
    assert_eq!(a.peek("p"), Ok(&[4, 4, 100, 100, 100][..]));
    assert!(a.peek("").is_err());
    let r = Report::collect();
    let r = r.retry(&format!("{}::Account::withdraw", module_path!())).unwrap();
    assert_eq!((r.calls, r.attempts, r.giveups), (2, 5, 1));
}

#[retry(attempts = 2, backoff = none)]
fn parse_any<T: std::str::FromStr>(text: &str) -> Result<T, T::Err> {
    text.parse()
}

#[test]
fn generic_fns_share_one_entry() {
    assert_eq!(parse_any::<u8>("7"), Ok(7));
    assert!(parse_any::<i64>("x").is_err());
    let r = entry("parse_any");
    assert_eq!((r.calls, r.attempts), (2, 3));
}

#[perf_runtime::profile]
#[retry(attempts = 3, backoff = fixed("10ms"), jitter = "none")]
fn profiled_retries(seen: &AtomicU32) -> Result<(), Error> {
    seen.fetch_add(1, Ordering::Relaxed);
    Err(Error::Transient(0))
}

#[test]
fn profile_over_retry_times_whole_calls_with_sleeps() {
    let seen = AtomicU32::new(0);
    assert!(profiled_retries(&seen).is_err());
    assert_eq!(seen.load(Ordering::Relaxed), 3);
    let report = Report::collect();
    let name = format!("{}::profiled_retries", module_path!());
    let f = report.function(&name).unwrap();
    assert_eq!((f.calls, f.errors), (1, 1));
    assert!(f.max_ns >= 20_000_000, "{}", f.max_ns);
    assert_eq!(report.retry(&name).unwrap().attempts, 3);
}

fn spin(d: Duration) {
    let start = Instant::now();
    while start.elapsed() < d {
        std::hint::spin_loop();
    }
}

#[retry(attempts = 2, backoff = fixed("6ms"), jitter = "none", timed = true)]
fn timed_fn(fail: bool, tries: &Cell<u32>) -> Result<(), Error> {
    spin(Duration::from_millis(2));
    tries.set(tries.get() + 1);
    if fail && tries.get() == 1 {
        return Err(Error::Transient(0));
    }
    Ok(())
}

#[test]
fn timed_reports_attempt_and_call_percentiles() {
    // Each call timed from outside: the upper bound of its time, and of its attempts' (a call
    // that retried spent 6ms of it asleep, between its two attempts).
    let (mut calls, mut attempts) = (Vec::new(), Vec::new());
    for fail in [false, false, false, true, true, true] {
        let started = Instant::now();
        assert!(timed_fn(fail, &Cell::new(0)).is_ok());
        let outside = started.elapsed();
        calls.push(outside);
        match fail {
            false => attempts.push(outside),
            true => attempts.extend([outside - Duration::from_millis(6); 2]),
        }
    }
    calls.sort_unstable();
    attempts.sort_unstable();
    // HdrHistogram reports up to 1/1024 above a value, and the runtime's TSC clock may be a few
    // tenths of a percent off the test's `Instant` (1% covers both); the median of n values is
    // the one at rank n/2 or the next.
    let at_most = |d: Duration| {
        let ns = d.as_nanos() as u64;
        ns + ns / 100 + 1
    };
    let r = entry("timed_fn");
    let ms = 1_000_000;
    let (attempt_p50, attempt_p99) = (r.attempt_p50_ns.unwrap(), r.attempt_p99_ns.unwrap());
    let (call_p50, call_p99) = (r.call_p50_ns.unwrap(), r.call_p99_ns.unwrap());
    // 9 attempts of a 2ms spin; 6 calls, of which the 3 slowest are two attempts and a sleep.
    assert!((2 * ms..=at_most(attempts[5])).contains(&attempt_p50), "{r:?} {attempts:?}");
    assert!((2 * ms..=at_most(attempts[8])).contains(&attempt_p99), "{r:?} {attempts:?}");
    assert!((2 * ms..=at_most(calls[3])).contains(&call_p50), "{r:?} {calls:?}");
    assert!((10 * ms..=at_most(calls[5])).contains(&call_p99), "{r:?} {calls:?}");
    // The slowest call holds the slowest attempt.
    assert!(call_p99 >= attempt_p99, "{r:?}");
    let json = serde_json::from_str::<serde_json::Value>(&Report::collect().to_json()).unwrap();
    let entry = json["retries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"].as_str().unwrap().ends_with("::timed_fn"))
        .unwrap();
    for key in ["attempt_p50_ns", "attempt_p99_ns", "call_p50_ns", "call_p99_ns"] {
        assert!(entry[key].is_u64(), "{key}: {entry}");
    }
}

#[retry(attempts = 3, backoff = none)]
fn gives_up_after_three(seen: &AtomicU32) -> Result<(), Error> {
    seen.fetch_add(1, Ordering::Relaxed);
    Err(Error::Transient(0))
}

#[test]
fn json_entries_carry_every_key() {
    let seen = AtomicU32::new(0);
    assert!(gives_up_after_three(&seen).is_err());
    let json = serde_json::from_str::<serde_json::Value>(&Report::collect().to_json()).unwrap();
    let entry = json["retries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"].as_str().unwrap().ends_with("::gives_up_after_three"))
        .unwrap()
        .clone();
    for key in [
        "name",
        "calls",
        "attempts",
        "retries",
        "successes",
        "successes_after_retry",
        "giveups",
        "permanent_errors",
        "budget_refused",
        "timeouts",
        "sleep_total_ns",
        "attempts_histogram",
    ] {
        assert!(entry.get(key).is_some(), "{key} missing: {entry}");
    }
    for key in ["attempt_p50_ns", "attempt_p99_ns", "call_p50_ns", "call_p99_ns"] {
        assert!(entry[key].is_null(), "{key}: {entry}");
    }
    assert_eq!(entry["attempts_histogram"], serde_json::json!([0, 0, 1]));
    assert!(Report::collect().to_string().contains("gives_up_after_three"));
}

#[retry(attempts = 3, backoff = none)]
fn fails_first(n: u32, tries: &Cell<u32>) -> Result<u32, Error> {
    tries.set(tries.get() + 1);
    if tries.get() <= n {
        return Err(Error::Transient(tries.get()));
    }
    Ok(tries.get())
}

#[test]
fn counts_are_exact_across_threads() {
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for i in 0..600 {
                    let tries = Cell::new(0);
                    assert_eq!(fails_first(i % 3, &tries), Ok(i % 3 + 1));
                }
            });
        }
    });
    let r = entry("fails_first");
    assert_eq!((r.calls, r.attempts, r.successes), (2400, 4800, 2400));
    assert_eq!(r.successes_after_retry, 1600);
    assert_eq!(r.attempts_histogram, [800, 800, 800]);
}
