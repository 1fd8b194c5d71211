//! The retry loop's state and decisions. Generated code drives the loop itself (the body must
//! be re-run in place so that it can borrow the fn's arguments, which a closure returning a
//! future cannot do) and hands every attempt's result to [`RetryLoop::next`].

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use super::RetryEvent;
use super::site::{RetryPolicy, RetrySite, SelfName};
use crate::record::{clock, enabled};

/// One call of a `#[retry]` fn, from its first attempt to its result.
#[derive(Debug)]
///
/// It holds only what changes during the call: the site, policy and `Self` name are constants
/// that generated code passes to each method, so that an `async fn`'s future (moved at every
/// `.await`) stays small enough to be copied inline.
pub struct RetryLoop {
    /// Attempts finished so far.
    attempt: u32,
    /// Whether `max_elapsed` follows tokio's clock (an `async fn`) rather than std's.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    tokio_clock: bool,
    /// Clock ticks at the start of the call; 0 when not timing.
    call_start: u64,
    /// Set only with `max_elapsed`, so a call without it reads no clock.
    started: Option<Instant>,
    /// What only a call that fails needs, allocated at its first failure: every `.await` on
    /// an `async fn` moves its future, so state kept inline costs every call.
    failing: Option<Box<Failing>>,
}

#[derive(Debug, Default)]
struct Failing {
    prev_delay_ns: u64,
    /// The delay chosen by the last failed attempt, slept by `sleep`.
    pending_ns: u64,
    slept_ns: u64,
    timeouts: u64,
    /// Whether the last attempt's error came from `timeout`: always retryable.
    timed_out: bool,
    /// Clock ticks at the start of the current attempt, when timing and past the first.
    attempt_start: u64,
}

#[derive(Clone, Copy)]
enum Outcome {
    Success,
    Permanent,
    Exhausted,
    Deadline,
    BudgetRefused,
}

impl RetryLoop {
    /// Starts a call of a sync fn.
    #[inline(always)]
    pub fn start(policy: &'static RetryPolicy) -> Self {
        let started = (policy.max_elapsed_ns != 0).then(Instant::now);
        Self::new(policy, started, false)
    }

    /// Starts a call of an `async fn`: its deadline follows tokio's clock, as its sleeps do,
    /// so a paused test clock stays consistent.
    #[cfg(feature = "tokio")]
    #[inline(always)]
    pub fn start_async(policy: &'static RetryPolicy) -> Self {
        let started = (policy.max_elapsed_ns != 0).then(|| tokio::time::Instant::now().into_std());
        Self::new(policy, started, true)
    }

    #[inline(always)]
    fn new(policy: &'static RetryPolicy, started: Option<Instant>, tokio_clock: bool) -> Self {
        // A refusal made before this call (and handled by the code around it) is not ours.
        crate::rejection::take();
        let call_start = if policy.timed && enabled::is_enabled() { clock::ticks() } else { 0 };
        Self { attempt: 0, tokio_clock, call_start, started, failing: None }
    }

    /// Takes one attempt's result: `Break` with the call's result, or `Continue` after which
    /// the caller sleeps ([`sleep`](Self::sleep) / [`sleep_async`](Self::sleep_async)) and
    /// runs the body again. `when` says whether an error is worth retrying; `on_retry` hears
    /// about every retry before its sleep.
    ///
    /// `policy` is the site's policy again, but reached through a `const` rather than through
    /// the `static` (which has interior mutability), so the fast path's checks fold away.
    #[inline(always)]
    pub fn next<T, E>(
        &mut self,
        site: &'static RetrySite,
        policy: &'static RetryPolicy,
        self_name: SelfName,
        result: Result<T, E>,
        when: impl FnOnce(&E) -> bool,
        on_retry: impl FnOnce(&RetryEvent<'_, E>),
    ) -> ControlFlow<Result<T, E>> {
        self.attempt += 1;
        if self.attempt == 1 && result.is_ok() {
            self.first_ok(site, policy, self_name);
            return ControlFlow::Break(result);
        }
        self.after_attempt(site, self_name, result, when, on_retry)
    }

    /// The fast path: one counter, plus one histogram record with `timed`.
    #[inline(always)]
    fn first_ok(
        &self,
        site: &'static RetrySite,
        policy: &'static RetryPolicy,
        self_name: SelfName,
    ) {
        if policy.budget_milli != 0 {
            site.budget.deposit(policy.budget_milli);
        }
        if !enabled::is_enabled() {
            return;
        }
        let stats = site.stats(self_name);
        if policy.timed && self.call_start != 0 {
            let ns = clock::nanos_between(self.call_start, clock::ticks());
            stats.shards.with(|s| {
                s.first_ok.add(1);
                s.first_ok_ns.record(0, ns, &stats.first_ok_ns);
            });
        } else {
            stats.shards.with(|s| s.first_ok.add(1));
        }
    }

    #[inline(never)]
    fn after_attempt<T, E>(
        &mut self,
        site: &'static RetrySite,
        self_name: SelfName,
        result: Result<T, E>,
        when: impl FnOnce(&E) -> bool,
        on_retry: impl FnOnce(&RetryEvent<'_, E>),
    ) -> ControlFlow<Result<T, E>> {
        let policy = site.policy;
        let n = self.attempt;
        if n == 1 && policy.budget_milli != 0 {
            site.budget.deposit(policy.budget_milli);
        }
        let now = if self.call_start != 0 { clock::ticks() } else { 0 };
        let attempt_start = self.attempt_start();
        let timed_out = self.failing.as_mut().is_some_and(|f| std::mem::take(&mut f.timed_out));
        // Read at once: only the attempt's own path out ran since the layer marked it.
        let refused = crate::rejection::take();
        let error = match result {
            Ok(value) => return self.finish(site, self_name, Outcome::Success, now, Ok(value)),
            Err(error) => error,
        };
        if refused && !policy.retry_refusals {
            // Still a refusal for a `#[retry]` around this one.
            crate::rejection::mark();
            return self.finish(site, self_name, Outcome::Permanent, now, Err(error));
        }
        if !timed_out && !when(&error) {
            if refused {
                crate::rejection::mark();
            }
            return self.finish(site, self_name, Outcome::Permanent, now, Err(error));
        }
        if n >= policy.attempts {
            return self.finish(site, self_name, Outcome::Exhausted, now, Err(error));
        }
        let failing = self.failing.get_or_insert_with(Box::default);
        let delay_ns = policy.jitter.delay_ns(&policy.backoff, n, &mut failing.prev_delay_ns);
        if self.past_deadline(policy, delay_ns) {
            return self.finish(site, self_name, Outcome::Deadline, now, Err(error));
        }
        if policy.budget_milli != 0 && !site.budget.withdraw() {
            return self.finish(site, self_name, Outcome::BudgetRefused, now, Err(error));
        }
        if now != 0 && enabled::is_enabled() {
            let ns = clock::nanos_between(attempt_start, now);
            site.stats(self_name).attempt_ns.record_shared(ns);
        }
        on_retry(&RetryEvent {
            attempt: n,
            error: &error,
            next_delay: Duration::from_nanos(delay_ns),
        });
        let failing = self.failing.get_or_insert_with(Box::default);
        failing.pending_ns = delay_ns;
        failing.slept_ns += delay_ns;
        ControlFlow::Continue(())
    }

    /// Whether a sleep of `delay_ns` would end past `max_elapsed`.
    fn past_deadline(&self, policy: &RetryPolicy, delay_ns: u64) -> bool {
        let Some(started) = self.started else {
            return false;
        };
        let now = self.now();
        let elapsed = now.saturating_duration_since(started).as_nanos() as u64;
        elapsed.saturating_add(delay_ns) > policy.max_elapsed_ns
    }

    fn now(&self) -> Instant {
        #[cfg(feature = "tokio")]
        if self.tokio_clock {
            return tokio::time::Instant::now().into_std();
        }
        Instant::now()
    }

    #[cold]
    fn finish<T, E>(
        &self,
        site: &'static RetrySite,
        self_name: SelfName,
        outcome: Outcome,
        now: u64,
        result: Result<T, E>,
    ) -> ControlFlow<Result<T, E>> {
        if enabled::is_enabled() {
            self.record(site, self_name, outcome, now);
        }
        ControlFlow::Break(result)
    }

    fn attempt_start(&self) -> u64 {
        self.failing
            .as_ref()
            .filter(|f| f.attempt_start != 0)
            .map_or(self.call_start, |f| f.attempt_start)
    }

    fn record(&self, site: &'static RetrySite, self_name: SelfName, outcome: Outcome, now: u64) {
        let n = self.attempt;
        let (timeouts, slept_ns) =
            self.failing.as_ref().map_or((0, 0), |f| (f.timeouts, f.slept_ns));
        let attempt_start = self.attempt_start();
        let stats = site.stats(self_name);
        if now != 0 {
            stats.attempt_ns.record_shared(clock::nanos_between(attempt_start, now));
            stats.call_ns.record_shared(clock::nanos_between(self.call_start, now));
        }
        stats.shards.with(|s| {
            s.calls.add(1);
            s.attempts.add(u64::from(n));
            match outcome {
                Outcome::Success => s.successes.add(1),
                Outcome::Permanent => s.permanent_errors.add(1),
                Outcome::Exhausted => s.giveups.add(1),
                Outcome::Deadline => {
                    s.giveups.add(1);
                    s.deadline_stops.add(1);
                }
                Outcome::BudgetRefused => {
                    s.giveups.add(1);
                    s.budget_refused.add(1);
                }
            }
            s.timeouts.add(timeouts);
            s.sleep_total_ns.add(slept_ns);
            let slot = (n as usize).min(s.by_attempts.len()) - 1;
            s.by_attempts[slot].add(1);
        });
    }

    /// Sleeps the delay the last failed attempt chose (sync fns).
    pub fn sleep(&mut self) {
        let pending_ns = self.failing.as_ref().map_or(0, |f| f.pending_ns);
        if pending_ns != 0 {
            std::thread::sleep(Duration::from_nanos(pending_ns));
        }
        self.resume();
    }

    /// Sleeps the delay the last failed attempt chose, on tokio's timer (`async fn`).
    #[cfg(feature = "tokio")]
    pub async fn sleep_async(&mut self) {
        let pending_ns = self.failing.as_ref().map_or(0, |f| f.pending_ns);
        if pending_ns != 0 {
            // Boxed: tokio's `Sleep` is large, and inline it would grow every call's future
            // (moved at each `.await`) for a state only failures reach.
            Box::pin(tokio::time::sleep(Duration::from_nanos(pending_ns))).await;
        }
        self.resume();
    }

    fn resume(&mut self) {
        crate::rejection::take();
        if self.call_start != 0 {
            let failing = self.failing.get_or_insert_with(Box::default);
            failing.attempt_start = clock::ticks();
        }
    }

    /// Runs one attempt of an `async fn` under its `timeout`: an attempt that runs out of time
    /// is dropped and becomes an `E::from(TimedOut)`, which is always retryable.
    #[cfg(feature = "tokio")]
    pub async fn with_timeout<T, E: super::FromTimedOut>(
        &mut self,
        policy: &'static RetryPolicy,
        attempt: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        let after = Duration::from_nanos(policy.timeout_ns);
        match tokio::time::timeout(after, attempt).await {
            Ok(result) => result,
            Err(_) => {
                let failing = self.failing.get_or_insert_with(Box::default);
                failing.timeouts += 1;
                failing.timed_out = true;
                Err(E::from_timed_out(super::TimedOut { after }))
            }
        }
    }
}
