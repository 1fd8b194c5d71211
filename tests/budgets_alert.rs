//! Windowed budget alerts: a fn goes slow, then recovers, and the hook hears of each once.
//! Its own binary, since the alert thread and its configuration are global.
//!
//! Nothing here waits for a wall-clock deadline a busy machine could miss: each phase lasts
//! until the alert thread has said what it had to (with a generous cap against a hang), and
//! the fast calls do no work, so no scheduler delay can push half a window's calls over the
//! 25ms budget.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use perf_runtime::budget::{BudgetResult, Stat, Status};
use perf_runtime::{Config, profile};

const WINDOW: Duration = Duration::from_millis(200);
const GIVE_UP: Duration = Duration::from_secs(120);

#[profile(name = "alerts.lookup", budget = "p50 < 25ms")]
fn lookup(slow: bool) {
    if slow {
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Calls `lookup(slow)` until the hook reports, pausing between fast calls; the calls made.
fn call_until_alert(slow: bool, alerts: &mpsc::Receiver<BudgetResult>) -> (BudgetResult, u64) {
    let start = Instant::now();
    let mut calls = 0;
    loop {
        lookup(slow);
        calls += 1;
        if let Ok(alert) = alerts.try_recv() {
            return (alert, calls);
        }
        if !slow {
            std::thread::sleep(Duration::from_millis(2));
        }
        assert!(start.elapsed() < GIVE_UP, "no alert after {calls} calls (slow: {slow})");
    }
}

/// Calls `lookup(false)` for `windows` windows; the calls made.
fn call_fast_for(windows: u32) -> u64 {
    let until = Instant::now() + WINDOW * windows;
    let mut calls = 0;
    while Instant::now() < until {
        lookup(false);
        calls += 1;
        std::thread::sleep(Duration::from_millis(2));
    }
    calls
}

#[test]
fn a_fn_goes_slow_and_recovers_and_the_hook_hears_it_twice() {
    perf_runtime::configure(Config {
        alert_window: Some(WINDOW),
        quiet: true,
        ..Default::default()
    });
    let (tx, alerts) = mpsc::channel();
    perf_runtime::on_budget_violation(move |r| {
        let _ = tx.send(r.clone());
    });

    let before = call_fast_for(3);
    assert!(alerts.try_recv().is_err(), "no alert while the budget holds");

    let (fail, slow_calls) = call_until_alert(true, &alerts);
    assert_eq!(
        (fail.r#fn.as_str(), fail.stat, fail.status),
        ("alerts.lookup", Stat::P50, Status::Fail)
    );
    let p50 = fail.actual.unwrap();
    assert!(p50 >= 50e6, "over half the window's calls slept 50ms: {fail:?}");

    let (recovered, fast_calls) = call_until_alert(false, &alerts);
    assert_eq!(
        (recovered.r#fn.as_str(), recovered.stat, recovered.status),
        ("alerts.lookup", Stat::P50, Status::Pass)
    );
    assert!(recovered.actual.unwrap() < 25e6, "{recovered:?}");
    // The verdict is over the last window alone: it began after the failing one was judged,
    // so none of the calls before the slow phase are in it.
    assert!(recovered.calls <= slow_calls + fast_calls, "{recovered:?}");
    let total = perf_runtime::Report::collect().function("alerts.lookup").unwrap().calls;
    assert!(recovered.calls < total && before > 0, "{recovered:?} of {total} calls");

    call_fast_for(4);
    let extra: Vec<_> = alerts.try_iter().collect();
    assert!(extra.is_empty(), "a recovered budget stays quiet: {extra:#?}");
}
