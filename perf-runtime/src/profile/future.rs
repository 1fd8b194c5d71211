//! Timing of one `async` call: wall time from first poll to completion, and busy time spent
//! inside `poll`, so waiting can be told apart from work.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::callsite::{Call, CallSite, Untimed};
use super::usage::{Mark, Usage};
use crate::calls::frame::{Children, Ended, Frame};
use crate::calls::{self, frame};
use crate::record::site_name::SelfName;
use crate::record::{clock, enabled};

pin_project_lite::pin_project! {
    /// A future whose completion, panic or cancellation is recorded against its call site.
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct Profiled<F> {
        #[pin]
        inner: F,
        site: &'static CallSite,
        self_name: SelfName,
        state: State,
        // Between polls, the calls this one has made so far (see `calls/frame.rs`).
        frame: Frame,
    }

    impl<F> PinnedDrop for Profiled<F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let State::Pending { .. } | State::Untimed | State::NotPolled = this.state {
                this.site.record_cancelled(*this.self_name);
                // The calls it made before it was dropped still happened.
                if let (Some(stats), true) = (this.frame.caller, this.frame.used != 0) {
                    calls::flush(stats, this.frame);
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum State {
    NotPolled,
    Pending {
        start: u64,
        busy_ns: u64,
        /// Allocations and CPU time of the polls so far.
        used: Usage,
    },
    /// A call that a sampled fn counts without timing.
    Untimed,
    /// Finished, panicked, or recording was off at the first poll.
    Done,
}

/// Wraps the body of a profiled `async fn`.
pub fn profile_future<F: Future>(site: &'static CallSite, inner: F) -> Profiled<F> {
    let frame = Frame::new(None, false);
    Profiled { inner, site, self_name: None, state: State::NotPolled, frame }
}

/// Wraps the body of a profiled `async` method of `S`, so the report can name the type.
pub fn profile_method_future<S: ?Sized, F: Future>(
    site: &'static CallSite,
    inner: F,
) -> Profiled<F> {
    let self_name: SelfName = Some(std::any::type_name::<S>);
    let frame = Frame::new(None, false);
    Profiled { inner, site, self_name, state: State::NotPolled, frame }
}

/// Records a panic if dropped while armed: `poll` unwound.
struct PanicGuard<'a> {
    site: &'static CallSite,
    self_name: SelfName,
    state: &'a mut State,
    poll: PollStart,
}

/// The clock and the counters when a poll started.
#[derive(Clone, Copy)]
struct PollStart {
    ticks: u64,
    mark: Mark,
    /// Where this poll pushed the call's frame.
    depth: u32,
}

impl Drop for PanicGuard<'_> {
    fn drop(&mut self) {
        let stats = self.site.stats(self.self_name, true);
        match *self.state {
            State::Pending { start, busy_ns, mut used } => {
                let now = clock::ticks();
                let busy_ns = busy_ns + clock::nanos_between(self.poll.ticks, now);
                used.add(self.poll.mark.since());
                let wall_ns = clock::nanos_between(start, now);
                let usage = (self.poll.mark.what, used);
                let ended = Ended { wall_ns: Some(wall_ns), busy_ns: Some(busy_ns) };
                let children = calls::leave(self.poll.depth, stats, ended);
                let call = async_call(wall_ns, busy_ns, usage, children, true);
                self.site.record(self.self_name, call);
            }
            State::Untimed => {
                calls::leave(self.poll.depth, stats, Ended { wall_ns: None, busy_ns: None });
                let call = Untimed { error: false, panicked: true };
                self.site.count_untimed(self.self_name, call);
            }
            State::NotPolled | State::Done => return,
        }
        *self.state = State::Done;
    }
}

impl<F: Future> Future for Profiled<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let (site, self_name) = (*this.site, *this.self_name);
        let Some(poll) = begin_poll(this.state, this.frame, site, self_name) else {
            return this.inner.poll(cx);
        };
        let guard = PanicGuard { site, self_name, state: this.state, poll };
        let result = this.inner.poll(cx);
        std::mem::forget(guard);
        end_poll(this.state, this.frame, site, self_name, poll, result.is_ready());
        result
    }
}

// `begin_poll` and `end_poll` hold all the logic of `poll` outside the generic future, so a
// crate built at opt-level 0 calls them compiled optimized in this crate (see `guard.rs`).

/// The clock and counters at the start of this poll, or `None` when this call is not recorded.
#[cfg_attr(debug_assertions, inline(never))]
#[cfg_attr(not(debug_assertions), inline(always))]
fn begin_poll(
    state: &mut State,
    frame: &mut Frame,
    site: &'static CallSite,
    self_name: SelfName,
) -> Option<PollStart> {
    if let State::NotPolled = state {
        *state = if !enabled::is_enabled() {
            State::Done
        } else {
            *frame = Frame::new(Some(site.stats(self_name, true)), false);
            if site.times_call(self_name, true) {
                State::Pending { start: clock::ticks(), busy_ns: 0, used: Usage::default() }
            } else {
                State::Untimed
            }
        };
    }
    match state {
        State::Pending { .. } => {
            let depth = frame::resume(frame);
            let mark = site.mark();
            Some(PollStart { ticks: clock::ticks(), mark, depth })
        }
        State::Untimed => {
            Some(PollStart { ticks: 0, mark: Mark::NONE, depth: frame::resume(frame) })
        }
        State::NotPolled | State::Done => None,
    }
}

/// A finished timed call, with its self time.
#[inline(always)]
fn async_call(
    wall_ns: u64,
    busy_ns: u64,
    usage: (u8, Usage),
    children: Children,
    panicked: bool,
) -> Call {
    Call {
        wall_ns,
        usage,
        busy_ns: Some(busy_ns),
        error: false,
        panicked,
        self_ns: wall_ns.saturating_sub(children.wall_ns),
        busy_self_ns: Some(busy_ns.saturating_sub(children.busy_ns)),
    }
}

#[cfg_attr(debug_assertions, inline(never))]
#[cfg_attr(not(debug_assertions), inline(always))]
fn end_poll(
    state: &mut State,
    frame: &mut Frame,
    site: &'static CallSite,
    self_name: SelfName,
    poll: PollStart,
    ready: bool,
) {
    match *state {
        State::Pending { start, busy_ns, mut used } => {
            let now = clock::ticks();
            let busy_ns = busy_ns + clock::nanos_between(poll.ticks, now);
            used.add(poll.mark.since());
            *state = if ready {
                let wall_ns = clock::nanos_between(start, now);
                let usage = (poll.mark.what, used);
                let stats = site.stats(self_name, true);
                let ended = Ended { wall_ns: Some(wall_ns), busy_ns: Some(busy_ns) };
                let children = calls::leave(poll.depth, stats, ended);
                site.record(self_name, async_call(wall_ns, busy_ns, usage, children, false));
                State::Done
            } else {
                *frame = frame::suspend(poll.depth);
                State::Pending { start, busy_ns, used }
            };
        }
        State::Untimed if ready => {
            let stats = site.stats(self_name, true);
            calls::leave(poll.depth, stats, Ended { wall_ns: None, busy_ns: None });
            site.count_untimed(self_name, Untimed { error: false, panicked: false });
            *state = State::Done;
        }
        State::Untimed => *frame = frame::suspend(poll.depth),
        _ => {}
    }
}

/// Counts an `Err` returned by a profiled `async fn` (the future itself cannot see the type).
#[inline(always)]
pub fn record_async_error(site: &'static CallSite, error: bool) {
    if error && enabled::is_enabled() {
        site.record_error();
    }
}
