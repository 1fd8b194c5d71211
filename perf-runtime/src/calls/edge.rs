//! Where edges are counted: a few cells in each shard of the caller's stats (single-writer
//! counters, as the rest of the shard), then a list shared by all threads for callees past
//! those. Memory grows with edges and fns, not with calls, and not with threads × edges.

use std::ptr;
use std::sync::Mutex;
use std::sync::atomic::{
    AtomicPtr, AtomicU64, Ordering::Acquire, Ordering::Relaxed, Ordering::Release,
};

use super::frame::{Ended, Frame};
use crate::profile::stats::FnStats;
use crate::record::counter::Counter;
use crate::record::lock;

/// Callees a shard counts in place; the others go to [`SharedEdges`].
pub(crate) const CELLS: usize = 3;

/// One callee's calls from this shard's thread.
#[derive(Default)]
pub(crate) struct EdgeCell {
    /// Set once by the owner thread, before it counts anything here.
    callee: AtomicPtr<FnStats>,
    calls: Counter,
    timed: Counter,
    ns: Counter,
    /// The most calls of this callee within one call of the caller.
    max: Counter,
}

/// A shard's [`EdgeCell`]s, made the first time its fn calls another profiled fn on the shard's
/// thread: a leaf fn (most fns) spends one pointer per shard on edges, not `CELLS` cells.
#[derive(Default)]
pub(crate) struct ShardEdges(AtomicPtr<[EdgeCell; CELLS]>);

impl ShardEdges {
    /// The cells, once the shard's writer has made them.
    #[inline]
    fn get(&self) -> Option<&[EdgeCell; CELLS]> {
        // SAFETY: set once (in `make`) to a leaked array, never freed.
        unsafe { self.0.load(Acquire).as_ref() }
    }

    /// The cells, made by the shard's writer if it has none yet.
    #[inline]
    fn cells(&self) -> &[EdgeCell; CELLS] {
        self.get().unwrap_or_else(|| self.make())
    }

    #[cold]
    #[inline(never)]
    fn make(&self) -> &[EdgeCell; CELLS] {
        // Only the shard's writer calls this, so no other thread races to set the pointer;
        // shards outlive their threads (they are handed to the next one), and so do the cells.
        let cells: &'static [EdgeCell; CELLS] =
            crate::alloc::untracked(|| Box::leak(Box::default()));
        self.0.store(ptr::from_ref(cells).cast_mut(), Release);
        cells
    }

    /// The cells, for readers: none while the shard's fn has called no profiled fn.
    fn read(&self) -> &[EdgeCell] {
        self.get().map_or(&[], |cells| cells)
    }
}

/// A caller's edges past its shards' cells: a list that only grows, each node an edge.
pub(crate) struct SharedEdges {
    head: AtomicPtr<SharedEdge>,
    /// Serializes the first call of each new edge; reads never take it.
    insert: Mutex<()>,
    /// What the last reset saw, by callee.
    baseline: Mutex<Vec<EdgeTotals>>,
}

struct SharedEdge {
    callee: &'static FnStats,
    calls: AtomicU64,
    timed: AtomicU64,
    ns: AtomicU64,
    max: AtomicU64,
    next: *const SharedEdge,
}

// SAFETY: `next` points to a leaked, immutable-after-publication node.
unsafe impl Send for SharedEdge {}
// SAFETY: as above; the counters are atomics.
unsafe impl Sync for SharedEdge {}

/// One edge summed over shards, or what a reset saw of it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EdgeTotals {
    pub(crate) callee: &'static FnStats,
    pub(crate) calls: u64,
    pub(crate) timed: u64,
    pub(crate) ns: u64,
    pub(crate) max: u64,
}

impl Default for SharedEdges {
    fn default() -> Self {
        Self {
            head: AtomicPtr::new(ptr::null_mut()),
            insert: Mutex::new(()),
            baseline: Mutex::new(Vec::new()),
        }
    }
}

impl SharedEdges {
    fn find(&self, callee: &'static FnStats) -> Option<&'static SharedEdge> {
        let mut node = self.head.load(Acquire).cast_const();
        while !node.is_null() {
            // SAFETY: nodes are leaked and published whole (Release below).
            let edge = unsafe { &*node };
            if ptr::eq(edge.callee, callee) {
                return Some(edge);
            }
            node = edge.next;
        }
        None
    }

    fn get(&self, callee: &'static FnStats) -> &'static SharedEdge {
        match self.find(callee) {
            Some(edge) => edge,
            None => self.insert(callee),
        }
    }

    #[cold]
    #[inline(never)]
    fn insert(&self, callee: &'static FnStats) -> &'static SharedEdge {
        let _one = lock(&self.insert);
        if let Some(edge) = self.find(callee) {
            return edge;
        }
        let next = self.head.load(Acquire).cast_const();
        let zero = || AtomicU64::new(0);
        let edge = crate::alloc::untracked(|| {
            let node =
                SharedEdge { callee, calls: zero(), timed: zero(), ns: zero(), max: zero(), next };
            &*Box::leak(Box::new(node))
        });
        self.head.store(ptr::from_ref(edge).cast_mut(), Release);
        edge
    }

    fn for_each(&self, mut visit: impl FnMut(&SharedEdge)) {
        let mut node = self.head.load(Acquire).cast_const();
        while !node.is_null() {
            // SAFETY: as in `find`.
            let edge = unsafe { &*node };
            visit(edge);
            node = edge.next;
        }
    }
}

/// Hands `frame`'s callees (their calls within one call of `caller`) to `caller`'s shard
/// `cells` on this thread, or to its shared edges past them.
#[inline]
pub(crate) fn flush(caller: &'static FnStats, edges: &ShardEdges, frame: &Frame) {
    let mut cells = None;
    for slot in frame.slots() {
        let Some(callee) = slot.callee else { continue };
        let max = if frame.foreign { 0 } else { slot.calls };
        match cell_for(cells.get_or_insert_with(|| edges.cells()), callee) {
            Some(cell) => {
                cell.calls.add(slot.calls);
                cell.timed.add(slot.timed);
                cell.ns.add(slot.ns);
                if max > cell.max.get() {
                    cell.max.set(max);
                }
            }
            None => {
                let edge = caller.edges.get(callee);
                edge.calls.fetch_add(slot.calls, Relaxed);
                edge.timed.fetch_add(slot.timed, Relaxed);
                edge.ns.fetch_add(slot.ns, Relaxed);
                edge.max.fetch_max(max, Relaxed);
            }
        }
    }
}

#[inline(always)]
fn cell_for<'a>(cells: &'a [EdgeCell; CELLS], callee: &'static FnStats) -> Option<&'a EdgeCell> {
    let want = ptr::from_ref(callee).cast_mut();
    for cell in cells {
        let have = cell.callee.load(Relaxed);
        if have == want {
            return Some(cell);
        }
        if have.is_null() {
            // Only this shard's writer claims cells; readers see the callee before its counts.
            cell.callee.store(want, Release);
            return Some(cell);
        }
    }
    None
}

/// One call of `callee` that its caller's frame had no slot for.
#[cold]
pub(crate) fn add_overflow(caller: &'static FnStats, callee: &'static FnStats, ended: Ended) {
    let edge = caller.edges.get(callee);
    edge.calls.fetch_add(1, Relaxed);
    if let Some(wall) = ended.wall_ns {
        edge.timed.fetch_add(1, Relaxed);
        edge.ns.fetch_add(wall, Relaxed);
    }
    edge.max.fetch_max(1, Relaxed);
}

/// `caller`'s edges since the last reset, each summed over its shards and the shared list.
pub(crate) fn totals(caller: &FnStats) -> Vec<EdgeTotals> {
    let mut out = current(caller);
    let base = lock(&caller.edges.baseline);
    for t in &mut out {
        if let Some(b) = base.iter().find(|b| ptr::eq(b.callee, t.callee)) {
            t.calls -= b.calls;
            t.timed -= b.timed;
            t.ns -= b.ns;
        }
    }
    out.retain(|t| t.calls > 0);
    out
}

fn current(caller: &FnStats) -> Vec<EdgeTotals> {
    let mut out: Vec<EdgeTotals> = Vec::new();
    let mut add = |callee: &'static FnStats, calls: u64, timed: u64, ns: u64, max: u64| match out
        .iter_mut()
        .find(|t| ptr::eq(t.callee, callee))
    {
        Some(t) => {
            t.calls += calls;
            t.timed += timed;
            t.ns += ns;
            t.max = t.max.max(max);
        }
        None => out.push(EdgeTotals { callee, calls, timed, ns, max }),
    };
    caller.shards.for_each(|shard| {
        for cell in shard.edges.read() {
            let callee = cell.callee.load(Acquire);
            if callee.is_null() {
                break;
            }
            // SAFETY: cells only hold `&'static FnStats`.
            let callee: &'static FnStats = unsafe { &*callee };
            add(callee, cell.calls.get(), cell.timed.get(), cell.ns.get(), cell.max.get());
        }
    });
    caller.edges.for_each(|e| {
        add(
            e.callee,
            e.calls.load(Relaxed),
            e.timed.load(Relaxed),
            e.ns.load(Relaxed),
            e.max.load(Relaxed),
        )
    });
    out
}

/// Takes what `caller`'s edges count now as the zero of later reports. The maxima restart
/// from zero; a call ending on another thread during the reset may keep its older maximum.
pub(crate) fn reset(caller: &FnStats) {
    let now = current(caller);
    *lock(&caller.edges.baseline) = now;
    caller.shards.for_each(|shard| shard.edges.read().iter().for_each(|c| c.max.set(0)));
    caller.edges.for_each(|e| e.max.store(0, Relaxed));
}
