//! `#[batched]` callers dropped while they wait: thousands cancelled, the leader among them,
//! before and during the batch call. Nobody left behind hangs, the counts are exact, and the
//! heap is as large after ten rounds as after one.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use perf_runtime::{Report, batched};

/// Live heap bytes of the whole process.
struct LiveBytes;

static LIVE: AtomicI64 = AtomicI64::new(0);

// SAFETY: forwards to the system allocator.
unsafe impl GlobalAlloc for LiveBytes {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as i64, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as i64, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: LiveBytes = LiveBytes;

static BATCH_CALLS: AtomicU64 = AtomicU64::new(0);

#[batched(one = "slow", max_batch = 10_000, window = "10ms")]
async fn slow_many(keys: Vec<u64>) -> HashMap<u64, u64> {
    BATCH_CALLS.fetch_add(1, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(20)).await;
    keys.into_iter().map(|k| (k, k * 2)).collect()
}

/// 3,000 callers: the first 1,000 (the leader first of all) are aborted during the window,
/// the next 1,000 during the batch call, the last 1,000 must all get their values.
async fn round(round: u64) {
    let base = round * 10_000;
    let tasks: Vec<_> = (0..3_000).map(|i| tokio::spawn(slow(base + i))).collect();
    tokio::time::sleep(Duration::from_millis(5)).await;
    tasks[..1_000].iter().for_each(|t| t.abort());
    tokio::time::sleep(Duration::from_millis(10)).await;
    // The window is over: the batch call runs, led by caller 1,000.
    tasks[1_000..2_000].iter().for_each(|t| t.abort());
    for (i, t) in tasks.into_iter().enumerate() {
        match t.await {
            Ok(v) => assert_eq!(v.unwrap(), Some((base + i as u64) * 2), "caller {i}"),
            Err(e) => assert!(e.is_cancelled() && i < 2_000, "caller {i}: {e}"),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn cancelled_callers_leave_no_waiter_behind() {
    round(0).await;
    let after_one = LIVE.load(Ordering::Relaxed);
    for r in 1..10 {
        round(r).await;
    }
    let after_ten = LIVE.load(Ordering::Relaxed);
    let report = Report::collect();
    let e = report.batcher(&format!("{}::slow_many", module_path!())).unwrap();
    assert_eq!((e.calls, e.cancelled), (30_000, 20_000));
    // Each round: one batch call, dropped with its leader and run again by the next caller.
    assert_eq!((e.batch_calls, e.reruns), (10, 10));
    assert_eq!(BATCH_CALLS.load(Ordering::Relaxed), 20);
    assert_eq!(e.batched_keys, 30_000);
    // Report histograms and tokio's own structures may grow a little; the batches may not.
    assert!(
        after_ten - after_one < 64 * 1024,
        "{after_one} B after one round, {after_ten} B after ten"
    );
}
