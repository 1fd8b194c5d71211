//! What `#[timeout]` counts per name: calls that finished, and those dropped at the deadline.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crate::record::baseline::{Baseline, Subtract};
use crate::record::lock;

pub(crate) struct TimeoutStats {
    pub(crate) name: Box<str>,
    pub(crate) file: &'static str,
    pub(crate) line: u32,
    pub(crate) timeout_ns: u64,
    /// Calls that completed in time or ran out of it (cancelled ones are neither).
    pub(crate) calls: AtomicU64,
    pub(crate) elapsed: AtomicU64,
    baseline: Baseline<Totals>,
}

static ALL: Mutex<Vec<&'static TimeoutStats>> = Mutex::new(Vec::new());

/// The stats for `name`, created on first use; call sites with the same name share them.
pub(crate) fn stats_for(
    name: &str,
    file: &'static str,
    line: u32,
    timeout_ns: u64,
) -> &'static TimeoutStats {
    let mut all = lock(&ALL);
    if let Some(stats) = all.iter().find(|s| &*s.name == name) {
        return stats;
    }
    let stats: &'static TimeoutStats = Box::leak(Box::new(TimeoutStats {
        name: name.into(),
        file,
        line,
        timeout_ns,
        calls: AtomicU64::new(0),
        elapsed: AtomicU64::new(0),
        baseline: Baseline::new(),
    }));
    all.push(stats);
    stats
}

pub(crate) fn all() -> Vec<&'static TimeoutStats> {
    lock(&ALL).clone()
}

impl TimeoutStats {
    fn current(&self) -> Totals {
        Totals { calls: self.calls.load(Relaxed), elapsed: self.elapsed.load(Relaxed) }
    }

    pub(crate) fn totals(&self) -> Totals {
        self.baseline.since(self.current())
    }

    pub(crate) fn reset(&self) {
        self.baseline.reset(self.current());
    }
}

#[derive(Clone, Copy)]
pub(crate) struct Totals {
    pub(crate) calls: u64,
    pub(crate) elapsed: u64,
}

impl Subtract for Totals {
    fn subtract(&mut self, base: &Totals) {
        self.calls -= base.calls;
        self.elapsed -= base.elapsed;
    }
}
