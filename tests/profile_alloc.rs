//! The hot path allocates nothing per call: after a fn's first call on a thread (which registers
//! it and gives the thread its shard), the only allocations are histogram parts (two small
//! tables and 512-byte chunks, made the first time a latency lands in a new range), sync or
//! async.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use perf_runtime::profile;

#[path = "support/alloc_counter.rs"]
mod alloc_counter;

use alloc_counter::allocations_during;

#[profile(slow = "1h")]
fn sync_work(x: u64) -> Result<u64, u64> {
    if x.is_multiple_of(3) { Err(x) } else { Ok(x) }
}

#[profile]
async fn async_work(x: u64) -> u64 {
    x * 2
}

fn run_ready<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => unreachable!("the future never waits"),
    }
}

#[test]
fn calls_allocate_nothing() {
    // First calls register the fns and fill every histogram chunk the values below can hit.
    for x in 0..1_000 {
        let _ = sync_work(x);
        run_ready(async_work(x));
    }
    let (all, other) = allocations_during(|| {
        for x in 0..100_000 {
            let _ = std::hint::black_box(sync_work(x));
            std::hint::black_box(run_ready(async_work(x)));
        }
    });
    assert_eq!(other, 0, "allocations other than histogram parts");
    // A chunk covers a range of latencies and is made once, the first time one lands there:
    // however the scheduler stretches some calls, three histograms (the sync fn's, the async
    // fn's wall and busy time) cannot make more chunks than they have, far fewer than calls.
    let counters =
        hdrhistogram::Histogram::<u64>::new_with_max((1 << 42) - 1, 3).unwrap().distinct_values();
    let most = 3 * (counters.div_ceil(64) + counters.div_ceil(1024) + 1) as u64;
    assert!(all <= most, "{all} histogram chunks allocated, more than the {most} there are");
    let report = perf_runtime::Report::collect();
    let calls = |n: &str| report.function(&format!("{}::{n}", module_path!())).unwrap().calls;
    assert_eq!((calls("sync_work"), calls("async_work")), (101_000, 101_000));
}
