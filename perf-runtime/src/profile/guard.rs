//! Timing of one synchronous call.
//!
//! Generated code calls the entry points below on every call. With debug assertions on (cargo's
//! `dev` and `test` profiles) they stay out of line, so that a crate built at opt-level 0 calls
//! code compiled once, optimized, in this crate (given `[profile.dev.package.perf-runtime]
//! opt-level = 3`), instead of inlining the whole recording path into itself unoptimized. In
//! release builds they inline as usual.

use std::cell::Cell;
use std::mem::ManuallyDrop;

use super::callsite::{Call, CallSite, Untimed};
use super::usage::Mark;
use crate::calls::{self, frame::Ended};
use crate::record::site_name::SelfName;
use crate::record::{clock, enabled};

/// `start` when recording was off at entry.
const OFF: u64 = 0;
/// `start` of a call that a sampled fn counts without timing.
const UNTIMED: u64 = u64::MAX;

/// Started by [`enter`]; [`finish`](ProfileGuard::finish) records a returned call, and dropping
/// it unfinished records a panic, since only unwinding skips `finish`.
#[derive(Debug)]
#[must_use]
pub struct ProfileGuard {
    site: &'static CallSite,
    self_name: SelfName,
    /// Clock ticks at entry, or [`OFF`], or [`UNTIMED`].
    start: u64,
    /// Allocation and CPU counters at entry, when measured.
    mark: Mark,
    /// Where its frame is on the thread's stack of calls (`calls/frame.rs`); 0 when [`OFF`].
    depth: u32,
}

/// Starts timing one call of a free fn.
#[cfg_attr(debug_assertions, inline(never))]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn enter(site: &'static CallSite) -> ProfileGuard {
    start(site, None)
}

/// Starts timing one call of a method of `S`, so the report can name the type.
#[inline(always)]
pub fn enter_method<S: ?Sized>(site: &'static CallSite) -> ProfileGuard {
    start(site, Some(std::any::type_name::<S>))
}

/// Runs one call of a free fn: `body` is the fn's body, `is_err` tells whether what it returned
/// is an `Err`. A disabled call runs `body` on a branch of its own, and the recording path is a
/// call of its own: the fn saves no registers for it, so a disabled call costs a load and a
/// branch (12 instructions over a direct call, down from 33 with the guard inline).
#[inline(always)]
pub fn profile_call<R, B: FnOnce() -> R, E: FnOnce(&R) -> bool>(
    site: &'static CallSite,
    body: B,
    is_err: E,
) -> R {
    if !enabled::is_enabled() {
        return body();
    }
    recorded_call(site, body, is_err)
}

/// [`profile_call`] for a method of `S`, so the report can name the type.
#[inline(always)]
pub fn profile_method_call<S: ?Sized, R, B: FnOnce() -> R, E: FnOnce(&R) -> bool>(
    site: &'static CallSite,
    body: B,
    is_err: E,
) -> R {
    if !enabled::is_enabled() {
        return body();
    }
    recorded_method_call::<S, _>(site, body, is_err)
}

// Two out-of-line copies rather than one taking the name as an argument: each sees its
// `SelfName` as a constant, which the recording path folds away.
#[inline(never)]
fn recorded_call<R>(
    site: &'static CallSite,
    body: impl FnOnce() -> R,
    is_err: impl FnOnce(&R) -> bool,
) -> R {
    recorded(site, None, body, is_err)
}

#[inline(never)]
fn recorded_method_call<S: ?Sized, R>(
    site: &'static CallSite,
    body: impl FnOnce() -> R,
    is_err: impl FnOnce(&R) -> bool,
) -> R {
    recorded(site, Some(std::any::type_name::<S>), body, is_err)
}

#[inline(always)]
fn recorded<R>(
    site: &'static CallSite,
    self_name: SelfName,
    body: impl FnOnce() -> R,
    is_err: impl FnOnce(&R) -> bool,
) -> R {
    let guard = start_on(site, self_name);
    let ret = body();
    guard.finish(is_err(&ret));
    ret
}

#[cfg_attr(debug_assertions, inline(never))]
#[cfg_attr(not(debug_assertions), inline(always))]
fn start(site: &'static CallSite, self_name: SelfName) -> ProfileGuard {
    if !enabled::is_enabled() {
        return ProfileGuard { site, self_name, start: OFF, mark: Mark::NONE, depth: 0 };
    }
    start_on(site, self_name)
}

#[cfg_attr(debug_assertions, inline(never))]
#[cfg_attr(not(debug_assertions), inline(always))]
fn start_on(site: &'static CallSite, self_name: SelfName) -> ProfileGuard {
    let depth = calls::enter(site.stats(self_name, false));
    if !site.times_call(self_name, false) {
        return ProfileGuard { site, self_name, start: UNTIMED, mark: Mark::NONE, depth };
    }
    // Counters first and the clock last, so the timed span holds as little of ours as can be.
    let mark = site.mark();
    ProfileGuard { site, self_name, start: clock::ticks(), mark, depth }
}

impl ProfileGuard {
    /// Records a call that returned; `error` says whether it returned `Err`.
    #[cfg_attr(debug_assertions, inline(never))]
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub fn finish(self, error: bool) {
        ManuallyDrop::new(self).end(error, false);
    }

    #[inline(always)]
    fn end(&self, error: bool, panicked: bool) {
        match self.start {
            OFF => {}
            UNTIMED => {
                let stats = self.site.stats(self.self_name, false);
                calls::leave(self.depth, stats, Ended { wall_ns: None, busy_ns: None });
                if error || panicked {
                    self.site.count_outcome(self.self_name, Untimed { error, panicked });
                }
            }
            start => {
                let wall_ns = clock::nanos_between(start, clock::ticks());
                let usage = (self.mark.what, self.mark.since());
                let stats = self.site.stats(self.self_name, false);
                let ended = Ended { wall_ns: Some(wall_ns), busy_ns: None };
                let children = calls::leave(self.depth, stats, ended);
                let self_ns = wall_ns.saturating_sub(children.wall_ns);
                let call = Call {
                    wall_ns,
                    usage,
                    busy_ns: None,
                    error,
                    panicked,
                    self_ns,
                    busy_self_ns: None,
                };
                self.site.record(self.self_name, call);
            }
        }
    }
}

impl Drop for ProfileGuard {
    fn drop(&mut self) {
        self.end(false, true);
    }
}

/// Runs the fn body once. Passing the closure where `FnOnce` is expected lets the body move
/// out of captured `&mut` borrows (`&mut self.field`), as the original fn could.
#[inline(always)]
pub fn call_once<R, F: FnOnce() -> R>(body: F) -> R {
    body()
}

/// Started by [`enter_inline`] for a fn whose body stays where it was written (it returns `!`
/// or `impl Trait`, or is `#[track_caller]`): it records the call when dropped, however the
/// body left, and tells a panic from a return by whether the thread started unwinding since.
#[derive(Debug)]
#[must_use]
pub struct InlineGuard {
    guard: ManuallyDrop<ProfileGuard>,
    unwinding_at_entry: bool,
    error: Cell<bool>,
}

/// Starts timing one call of a free fn whose body stays in place.
#[inline(always)]
pub fn enter_inline(site: &'static CallSite) -> InlineGuard {
    inline_guard(enter(site))
}

/// [`enter_inline`] for a method of `S`.
#[inline(always)]
pub fn enter_inline_method<S: ?Sized>(site: &'static CallSite) -> InlineGuard {
    inline_guard(enter_method::<S>(site))
}

#[inline(always)]
fn inline_guard(guard: ProfileGuard) -> InlineGuard {
    let unwinding_at_entry = std::thread::panicking();
    InlineGuard { guard: ManuallyDrop::new(guard), unwinding_at_entry, error: Cell::new(false) }
}

impl InlineGuard {
    /// Marks the call as an error if `error` (the value it is about to return is an `Err`).
    #[inline(always)]
    pub fn error_if(&self, error: bool) {
        if error {
            self.error.set(true);
        }
    }

    /// Passes the operand of a `?` through, marking the call as an error when it is an `Err`,
    /// since `?` then returns one.
    #[inline(always)]
    pub fn try_operand<T: TryOperand>(&self, operand: T) -> T {
        self.error_if(operand.is_err());
        operand
    }
}

impl Drop for InlineGuard {
    #[cfg_attr(debug_assertions, inline(never))]
    fn drop(&mut self) {
        let panicked = !self.unwinding_at_entry && std::thread::panicking();
        self.guard.end(self.error.get(), panicked);
    }
}

/// What `?` can be applied to on stable Rust, and which of its values make `?` return an error.
pub trait TryOperand {
    /// Whether `?` on this value returns an `Err`.
    fn is_err(&self) -> bool;
}

impl<T, E> TryOperand for Result<T, E> {
    #[inline(always)]
    fn is_err(&self) -> bool {
        self.is_err()
    }
}

impl<T> TryOperand for Option<T> {
    #[inline(always)]
    fn is_err(&self) -> bool {
        false
    }
}

impl<B, C> TryOperand for std::ops::ControlFlow<B, C> {
    #[inline(always)]
    fn is_err(&self) -> bool {
        false
    }
}

impl<T, E> TryOperand for std::task::Poll<Result<T, E>> {
    #[inline(always)]
    fn is_err(&self) -> bool {
        matches!(self, Self::Ready(Err(_)))
    }
}

impl<T, E> TryOperand for std::task::Poll<Option<Result<T, E>>> {
    #[inline(always)]
    fn is_err(&self) -> bool {
        matches!(self, Self::Ready(Some(Err(_))))
    }
}
