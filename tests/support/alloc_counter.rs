//! A global allocator that counts this thread's allocations, for the tests that say a call
//! allocates nothing.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct CountingAlloc;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    static OTHER_SIZES: Cell<u64> = const { Cell::new(0) };
}

/// The sizes of a histogram's parts, made on first use: a chunk of 64 `u64` counters, a span's
/// 16 chunk pointers, and the table of the 33 spans' pointers.
const PART_BYTES: [usize; 3] = [64 * 8, 16 * 8, 33_792usize.div_ceil(1024) * 8];

// SAFETY: forwards to the system allocator; the counters are const-initialized thread-locals.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|a| a.set(a.get() + 1));
        if !PART_BYTES.contains(&layout.size()) {
            OTHER_SIZES.with(|a| a.set(a.get() + 1));
        }
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// (all allocations, allocations that are not histogram parts) made by `f` on this thread.
pub fn allocations_during(f: impl FnOnce()) -> (u64, u64) {
    let before = (ALLOCATIONS.with(Cell::get), OTHER_SIZES.with(Cell::get));
    f();
    (ALLOCATIONS.with(Cell::get) - before.0, OTHER_SIZES.with(Cell::get) - before.1)
}
