//! Budgets checked while the program runs: one background thread, started by the first
//! [`on_budget_violation`], checks every budget over the calls of the last window only.

use std::collections::HashSet;
use std::sync::{Once, OnceLock, RwLock};
use std::time::Duration;

use super::check::{BudgetResult, Status, check};
use super::clause::{Stat, parse_nanos};
use crate::report::Report;

type Hook = Box<dyn Fn(&BudgetResult) + Send + Sync>;

static HOOK: RwLock<Option<Hook>> = RwLock::new(None);

const DEFAULT_WINDOW: Duration = Duration::from_secs(60);

/// Calls `hook` when a budget starts failing and again when it recovers, judged over the
/// calls of the last [`alert_window`](crate::Config::alert_window) (default 60s, or env
/// `PERF_ALERT_WINDOW` like `"30s"`) rather than since start. The result's `status` says
/// which: [`Status::Fail`] or [`Status::Pass`]. A budget failing for several windows calls
/// it once; a window without calls to judge changes nothing. Replaces any earlier hook.
///
/// The first call starts one background thread (`perf-budget-alerts`) that takes a snapshot
/// each window and checks the difference from the last one (see [`Report::delta`]); the
/// profiled calls themselves do nothing more. A panic inside the hook is caught and ignored.
///
/// Use it for sustained trends (the p99 of the last minute is over its budget); for each call
/// over a threshold as it happens, use [`on_slow_call`](crate::on_slow_call).
///
/// ```no_run
/// perf_runtime::on_budget_violation(|r| {
///     eprintln!("budget {}: {} {} < {}: {:?}", r.status, r.r#fn, r.stat, r.limit, r.actual);
/// });
/// ```
pub fn on_budget_violation(hook: impl Fn(&BudgetResult) + Send + Sync + 'static) {
    *HOOK.write().unwrap_or_else(|e| e.into_inner()) = Some(Box::new(hook));
    static STARTED: Once = Once::new();
    STARTED.call_once(|| {
        let spawned = std::thread::Builder::new().name("perf-budget-alerts".into()).spawn(watch);
        if let Err(e) = spawned {
            eprintln!("perf: cannot start the budget alert thread: {e}");
        }
    });
}

fn watch() {
    let mut earlier = Report::collect();
    let mut failing: HashSet<(String, Stat)> = HashSet::new();
    loop {
        std::thread::sleep(window());
        let now = Report::collect();
        let results = check(&now.delta(&earlier), &super::active());
        earlier = now;
        for r in results {
            let changed = match r.status {
                Status::Fail => failing.insert((r.r#fn.clone(), r.stat)),
                Status::Pass => failing.remove(&(r.r#fn.clone(), r.stat)),
                Status::NoData => false,
            };
            if changed {
                let hook = HOOK.read().unwrap_or_else(|e| e.into_inner());
                if let Some(hook) = hook.as_ref() {
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hook(&r)));
                }
            }
        }
    }
}

fn window() -> Duration {
    if let Some(window) = crate::report::config().alert_window.filter(|w| !w.is_zero()) {
        return window;
    }
    static FROM_ENV: OnceLock<Duration> = OnceLock::new();
    *FROM_ENV.get_or_init(|| {
        let Ok(text) = std::env::var("PERF_ALERT_WINDOW") else {
            return DEFAULT_WINDOW;
        };
        match parse_nanos(text.trim()) {
            Ok(n) if n > 0 => Duration::from_nanos(n),
            Ok(_) => {
                eprintln!("perf: PERF_ALERT_WINDOW must be above zero; using 60s");
                DEFAULT_WINDOW
            }
            Err(e) => {
                eprintln!("perf: PERF_ALERT_WINDOW: {e}; using 60s");
                DEFAULT_WINDOW
            }
        }
    })
}
