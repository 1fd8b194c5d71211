//! One breaker: its state word, its window, its trial calls and its counters. Shared by every
//! fn with the same name and by the [`CircuitBreaker`](super::CircuitBreaker) handles on it.
//!
//! The closed path is one load when a call starts and one `fetch_add` (the call counter, which
//! is also the count window's ring index) plus a load or two when it ends; no lock, no
//! allocation. Transitions are rare and take a mutex, so that the open-until time, the trial
//! slots and the window are set up before the new state word is published.

use std::sync::atomic::{
    AtomicBool, AtomicU64, Ordering::Acquire, Ordering::Relaxed, Ordering::Release,
};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use super::clock::{ManualClock, real_now_ns};
use super::config::{BreakerConfig, Window};
use super::count_window::CountWindow;
use super::outcome::{Outcome, Snapshot};
use super::permit::Permit;
use super::state::{State, generation, pack};
use super::time_window::TimeWindow;
use super::transitions::Transitions;
use super::trials::Trials;
use super::{Open, hooks};
use crate::record::baseline::Baseline;
use crate::record::lock;

pub(crate) enum WindowRing {
    Count(CountWindow),
    Time(Box<TimeWindow>),
}

/// Keeps the per-call counter off the cache line of the read-mostly fields.
#[repr(align(128))]
pub(crate) struct Padded<T>(pub(crate) T);

/// Where the breaker was declared (the first site to use the name), for the report.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Origin {
    pub(crate) file: &'static str,
    pub(crate) line: u32,
}

pub(crate) struct Breaker {
    pub(crate) name: &'static str,
    pub(crate) config: BreakerConfig,
    pub(crate) origin: Origin,
    state: AtomicU64,
    open_until: AtomicU64,
    window: WindowRing,
    trials: Trials,
    clock: OnceLock<ManualClock>,
    /// Every admitted call that finished, trial or not: the ring index of a count window.
    finished: Padded<AtomicU64>,
    /// Admitted calls that failed (slow or not), and successes that were slow.
    pub(crate) failures: AtomicU64,
    pub(crate) slow: AtomicU64,
    pub(crate) rejected: AtomicU64,
    pub(crate) cancelled: AtomicU64,
    pub(crate) hook_panics: AtomicU64,
    forced: AtomicBool,
    pub(crate) transitions: Mutex<Transitions>,
    pub(crate) baseline: Baseline<super::report::Counts>,
}

impl Breaker {
    pub(crate) fn new(name: &'static str, config: BreakerConfig, origin: Origin) -> Self {
        config.validate();
        let window = match config.window {
            Window::Calls(n) => WindowRing::Count(CountWindow::new(n)),
            Window::TimeNs(ns) => WindowRing::Time(Box::new(TimeWindow::new(ns))),
        };
        Self {
            name,
            config,
            origin,
            state: AtomicU64::new(pack(0, State::Closed)),
            open_until: AtomicU64::new(0),
            window,
            trials: Trials::new(),
            clock: OnceLock::new(),
            finished: Padded(AtomicU64::new(0)),
            failures: AtomicU64::new(0),
            slow: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            cancelled: AtomicU64::new(0),
            hook_panics: AtomicU64::new(0),
            forced: AtomicBool::new(false),
            transitions: Mutex::new(Transitions::default()),
            baseline: Baseline::new(),
        }
    }

    /// Follows `clock` from now on; false if the breaker already follows another one.
    pub(crate) fn use_clock(&self, clock: ManualClock) -> bool {
        self.clock.set(clock).is_ok()
    }

    #[inline(always)]
    pub(crate) fn now_ns(&self) -> u64 {
        match self.clock.get() {
            Some(manual) => manual.now_ns(),
            None => real_now_ns(),
        }
    }

    pub(crate) fn state(&self) -> State {
        State::from_bits(self.state.load(Acquire))
    }

    pub(crate) fn finished(&self) -> u64 {
        self.finished.0.load(Relaxed)
    }

    /// Admits a call, or refuses it with the breaker's [`Open`].
    #[inline(always)]
    pub(crate) fn acquire(&'static self) -> Result<Permit, Open> {
        let word = self.state.load(Acquire);
        if word & 3 == 0 {
            return Ok(Permit::new(self, generation(word), false, self.start_ns()));
        }
        self.acquire_slow()
    }

    #[inline(always)]
    fn start_ns(&self) -> u64 {
        if self.config.slow_ns != 0 { self.now_ns() } else { 0 }
    }

    #[cold]
    #[inline(never)]
    fn acquire_slow(&'static self) -> Result<Permit, Open> {
        loop {
            let word = self.state.load(Acquire);
            match State::from_bits(word) {
                State::Closed => {
                    return Ok(Permit::new(self, generation(word), false, self.start_ns()));
                }
                State::Open => {
                    let until = self.open_until.load(Acquire);
                    let now = self.now_ns();
                    if until == u64::MAX {
                        return Err(self.refuse(Duration::MAX));
                    }
                    if now < until {
                        return Err(self.refuse(Duration::from_nanos(until - now)));
                    }
                    self.transition(word, State::HalfOpen, false);
                }
                State::HalfOpen => {
                    if self.trials.issue(generation(word), self.config.half_open_calls) {
                        return Ok(Permit::new(self, generation(word), true, self.start_ns()));
                    }
                    // The spell may have ended while the slots were full.
                    if self.state.load(Acquire) == word {
                        return Err(self.refuse(Duration::ZERO));
                    }
                }
            }
        }
    }

    fn refuse(&self, retry_after: Duration) -> Open {
        self.rejected.fetch_add(1, Relaxed);
        Open { name: self.name, retry_after }
    }

    /// A call admitted under `generation` returned: `failed` as `when` judged its `Err`.
    #[inline(always)]
    pub(crate) fn finish(&self, generation: u64, trial: bool, start_ns: u64, failed: bool) {
        let mut now = None;
        let slow = self.config.slow_ns != 0 && {
            let n = self.now_ns();
            now = Some(n);
            n.saturating_sub(start_ns) >= self.config.slow_ns
        };
        let index = self.finished.0.fetch_add(1, Relaxed);
        if failed {
            self.failures.fetch_add(1, Relaxed);
        } else if slow {
            self.slow.fetch_add(1, Relaxed);
        }
        if trial {
            self.finish_trial(generation, failed, slow);
            return;
        }
        let word = pack(generation, State::Closed);
        // Admitted before a transition: the window it would count in is gone.
        if self.state.load(Relaxed) != word {
            return;
        }
        let outcome = Outcome::new(failed, slow);
        let snapshot = match &self.window {
            WindowRing::Count(w) => {
                w.record(index, outcome);
                if outcome == Outcome::Success && !w.has_bad() {
                    return;
                }
                w.snapshot()
            }
            WindowRing::Time(w) => {
                let now = now.unwrap_or_else(|| self.now_ns());
                w.record(now, outcome);
                if outcome == Outcome::Success && !w.has_bad(now) {
                    return;
                }
                w.snapshot(now)
            }
        };
        self.judge(word, snapshot);
    }

    #[inline(never)]
    fn judge(&self, word: u64, snapshot: Snapshot) {
        if snapshot.trips(
            self.config.effective_min_calls(),
            self.config.failure_rate_bp,
            self.slow_bp(),
        ) {
            self.transition(word, State::Open, false);
        }
    }

    fn slow_bp(&self) -> Option<u32> {
        (self.config.slow_ns != 0).then_some(self.config.slow_rate_bp)
    }

    #[cold]
    fn finish_trial(&self, generation: u64, failed: bool, slow: bool) {
        let limit = self.config.half_open_calls;
        if let Some(v) = self.trials.finish(generation, limit, failed, slow) {
            let s = Snapshot { calls: v.done, failures: v.failures, slow: v.slow };
            let to = if s.trips(1, self.config.failure_rate_bp, self.slow_bp()) {
                State::Open
            } else {
                State::Closed
            };
            self.transition(pack(generation, State::HalfOpen), to, false);
        }
    }

    /// A call admitted under `generation` was dropped before it returned (a cancelled future):
    /// it counts as neither success nor failure, and a trial's slot goes to another call.
    #[cold]
    pub(crate) fn cancel(&self, generation: u64, trial: bool) {
        self.cancelled.fetch_add(1, Relaxed);
        if trial {
            self.trials.cancel(generation);
        }
    }

    /// Moves from the state word `expected` to `to`; false if another transition came first.
    fn transition(&self, expected: u64, to: State, forced: bool) -> bool {
        let mut transitions = lock(&self.transitions);
        if self.state.load(Acquire) != expected {
            return false;
        }
        let from = State::from_bits(expected);
        let generation = generation(expected) + 1;
        match to {
            State::Open => {
                let until = if forced {
                    u64::MAX
                } else {
                    self.now_ns().saturating_add(self.config.open_for_ns)
                };
                self.open_until.store(until, Release);
            }
            State::HalfOpen => self.trials.start(generation),
            State::Closed => self.clear_window(),
        }
        self.forced.store(forced, Relaxed);
        self.state.store(pack(generation, to), Release);
        transitions.push(from, to);
        drop(transitions);
        if !hooks::notify(self.name, from, to) {
            self.hook_panics.fetch_add(1, Relaxed);
        }
        true
    }

    fn clear_window(&self) {
        match &self.window {
            WindowRing::Count(w) => w.clear(),
            WindowRing::Time(w) => w.clear(),
        }
    }

    /// Opens the breaker until [`reset`](Self::reset).
    pub(crate) fn force_open(&self) {
        loop {
            let word = self.state.load(Acquire);
            if State::from_bits(word) == State::Open && self.forced.load(Relaxed) {
                return;
            }
            if self.transition(word, State::Open, true) {
                return;
            }
        }
    }

    /// Closes the breaker with an empty window.
    pub(crate) fn reset(&self) {
        loop {
            let word = self.state.load(Acquire);
            if State::from_bits(word) == State::Closed {
                let _serialized = lock(&self.transitions);
                if self.state.load(Acquire) == word {
                    self.clear_window();
                    return;
                }
                continue;
            }
            if self.transition(word, State::Closed, false) {
                return;
            }
        }
    }

    /// The window as it stands (the trial calls' while half-open).
    pub(crate) fn window(&self) -> Snapshot {
        match &self.window {
            WindowRing::Count(w) => w.snapshot(),
            WindowRing::Time(w) => w.snapshot(self.now_ns()),
        }
    }
}
