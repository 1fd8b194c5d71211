//! Who is calling: a per-thread stack of the profiled calls in progress, innermost last.
//!
//! A sync call pushes its frame on entry and pops it on return (or unwind). An `async fn` keeps
//! its frame inside its future between polls and pushes it for the length of each poll, so the
//! calls it makes find it on whichever thread polls it: attribution follows the future across
//! `.await` and across threads, as tracing's `Instrumented` does with a span.
//!
//! A frame counts, for the one call it belongs to, the time of its profiled callees (for self
//! time) and the calls of up to [`SLOTS`] distinct callees (for fan-out); it hands those to its
//! fn's stats once, when the call ends. A callee therefore costs a compare and two adds in a
//! thread-local on return: no atomic, no lock, no allocation.

use std::cell::UnsafeCell;

use crate::profile::stats::FnStats;

/// Distinct callees whose calls one frame counts itself; a call making more sends the rest
/// straight to the edge (calls and time stay exact, their fan-out maximum is not kept).
pub(crate) const SLOTS: usize = 4;
/// Frames a thread keeps. Calls nested deeper still count and time as before, but record no
/// edge to a caller that is past this depth and no self time of their own.
pub(crate) const DEPTH: usize = 64;

/// One callee's calls within one call of the frame's fn.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slot {
    pub(crate) callee: Option<&'static FnStats>,
    pub(crate) calls: u64,
    pub(crate) timed: u64,
    pub(crate) ns: u64,
}

const EMPTY_SLOT: Slot = Slot { callee: None, calls: 0, timed: 0, ns: 0 };

/// One profiled call in progress.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame {
    pub(crate) caller: Option<&'static FnStats>,
    /// Wall time of the profiled calls made from this one, on its own path.
    pub(crate) child_ns: u64,
    /// Busy time of those calls (their wall time for sync ones).
    pub(crate) child_busy_ns: u64,
    /// A spawned task's stand-in for the call that spawned it (`calls::attributed`): edges,
    /// but neither fan-out nor self time, since the task runs beside its caller, not inside it.
    pub(crate) foreign: bool,
    /// Slots in use; those past it hold whatever an earlier frame left.
    pub(crate) used: u8,
    pub(crate) slots: [Slot; SLOTS],
}

impl Frame {
    pub(crate) const fn new(caller: Option<&'static FnStats>, foreign: bool) -> Self {
        let slots = [EMPTY_SLOT; SLOTS];
        Self { caller, child_ns: 0, child_busy_ns: 0, foreign, used: 0, slots }
    }

    /// The callees counted so far.
    pub(crate) fn slots(&self) -> &[Slot] {
        &self.slots[..usize::from(self.used)]
    }
}

/// What a call that ended hands its caller.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ended {
    /// `None` for a call a sampled fn counted without timing.
    pub(crate) wall_ns: Option<u64>,
    /// Busy time of an async call; its wall time for a sync one.
    pub(crate) busy_ns: Option<u64>,
}

/// The time of a call's own callees, for its self time.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Children {
    pub(crate) wall_ns: u64,
    pub(crate) busy_ns: u64,
}

struct Stack {
    /// Frame in use at the top: 0 is the thread's root, which has no caller.
    depth: usize,
    frames: [Frame; DEPTH],
}

thread_local! {
    // Const-initialized and without a destructor: one thread-pointer-relative access.
    static STACK: UnsafeCell<Stack> = const {
        UnsafeCell::new(Stack { depth: 0, frames: [Frame::new(None, false); DEPTH] })
    };
}

/// Runs `f` on this thread's stack. Nothing inside re-enters (no user code, no allocation).
#[inline(always)]
fn with<R>(f: impl FnOnce(&mut Stack) -> R) -> R {
    // SAFETY: the borrow lives only for `f`, which never calls back into this module.
    STACK.with(|s| f(unsafe { &mut *s.get() }))
}

/// Pushes a new frame for a sync call of `caller`; the depth it returns is what [`pop`] takes.
#[inline(always)]
pub(crate) fn push(caller: &'static FnStats) -> u32 {
    with(|s| {
        let depth = s.depth + 1;
        s.depth = depth;
        if let Some(f) = s.frames.get_mut(depth) {
            // Only the header: the slots past `used` are never read.
            f.caller = Some(caller);
            f.child_ns = 0;
            f.child_busy_ns = 0;
            f.foreign = false;
            f.used = 0;
        }
        depth as u32
    })
}

/// Pushes a frame kept between polls (an `async fn`'s, or a spawned task's stand-in).
#[inline(always)]
pub(crate) fn resume(frame: &Frame) -> u32 {
    with(|s| {
        let depth = s.depth + 1;
        s.depth = depth;
        if let Some(f) = s.frames.get_mut(depth) {
            *f = *frame;
        }
        depth as u32
    })
}

/// The fn of the innermost call in progress on this thread.
#[inline]
pub(crate) fn current() -> Option<&'static FnStats> {
    with(|s| s.frames.get(s.depth).and_then(|f| f.caller))
}

/// Takes the frame pushed at `depth` off the stack, between two polls of an `async fn`.
#[inline(always)]
pub(crate) fn suspend(depth: u32) -> Frame {
    with(|s| {
        let depth = depth as usize;
        s.depth = depth - 1;
        s.frames.get(depth).copied().unwrap_or(Frame::new(None, false))
    })
}

/// Ends the call whose frame was pushed at `depth`: pops it, hands its caller's frame the
/// call's time and one call of `callee`, and gives `flush` the ended frame's slots (its
/// callees' calls within this call) before returning its callees' time.
#[inline(always)]
pub(crate) fn pop(
    depth: u32,
    callee: &'static FnStats,
    ended: Ended,
    flush: impl FnOnce(&Frame),
) -> Children {
    let (children, overflow) = with(|s| {
        let depth = depth as usize;
        s.depth = depth - 1;
        let children = match s.frames.get(depth) {
            Some(own) => {
                if own.used != 0 {
                    flush(own);
                }
                Children { wall_ns: own.child_ns, busy_ns: own.child_busy_ns }
            }
            None => Children::default(),
        };
        let overflow = match s.frames.get_mut(depth - 1) {
            Some(parent) => match parent.caller {
                Some(caller) => add_to(parent, callee, ended).then_some(caller),
                None => None,
            },
            None => None,
        };
        (children, overflow)
    });
    if let Some(caller) = overflow {
        super::edge::add_overflow(caller, callee, ended);
    }
    children
}

/// Counts one call of `callee` in its caller's frame; `true` when the frame has no slot left
/// for it.
#[inline(always)]
fn add_to(parent: &mut Frame, callee: &'static FnStats, ended: Ended) -> bool {
    if !parent.foreign {
        if let Some(wall) = ended.wall_ns {
            parent.child_ns += wall;
            parent.child_busy_ns += ended.busy_ns.unwrap_or(wall);
        }
    }
    let used = usize::from(parent.used);
    let slot = match parent.slots[..used]
        .iter()
        .position(|s| s.callee.is_some_and(|c| std::ptr::eq(c, callee)))
    {
        Some(i) => &mut parent.slots[i],
        None if used < SLOTS => {
            parent.used += 1;
            parent.slots[used] = Slot { callee: Some(callee), ..EMPTY_SLOT };
            &mut parent.slots[used]
        }
        None => return true,
    };
    slot.calls += 1;
    if let Some(wall) = ended.wall_ns {
        slot.timed += 1;
        slot.ns += wall;
    }
    false
}
