//! Memory per key waiting in a `#[batched]` batch: 10,000 callers polled once (each joins the
//! open batch and waits), the live heap measured before and after, divided by the callers; and
//! the size of one caller's future, which lives wherever the caller's own future lives.
//!
//! Not a criterion bench: a global allocator that counts live bytes, and one figure printed.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::task::{Context, Waker};

use perf_runtime::batched;

struct LiveBytes;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator.
unsafe impl GlobalAlloc for LiveBytes {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: LiveBytes = LiveBytes;

#[batched(one = "waiting", max_batch = 1_000_000, window = "1h")]
async fn waiting_many(keys: Vec<u64>) -> HashMap<u64, u64> {
    keys.into_iter().map(|k| (k, k)).collect()
}

const CALLERS: usize = 10_000;

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let _guard = rt.enter();
    let mut callers: Vec<Pin<Box<_>>> = (0..CALLERS as u64).map(|k| Box::pin(waiting(k))).collect();
    let future_bytes = std::mem::size_of_val(&*callers[0]);
    let mut cx = Context::from_waker(Waker::noop());
    // The first caller opens the batch and sets up its window's timer: not per key.
    assert!(callers[0].as_mut().poll(&mut cx).is_pending());
    let before = LIVE.load(Ordering::Relaxed);
    for c in &mut callers[1..] {
        assert!(c.as_mut().poll(&mut cx).is_pending());
    }
    let per_key = (LIVE.load(Ordering::Relaxed) - before) as f64 / (CALLERS - 1) as f64;
    println!(
        "#[batched] memory per waiting key (u64 keys): {per_key:.1} B in the batch, plus the caller's future of {future_bytes} B"
    );
    drop(callers);
}
