//! The `breakers[]` part of the report: one [`BreakerReport`] per breaker name, and its table.

use std::fmt::{self, Formatter};

#[cfg(feature = "breaker")]
use super::machine::Breaker;
use super::transitions::Transition;
use crate::format::duration as format_duration;

/// What one circuit breaker did. Fields carry their JSON names; durations are nanoseconds,
/// rates percent.
///
/// Every call ends one way: `calls == successes + failures + slow + rejected + cancelled`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "json", derive(serde::Serialize, serde::Deserialize))]
pub struct BreakerReport {
    /// The attribute's `name = "..."`, or `module::fn` / `module::Type::method`.
    pub name: String,
    /// Where the first fn with this name is defined (empty for a [`CircuitBreaker`](super::CircuitBreaker) made by its builder).
    pub file: String,
    /// The line of that fn.
    pub line: u32,
    /// `closed`, `open` or `half_open` when the report was taken.
    pub state: String,
    /// Calls made, refused ones included.
    pub calls: u64,
    /// Admitted calls that returned `Ok` (or an `Err` that `when` does not count) in time.
    pub successes: u64,
    /// Admitted calls that failed: a counted `Err` or a panic, slow or not.
    pub failures: u64,
    /// Successes at or over `slow`.
    pub slow: u64,
    /// Calls refused while open, or while half-open with every trial slot taken.
    pub rejected: u64,
    /// Admitted calls dropped before they returned (cancelled futures).
    pub cancelled: u64,
    /// Calls in the current window.
    pub window_calls: u64,
    /// The current window's failure rate, in percent.
    pub failure_rate: f64,
    /// The current window's slow-call rate, in percent.
    pub slow_rate: f64,
    /// Transitions to open.
    pub transitions_to_open: u64,
    /// Transitions to half-open.
    pub transitions_to_half_open: u64,
    /// Transitions to closed.
    pub transitions_to_closed: u64,
    /// The last transitions (at most 32), oldest first.
    pub transitions: Vec<Transition>,
    /// `on_state_change` hooks that panicked.
    #[cfg_attr(feature = "json", serde(default))]
    pub hook_panics: u64,
    /// Setting `failure_rate`, in percent.
    pub failure_rate_threshold: f64,
    /// Setting `window` as a number of calls; 0 for a time window.
    pub window_size: u32,
    /// Setting `window` as a duration; 0 for a count window.
    pub window_ns: u64,
    /// Setting `min_calls`.
    pub min_calls: u32,
    /// Setting `open_for`.
    pub open_for_ns: u64,
    /// Setting `half_open_calls`.
    pub half_open_calls: u32,
    /// Setting `slow`; 0 for none.
    pub slow_ns: u64,
    /// Setting `slow_rate`, in percent; 0 without `slow`.
    pub slow_rate_threshold: f64,
}

/// The counters a [`crate::reset`] takes a baseline of.
#[cfg(feature = "breaker")]
#[derive(Clone, Copy, Default)]
pub(crate) struct Counts {
    finished: u64,
    failures: u64,
    slow: u64,
    rejected: u64,
    cancelled: u64,
    hook_panics: u64,
    to_open: u64,
    to_half_open: u64,
    to_closed: u64,
}

#[cfg(feature = "breaker")]
impl crate::record::baseline::Subtract for Counts {
    fn subtract(&mut self, b: &Counts) {
        let mut b = *b;
        for (v, base) in self.fields().into_iter().zip(b.fields()) {
            *v -= *base;
        }
    }
}

#[cfg(feature = "breaker")]
impl Counts {
    fn fields(&mut self) -> [&mut u64; 9] {
        [
            &mut self.finished,
            &mut self.failures,
            &mut self.slow,
            &mut self.rejected,
            &mut self.cancelled,
            &mut self.hook_panics,
            &mut self.to_open,
            &mut self.to_half_open,
            &mut self.to_closed,
        ]
    }
}

#[cfg(feature = "breaker")]
fn current(b: &Breaker) -> (Counts, Vec<Transition>) {
    use std::sync::atomic::Ordering::Relaxed;
    let t = crate::record::lock(&b.transitions);
    let counts = Counts {
        finished: b.finished(),
        failures: b.failures.load(Relaxed),
        slow: b.slow.load(Relaxed),
        rejected: b.rejected.load(Relaxed),
        cancelled: b.cancelled.load(Relaxed),
        hook_panics: b.hook_panics.load(Relaxed),
        to_open: t.to_open,
        to_half_open: t.to_half_open,
        to_closed: t.to_closed,
    };
    (counts, t.recent.iter().cloned().collect())
}

/// Clears every breaker's counters and transition list (not its state or window).
#[cfg(feature = "breaker")]
pub(crate) fn reset_stats() {
    for b in super::registry::all() {
        let (counts, _) = current(b);
        let mut t = crate::record::lock(&b.transitions);
        t.recent.clear();
        b.baseline.reset(counts);
    }
}

#[cfg(feature = "breaker")]
impl BreakerReport {
    fn from_breaker(b: &Breaker) -> Option<Self> {
        use super::config::Window;
        let (counts, transitions) = current(b);
        let c = b.baseline.since(counts);
        let state = b.state();
        let calls = c.finished + c.rejected + c.cancelled;
        if calls == 0
            && c.to_open + c.to_half_open + c.to_closed == 0
            && state == super::State::Closed
        {
            return None;
        }
        let w = b.window();
        let cfg = &b.config;
        let (window_size, window_ns) = match cfg.window {
            Window::Calls(n) => (n, 0),
            Window::TimeNs(ns) => (0, ns),
        };
        Some(Self {
            name: b.name.to_owned(),
            file: b.origin.file.to_owned(),
            line: b.origin.line,
            state: state.as_str().to_owned(),
            calls,
            successes: c.finished - c.failures - c.slow,
            failures: c.failures,
            slow: c.slow,
            rejected: c.rejected,
            cancelled: c.cancelled,
            window_calls: w.calls,
            failure_rate: w.failure_rate(),
            slow_rate: w.slow_rate(),
            transitions_to_open: c.to_open,
            transitions_to_half_open: c.to_half_open,
            transitions_to_closed: c.to_closed,
            transitions,
            hook_panics: c.hook_panics,
            failure_rate_threshold: f64::from(cfg.failure_rate_bp) / 100.0,
            window_size,
            window_ns,
            min_calls: cfg.min_calls,
            open_for_ns: cfg.open_for_ns,
            half_open_calls: cfg.half_open_calls,
            slow_ns: cfg.slow_ns,
            slow_rate_threshold: if cfg.slow_ns == 0 {
                0.0
            } else {
                f64::from(cfg.slow_rate_bp) / 100.0
            },
        })
    }
}

impl BreakerReport {
    /// Refused calls per call, in percent (0 without calls).
    pub fn rejected_rate(&self) -> f64 {
        if self.calls == 0 { 0.0 } else { self.rejected as f64 * 100.0 / self.calls as f64 }
    }
}

/// Every breaker with calls, transitions or a state other than closed, by name (none without
/// the `breaker` feature).
pub(crate) fn collect() -> Vec<BreakerReport> {
    #[cfg(feature = "breaker")]
    let mut out: Vec<_> =
        super::registry::all().into_iter().filter_map(BreakerReport::from_breaker).collect();
    #[cfg(not(feature = "breaker"))]
    let mut out: Vec<BreakerReport> = Vec::new();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The `breakers` section of the report table.
pub(crate) fn write_table(f: &mut Formatter<'_>, breakers: &[BreakerReport]) -> fmt::Result {
    if breakers.is_empty() {
        return Ok(());
    }
    let width =
        breakers.iter().map(|b| b.name.chars().count()).max().unwrap_or(0).max("breaker".len());
    writeln!(f, "\nbreakers:")?;
    writeln!(
        f,
        "{:<width$} {:>9} {:>9} {:>9} {:>9} {:>7} {:>9} {:>9} {:>7} {:>6} {:>6} {:>6}  window",
        "breaker",
        "state",
        "calls",
        "ok",
        "failed",
        "slow",
        "rejected",
        "cancelled",
        "fail%",
        "open",
        "half",
        "closed",
    )?;
    for b in breakers {
        let window = if b.window_ns != 0 {
            format!("{} calls in {}", b.window_calls, format_duration(b.window_ns))
        } else {
            format!("{} of {} calls", b.window_calls, b.window_size)
        };
        writeln!(
            f,
            "{:<width$} {:>9} {:>9} {:>9} {:>9} {:>7} {:>9} {:>9} {:>7.1} {:>6} {:>6} {:>6}  {}",
            b.name,
            b.state,
            b.calls,
            b.successes,
            b.failures,
            b.slow,
            b.rejected,
            b.cancelled,
            b.failure_rate,
            b.transitions_to_open,
            b.transitions_to_half_open,
            b.transitions_to_closed,
            window,
        )?;
    }
    Ok(())
}

/// The counters, in one place so that merge and delta treat the same fields.
fn counts(b: &mut BreakerReport) -> [&mut u64; 10] {
    [
        &mut b.calls,
        &mut b.successes,
        &mut b.failures,
        &mut b.slow,
        &mut b.rejected,
        &mut b.cancelled,
        &mut b.transitions_to_open,
        &mut b.transitions_to_half_open,
        &mut b.transitions_to_closed,
        &mut b.hook_panics,
    ]
}

/// Open beats half-open beats closed: a merged breaker is as bad as its worst process's.
fn severity(state: &str) -> u8 {
    match state {
        "open" => 2,
        "half_open" => 1,
        _ => 0,
    }
}

/// One breaker name across several reports: counters summed, the worst state, the windows
/// pooled (rates weighted by their calls), the latest transitions of all.
pub(crate) fn merge(group: &[&BreakerReport]) -> Result<BreakerReport, crate::MergeError> {
    let mut out = group[0].clone();
    counts(&mut out).into_iter().for_each(|v| *v = 0);
    let (mut window, mut failed, mut slow) = (0u64, 0.0, 0.0);
    out.transitions.clear();
    for b in group {
        let mut b2 = (*b).clone();
        for (sum, v) in counts(&mut out).into_iter().zip(counts(&mut b2)) {
            *sum += *v;
        }
        if severity(&b.state) > severity(&out.state) {
            out.state = b.state.clone();
        }
        window += b.window_calls;
        failed += b.failure_rate * b.window_calls as f64 / 100.0;
        slow += b.slow_rate * b.window_calls as f64 / 100.0;
        out.transitions.extend(b.transitions.iter().cloned());
    }
    out.window_calls = window;
    let rate =
        |n: f64| if window == 0 { 0.0 } else { (n * 100.0 / window as f64 * 1e6).round() / 1e6 };
    out.failure_rate = rate(failed);
    out.slow_rate = rate(slow);
    out.transitions.sort_by_key(|t| t.at_unix_ms);
    let keep = out.transitions.len().saturating_sub(super::RECENT_TRANSITIONS);
    out.transitions.drain(..keep);
    Ok(out)
}

/// What happened to a breaker since `e`, an earlier report of it: counters subtracted, the
/// transitions after `e`'s last; `None` when a counter went down (a reset in between).
pub(crate) fn delta(b: &BreakerReport, e: &BreakerReport) -> Option<BreakerReport> {
    let mut out = b.clone();
    let mut e2 = e.clone();
    for (v, ev) in counts(&mut out).into_iter().zip(counts(&mut e2)) {
        *v = v.checked_sub(*ev)?;
    }
    let last = e.transitions.last().map_or(0, |t| t.at_unix_ms);
    let new = out.transitions_to_open + out.transitions_to_half_open + out.transitions_to_closed;
    out.transitions.retain(|t| t.at_unix_ms >= last);
    let keep = out.transitions.len().saturating_sub(new as usize);
    out.transitions.drain(..keep);
    Some(out)
}

impl BreakerReport {
    /// Whether a delta should keep this entry: it saw calls or transitions, or it is not closed.
    pub(crate) fn is_active(&self) -> bool {
        self.calls != 0
            || self.transitions_to_open + self.transitions_to_half_open + self.transitions_to_closed
                != 0
            || self.state != "closed"
    }
}
