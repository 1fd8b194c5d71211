//! `#[profile]` on sync fns: what it records, read back from the report.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use perf_runtime::{FunctionReport, Report, profile};

fn entry(name: &str) -> FunctionReport {
    let report = Report::collect();
    report.function(name).cloned().unwrap_or_else(|| panic!("no entry {name} in {report:#?}"))
}

fn path(name: &str) -> String {
    format!("{}::{name}", module_path!())
}

#[profile]
fn counted(x: u64) -> u64 {
    x.wrapping_mul(3)
}

#[test]
fn exact_counts_with_four_threads() {
    const THREADS: u64 = 4;
    const CALLS: u64 = 100_000;
    std::thread::scope(|s| {
        for t in 0..THREADS {
            s.spawn(move || {
                for i in 0..CALLS {
                    std::hint::black_box(counted(t * CALLS + i));
                }
            });
        }
    });
    let f = entry(&path("counted"));
    assert_eq!(f.calls, THREADS * CALLS);
    assert_eq!(f.decode_histogram().unwrap().len(), THREADS * CALLS);
    assert_eq!((f.errors, f.panics, f.cancelled), (0, 0, 0));
    assert!(f.min_ns <= f.p50_ns && f.p50_ns <= f.p99_ns && f.p99_ns <= f.max_ns);
}

#[profile]
fn short_lived_thread_work() {}

#[test]
fn threads_that_exit_lose_nothing() {
    for _ in 0..50 {
        std::thread::spawn(|| {
            for _ in 0..100 {
                short_lived_thread_work();
            }
        })
        .join()
        .unwrap();
    }
    assert_eq!(entry(&path("short_lived_thread_work")).calls, 5_000);
}

#[profile]
fn parse(input: &str) -> Result<u32, std::num::ParseIntError> {
    let n = input.parse::<u32>()?;
    if n == 0 {
        return Ok(1);
    }
    Ok(n)
}

#[test]
fn errors_count_err_returns_including_question_mark() {
    assert_eq!(parse("0"), Ok(1));
    assert_eq!(parse("5"), Ok(5));
    assert!(parse("x").is_err());
    assert!(parse("").is_err());
    let f = entry(&path("parse"));
    assert_eq!((f.calls, f.errors), (4, 2));
}

type Outcome = std::io::Result<()>;

#[profile]
fn aliased(fail: bool) -> Outcome {
    if fail { Err(std::io::Error::other("boom")) } else { Ok(()) }
}

#[test]
fn errors_through_type_aliases() {
    aliased(true).unwrap_err();
    aliased(false).unwrap();
    let f = entry(&path("aliased"));
    assert_eq!((f.calls, f.errors), (2, 1));
}

#[profile]
fn explode(n: u32) -> u32 {
    if n == 3 {
        panic!("boom");
    }
    n
}

#[test]
fn panics_are_counted_timed_and_go_on() {
    for n in 0..5 {
        let r = std::panic::catch_unwind(|| explode(n));
        assert_eq!(r.is_err(), n == 3);
    }
    let f = entry(&path("explode"));
    assert_eq!((f.calls, f.panics, f.errors), (5, 1, 0));
    assert_eq!(f.decode_histogram().unwrap().len(), 5);
}

struct Noisy;

impl Drop for Noisy {
    fn drop(&mut self) {
        if std::thread::panicking() {
            explode_free(1);
        }
    }
}

#[profile]
fn explode_free(n: u32) -> u32 {
    n
}

#[test]
fn a_call_made_while_unwinding_is_not_a_panic() {
    let _ = std::panic::catch_unwind(|| {
        let _noisy = Noisy;
        panic!("outer");
    });
    let f = entry(&path("explode_free"));
    assert_eq!((f.calls, f.panics), (1, 0));
}

#[profile]
fn sleeps(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

/// Calls `f`, and how long it took seen from outside: at least what the profiler recorded.
fn timed(f: impl FnOnce()) -> Duration {
    let started = Instant::now();
    f();
    started.elapsed()
}

/// The most a recorded value can read in the report, for a call that took `ns` by the test's
/// clock: HdrHistogram with 3 significant digits reports the top of the value's bucket, up to
/// 1/1024 above it, and the runtime's clock (the TSC, scaled by a calibration at start-up, which
/// a VM can leave a few tenths of a percent off) is not the test's `Instant`: 1% covers both.
fn reported(ns: u64) -> u64 {
    ns + ns / 100 + 1
}

#[test]
fn percentiles_of_known_sleeps() {
    // Sleeps never undershoot; how far they overshoot depends on the machine, so each call's
    // time is bounded above by what the test measured around it.
    let mut outside: Vec<u64> =
        [2, 2, 2, 2, 2, 2, 2, 2, 2, 30].map(|ms| timed(|| sleeps(ms)).as_nanos() as u64).to_vec();
    outside.sort_unstable();
    let f = entry(&path("sleeps"));
    assert_eq!(f.calls, 10);
    let ms = 1_000_000;
    // The median is the 5th or 6th of ten calls in order: at most the 6th outside time.
    assert!((2 * ms..=reported(outside[5])).contains(&f.p50_ns), "p50 {} {outside:?}", f.p50_ns);
    assert!((30 * ms..=reported(outside[9])).contains(&f.max_ns), "max {} {outside:?}", f.max_ns);
    assert!((30 * ms..=reported(outside[9])).contains(&f.p99_ns), "p99 {} {outside:?}", f.p99_ns);
    // The same clock difference as for each call: a calibration a few hundredths off showed.
    let total = (9 * 2 + 30) * ms..=reported(outside.iter().sum::<u64>());
    assert!(total.contains(&f.total_ns), "total {} {total:?}", f.total_ns);
    assert!((f.mean_ns - f.total_ns as f64 / 10.0).abs() < 1.0);
}

#[profile(slow = "5ms")]
fn maybe_slow(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

#[test]
fn slow_calls_are_counted_and_the_slowest_kept() {
    let threshold = Duration::from_millis(5);
    let (mut sure, mut maybe) = (0, 0);
    for ms in [1, 12, 1, 6, 1, 20, 8, 9, 7, 1] {
        let outside = timed(|| maybe_slow(ms));
        // A call sleeping under 5ms is slow only if the machine stretched it that far, which
        // the time measured around it shows.
        if Duration::from_millis(ms) >= threshold {
            sure += 1;
        } else if outside >= threshold {
            maybe += 1;
        }
    }
    let f = entry(&path("maybe_slow"));
    assert!((sure..=sure + maybe).contains(&f.slow_calls), "{} of {sure}+{maybe}", f.slow_calls);
    let kept: Vec<u64> = f.slowest.iter().map(|s| s.duration_ns / 1_000_000).collect();
    assert_eq!(kept.len(), 5, "{kept:?}");
    assert!(kept.windows(2).all(|w| w[0] >= w[1]), "{kept:?}");
    // The five slowest took at least the five longest sleeps: 20, 12, 9, 8 and 7ms.
    assert!(kept[0] >= 20 && kept[4] >= 7, "{kept:?}");
    assert!(f.slowest.iter().all(|s| s.at.ends_with('Z')));
}

#[profile(name = "custom.name")]
fn renamed() {}

#[test]
fn custom_names() {
    renamed();
    assert_eq!(entry("custom.name").calls, 1);
}

struct Repo<T> {
    items: Vec<T>,
}

impl<T: Clone> Repo<T> {
    #[profile]
    fn get(&self, i: usize) -> Option<&T> {
        self.items.get(i)
    }

    #[profile]
    fn push(&mut self, item: T) -> &mut Self {
        self.items.push(item);
        self
    }

    #[profile]
    fn new() -> Self {
        Repo { items: Vec::new() }
    }
}

#[profile]
fn generic<T>(value: T) -> String
where
    T: std::fmt::Debug + Clone,
{
    format!("{value:?}")
}

#[test]
fn methods_are_named_by_type_and_generics_share_an_entry() {
    let mut strings = Repo::<String>::new();
    strings.push("a".into()).push("b".into());
    assert_eq!(strings.get(1).map(String::as_str), Some("b"));
    let mut numbers = Repo::<u8>::new();
    numbers.push(1);
    assert_eq!(entry(&path("Repo::new")).calls, 2);
    assert_eq!(entry(&path("Repo::push")).calls, 3);
    assert_eq!(entry(&path("Repo::get")).calls, 1);
    assert_eq!(generic(1u8) + &generic("x"), "1\"x\"");
    assert_eq!(entry(&path("generic")).calls, 2);
}

static HOOK_CALLS: AtomicU64 = AtomicU64::new(0);

#[profile(name = "hooked", slow = "1ms")]
fn hooked(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

#[test]
fn slow_call_hook_sees_each_slow_call() {
    let threshold = Duration::from_millis(1);
    perf_runtime::on_slow_call(move |call| {
        if call.name == "hooked" {
            assert!(call.duration >= threshold, "{call:?}");
            HOOK_CALLS.fetch_add(1, Ordering::Relaxed);
        }
    });
    hooked(3);
    // Slow too if the machine stretched it to 1ms, as the time measured around it shows.
    let maybe = timed(|| hooked(0)) >= threshold;
    hooked(4);
    let seen = HOOK_CALLS.load(Ordering::Relaxed);
    assert!(seen == 2 || (maybe && seen == 3), "{seen} slow calls heard");
    assert_eq!(entry("hooked").slow_calls, seen);
}
