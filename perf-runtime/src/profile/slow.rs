//! Calls over a fn's `slow` threshold: a user hook, and the slowest few kept for the report.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, SystemTime};

use super::stats::FnStats;
use crate::record::lock;

/// How many of the slowest calls each fn keeps for the report.
const KEEP: usize = 5;

/// A call that took at least its fn's `slow` threshold.
#[derive(Debug, Clone, Copy)]
pub struct SlowCall<'a> {
    /// The profiled name.
    pub name: &'a str,
    /// Wall time of the call.
    pub duration: Duration,
    /// When the call finished.
    pub at: SystemTime,
}

type Hook = Box<dyn Fn(&SlowCall<'_>) + Send + Sync>;

static HOOK: RwLock<Option<Hook>> = RwLock::new(None);

/// Calls `hook` for every slow call, on the thread that made the call, replacing any earlier hook.
///
/// The hook runs only for calls at or over a fn's `slow` threshold, so it is off the hot path.
/// A panic inside the hook is caught and ignored: it never reaches the profiled call.
///
/// ```
/// use perf_runtime::{on_slow_call, profile};
///
/// on_slow_call(|call| eprintln!("slow: {} took {:?}", call.name, call.duration));
///
/// #[profile(slow = "1ms")]
/// fn load() {
///     std::thread::sleep(std::time::Duration::from_millis(2));
/// }
/// load();
/// ```
pub fn on_slow_call(hook: impl Fn(&SlowCall<'_>) + Send + Sync + 'static) {
    *HOOK.write().unwrap_or_else(|e| e.into_inner()) = Some(Box::new(hook));
}

/// The slowest calls of one fn, largest first.
#[derive(Default)]
pub(crate) struct Slowest {
    /// The smallest kept duration once full: cheaper calls skip the lock.
    floor: AtomicU64,
    calls: Mutex<Vec<(u64, SystemTime)>>,
}

impl Slowest {
    pub(crate) fn snapshot(&self) -> Vec<(u64, SystemTime)> {
        lock(&self.calls).clone()
    }

    pub(crate) fn clear(&self) {
        lock(&self.calls).clear();
        self.floor.store(0, Relaxed);
    }

    fn keep(&self, ns: u64, at: SystemTime) {
        if ns <= self.floor.load(Relaxed) {
            return;
        }
        let mut calls = lock(&self.calls);
        let at_index = calls.partition_point(|&(kept, _)| kept >= ns);
        calls.insert(at_index, (ns, at));
        calls.truncate(KEEP);
        if calls.len() == KEEP {
            self.floor.store(calls[KEEP - 1].0, Relaxed);
        }
    }
}

#[cold]
#[inline(never)]
pub(crate) fn observe(stats: &FnStats, ns: u64) {
    crate::alloc::untracked(|| observe_now(stats, ns));
}

fn observe_now(stats: &FnStats, ns: u64) {
    let at = SystemTime::now();
    stats.slowest.keep(ns, at);
    let hook = HOOK.read().unwrap_or_else(|e| e.into_inner());
    if let Some(hook) = hook.as_ref() {
        let call = SlowCall { name: &stats.name, duration: Duration::from_nanos(ns), at };
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hook(&call)));
    }
}
