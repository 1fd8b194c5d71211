//! Rendering `/metrics` 10,000 times leaves the heap where it was: a global allocator counts
//! the bytes live in the process.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicI64, Ordering::Relaxed};

use perf_runtime::{cached, profile, retry};

struct LiveBytes;

static LIVE: AtomicI64 = AtomicI64::new(0);

// SAFETY: forwards to the system allocator; the counter is a plain atomic, no allocation.
unsafe impl GlobalAlloc for LiveBytes {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as i64, Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as i64, Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as i64, Relaxed);
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size as i64 - layout.size() as i64, Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: LiveBytes = LiveBytes;

#[profile(name = "memory.fn")]
fn work(x: u64) -> u64 {
    x.wrapping_mul(31)
}

#[cached(ttl = "1m", name = "memory.cache")]
fn square(x: u64) -> u64 {
    x * x
}

#[retry(attempts = 2, backoff = none, name = "memory.retry")]
fn once() -> Result<(), String> {
    Ok(())
}

fn live_bytes_grown_by(renders: usize, render: impl Fn() -> String) -> i64 {
    // Warm-up: thread-locals, lazily built tables, the allocator's own caches.
    for _ in 0..100 {
        assert!(render().len() > 500);
    }
    let before = LIVE.load(Relaxed);
    for _ in 0..renders {
        std::hint::black_box(render());
    }
    LIVE.load(Relaxed) - before
}

#[test]
fn ten_thousand_renders_do_not_grow_the_heap() {
    for x in 0..1_000 {
        work(x);
    }
    // One render's output is a few KiB; a leak of even 8 bytes a render would show as 80 KB.
    let grown = live_bytes_grown_by(10_000, perf_runtime::export::prometheus);
    assert!(grown < 16 * 1024, "the heap grew by {grown} bytes over 10,000 renders");

    // Caches and retries go through their report entries, which build HdrHistograms: slow in
    // a debug build, so fewer rounds.
    for x in 0..1_000 {
        square(x % 10);
        once().unwrap();
    }
    let grown = live_bytes_grown_by(1_000, perf_runtime::export::prometheus);
    assert!(grown < 16 * 1024, "the heap grew by {grown} bytes over 1,000 renders with a cache");
    let report = perf_runtime::Report::collect();
    let grown = live_bytes_grown_by(1_000, || report.to_prometheus());
    assert!(grown < 16 * 1024, "the heap grew by {grown} bytes over 1,000 report renders");
}
