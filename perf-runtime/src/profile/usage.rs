//! What a profiled call used besides wall time: allocations, when the counting allocator is
//! installed, and CPU time, for `#[profile(cpu = true)]`. Both are read from this thread's
//! counters at entry and exit (per poll for an `async fn`), so they cover the call and the
//! calls nested in it, and nothing another thread or task did meanwhile.

use crate::record::{alloc, cpu_clock};

/// Which of the two a call measures; neither costs a profiled call one atomic load.
pub(crate) const ALLOC: u8 = 1;
pub(crate) const CPU: u8 = 2;

/// Counts used by a call, or this thread's counters at one moment.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Usage {
    pub(crate) allocs: u64,
    pub(crate) allocated: u64,
    pub(crate) freed: u64,
    pub(crate) cpu_ns: u64,
}

/// This thread's counters when a call (or a poll) started.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mark {
    pub(crate) what: u8,
    at: Usage,
}

impl Mark {
    /// Nothing measured.
    pub(crate) const NONE: Self =
        Self { what: 0, at: Usage { allocs: 0, allocated: 0, freed: 0, cpu_ns: 0 } };

    /// Reads what `cpu` and the allocator ask for.
    #[inline(always)]
    pub(crate) fn now(cpu: bool) -> Self {
        let what = if alloc::per_call() { ALLOC } else { 0 } | if cpu { CPU } else { 0 };
        if what == 0 {
            return Self::NONE;
        }
        Self { what, at: read(what) }
    }

    /// What this thread used since the mark.
    #[inline(always)]
    pub(crate) fn since(&self) -> Usage {
        if self.what == 0 {
            return Usage::default();
        }
        let now = read(self.what);
        Usage {
            allocs: now.allocs.wrapping_sub(self.at.allocs),
            allocated: now.allocated.wrapping_sub(self.at.allocated),
            freed: now.freed.wrapping_sub(self.at.freed),
            cpu_ns: now.cpu_ns.saturating_sub(self.at.cpu_ns),
        }
    }
}

impl Usage {
    pub(crate) fn add(&mut self, other: Usage) {
        self.allocs += other.allocs;
        self.allocated += other.allocated;
        self.freed += other.freed;
        self.cpu_ns += other.cpu_ns;
    }
}

#[inline(always)]
fn read(what: u8) -> Usage {
    let mut u = Usage::default();
    if what & ALLOC != 0 {
        (u.allocs, u.allocated, u.freed) = alloc::per_call_counts();
    }
    if what & CPU != 0 {
        u.cpu_ns = cpu_clock::thread_cpu_ns();
    }
    u
}
