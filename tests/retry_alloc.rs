//! Nothing is allocated before the first failure: after a fn's first call on a thread (which
//! registers it and gives the thread its shard), a call that succeeds at once allocates
//! nothing, sync or async. The first failure of a call allocates its retry state once.

use std::cell::Cell;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use perf_runtime::retry;

#[path = "support/alloc_counter.rs"]
mod alloc_counter;

use alloc_counter::allocations_during;

#[retry(attempts = 3, backoff = none, budget = 0.5)]
fn sync_work(fail_first: bool, tries: &Cell<u32>) -> Result<u32, u32> {
    tries.set(tries.get() + 1);
    if fail_first && tries.get() == 1 { Err(1) } else { Ok(tries.get()) }
}

#[retry(attempts = 3, backoff = none)]
async fn async_work(fail_first: bool, tries: &Cell<u32>) -> Result<u32, u32> {
    tries.set(tries.get() + 1);
    if fail_first && tries.get() == 1 { Err(1) } else { Ok(tries.get()) }
}

/// Polls a future that never waits (the attempts here do not sleep) to completion.
fn run<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

#[test]
fn first_attempt_successes_allocate_nothing() {
    // Registration and this thread's shard.
    assert_eq!(sync_work(false, &Cell::new(0)), Ok(1));
    assert_eq!(run(async_work(false, &Cell::new(0))), Ok(1));
    let (n, _) = allocations_during(|| {
        for _ in 0..1_000 {
            assert_eq!(sync_work(false, &Cell::new(0)), Ok(1));
            assert_eq!(run(async_work(false, &Cell::new(0))), Ok(1));
        }
    });
    assert_eq!(n, 0);
    // A retried call allocates its failure state, once per call.
    let (n, _) = allocations_during(|| {
        assert_eq!(sync_work(true, &Cell::new(0)), Ok(2));
    });
    assert_eq!(n, 1);
}
