//! A counting global allocator: per-thread counts of allocations, frees, reallocations and
//! bytes, read by `#[profile]` around each call.
//!
//! ```
//! use perf_runtime::alloc::Counting;
//! use std::alloc::System;
//!
//! #[global_allocator]
//! static ALLOC: Counting<System> = Counting::new(System);
//! # fn main() {}
//! ```
//!
//! The counters live in a `const`-initialized thread-local without a destructor, which the
//! standard library keeps in plain thread-local storage: reading and bumping them takes no
//! lock, allocates nothing, and works while a thread starts and after its other thread-locals
//! are gone. Counting is per thread, so a thread spawned inside a profiled call counts its
//! allocations against nobody.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::atomic::{AtomicU8, Ordering::Relaxed};

/// A [`GlobalAlloc`] that counts what passes through it to `A` (`System`, jemalloc, mimalloc,
/// ...) and lets `#[profile]` record allocations per call.
#[derive(Debug, Default)]
pub struct Counting<A> {
    inner: A,
}

impl<A> Counting<A> {
    /// Wraps `inner`.
    pub const fn new(inner: A) -> Self {
        Self { inner }
    }
}

/// [`INSTALLED`] once a [`Counting`] allocator has allocated, plus [`PAUSED`] while
/// [`set_per_call`] has turned per-call counting off: profiled calls read the counters only
/// when it is exactly `INSTALLED`.
static STATE: AtomicU8 = AtomicU8::new(0);
const INSTALLED: u8 = 1;
const PAUSED: u8 = 2;

struct Local {
    /// Above zero while the runtime allocates for its own bookkeeping (see [`untracked`]).
    paused: Cell<u32>,
    allocs: Cell<u64>,
    deallocs: Cell<u64>,
    reallocs: Cell<u64>,
    allocated: Cell<u64>,
    freed: Cell<u64>,
}

thread_local! {
    static LOCAL: Local = const {
        Local {
            paused: Cell::new(0),
            allocs: Cell::new(0),
            deallocs: Cell::new(0),
            reallocs: Cell::new(0),
            allocated: Cell::new(0),
            freed: Cell::new(0),
        }
    };
}

/// This thread's counts since it started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AllocCounts {
    /// Allocations (`alloc`, `alloc_zeroed`).
    pub allocs: u64,
    /// Frees.
    pub deallocs: u64,
    /// Reallocations.
    pub reallocs: u64,
    /// Bytes of every block handed out, reallocated blocks at their new size.
    pub allocated: u64,
    /// Bytes of every block given back, reallocated blocks at their old size.
    pub freed: u64,
}

/// Whether a [`Counting`] allocator is the global one (it has allocated at least once).
pub fn installed() -> bool {
    STATE.load(Relaxed) & INSTALLED != 0
}

/// Turns the per-call counts of profiled fns off or on; the allocator itself keeps counting.
/// On by default once a [`Counting`] allocator is installed.
pub fn set_per_call(on: bool) {
    if on {
        STATE.fetch_and(!PAUSED, Relaxed);
    } else {
        STATE.fetch_or(PAUSED, Relaxed);
    }
}

/// Whether profiled calls should read the counters.
#[inline(always)]
pub(crate) fn per_call() -> bool {
    STATE.load(Relaxed) == INSTALLED
}

/// This thread's counts so far; all zero without a [`Counting`] allocator.
#[inline(always)]
pub fn thread_counts() -> AllocCounts {
    LOCAL.with(|l| AllocCounts {
        allocs: l.allocs.get(),
        deallocs: l.deallocs.get(),
        reallocs: l.reallocs.get(),
        allocated: l.allocated.get(),
        freed: l.freed.get(),
    })
}

/// Runs `f` without counting its allocations on this thread: the runtime's own bookkeeping
/// (a call site's first registration, a new thread's shard, a histogram's new chunk) is not
/// the profiled call's doing. Only cold paths use it.
pub(crate) fn untracked<R>(f: impl FnOnce() -> R) -> R {
    struct Resume;
    impl Drop for Resume {
        fn drop(&mut self) {
            LOCAL.with(|l| l.paused.set(l.paused.get() - 1));
        }
    }
    LOCAL.with(|l| l.paused.set(l.paused.get() + 1));
    let _resume = Resume;
    f()
}

#[inline(always)]
fn bump(cell: &Cell<u64>, n: u64) {
    cell.set(cell.get().wrapping_add(n));
}

#[inline(always)]
fn on_alloc(size: usize) {
    LOCAL.with(|l| {
        if l.paused.get() == 0 {
            let allocs = l.allocs.get();
            if allocs == 0 {
                mark_installed();
            }
            l.allocs.set(allocs.wrapping_add(1));
            bump(&l.allocated, size as u64);
        }
    });
}

/// The first counted allocation of each thread says so to everyone; later ones need not.
#[cold]
fn mark_installed() {
    STATE.fetch_or(INSTALLED, Relaxed);
}

/// What a profiled call reads: allocations and reallocations together, bytes allocated, bytes
/// freed.
#[inline(always)]
pub(crate) fn per_call_counts() -> (u64, u64, u64) {
    LOCAL
        .with(|l| (l.allocs.get().wrapping_add(l.reallocs.get()), l.allocated.get(), l.freed.get()))
}

// SAFETY: every method forwards to `A` with the caller's arguments unchanged; counting only
// touches this thread's cells, which never allocate or unwind.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Counting<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as the caller promised.
        let ptr = unsafe { self.inner.alloc(layout) };
        if !ptr.is_null() {
            on_alloc(layout.size());
        }
        ptr
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as the caller promised.
        let ptr = unsafe { self.inner.alloc_zeroed(layout) };
        if !ptr.is_null() {
            on_alloc(layout.size());
        }
        ptr
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as the caller promised.
        unsafe { self.inner.dealloc(ptr, layout) };
        LOCAL.with(|l| {
            if l.paused.get() == 0 {
                bump(&l.deallocs, 1);
                bump(&l.freed, layout.size() as u64);
            }
        });
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as the caller promised.
        let new = unsafe { self.inner.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LOCAL.with(|l| {
                if l.paused.get() == 0 {
                    bump(&l.reallocs, 1);
                    bump(&l.allocated, new_size as u64);
                    bump(&l.freed, layout.size() as u64);
                }
            });
        }
        new
    }
}
