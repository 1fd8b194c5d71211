//! `assert_budgets()`: silent while budgets hold, a readable table of the failures when one
//! does not. Its own binary: it checks every budget of the process.

use std::time::Duration;

use perf_runtime::profile;

#[profile(name = "assert.fast", budget = "p99 < 10s, errors < 1")]
fn fast() -> Result<(), ()> {
    Ok(())
}

#[profile(name = "assert.slow", budget = "mean < 5ms, p50 < 10s")]
fn slow() {
    std::thread::sleep(Duration::from_millis(10));
}

#[test]
fn passes_quietly_then_panics_with_the_failures_only() {
    fast().unwrap();
    perf_runtime::assert_budgets();

    slow();
    let panic = std::panic::catch_unwind(perf_runtime::assert_budgets).unwrap_err();
    let message = panic.downcast_ref::<String>().expect("a formatted message");
    let lines: Vec<&str> = message.lines().collect();
    assert_eq!(lines[0], "1 performance budget failed:", "{message}");
    assert!(lines[1].split_whitespace().eq(["status", "function", "budget", "actual", "calls"]));
    let row: Vec<&str> = lines[2].split_whitespace().collect();
    assert_eq!(row[..5], ["FAIL", "assert.slow", "mean", "<", "5ms"], "{message}");
    assert!(row[5].ends_with("ms") && row[6] == "1", "{message}");
    assert_eq!(lines.len(), 3, "passing budgets are left out:\n{message}");
}
