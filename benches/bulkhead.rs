//! An uncontended bulkhead: acquire + release of `perf_runtime::bulkhead::Bulkhead` against
//! `tokio::sync::Semaphore` (async) and a `std::sync::Mutex` + `Condvar` counter (sync), and
//! `#[bulkhead]` fns against a direct call, in the same run.
//!
//! Async variants run `iters` acquisitions inside one `block_on`, so the executor's own
//! per-task cost stays out of the per-call figure.

use std::hint::black_box;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use perf_runtime::bulkhead;
use perf_runtime::bulkhead::{Bulkhead, Full};

/// The textbook sync bulkhead: a count under a mutex, waiters on a condition variable.
struct CondvarCounter {
    inside: Mutex<u32>,
    freed: Condvar,
    max: u32,
}

impl CondvarCounter {
    fn acquire(&self) -> CondvarPermit<'_> {
        let mut inside = self.inside.lock().unwrap();
        while *inside >= self.max {
            inside = self.freed.wait(inside).unwrap();
        }
        *inside += 1;
        CondvarPermit(self)
    }
}

struct CondvarPermit<'a>(&'a CondvarCounter);

impl Drop for CondvarPermit<'_> {
    fn drop(&mut self) {
        *self.0.inside.lock().unwrap() -= 1;
        self.0.freed.notify_one();
    }
}

#[derive(Debug)]
struct Busy;

impl From<Full> for Busy {
    fn from(_: Full) -> Self {
        Busy
    }
}

#[inline(never)]
fn direct(x: u64) -> Result<u64, Busy> {
    Ok(black_box(x))
}

#[bulkhead(max_concurrent = 10, max_wait = "50ms")]
#[inline(never)]
fn guarded(x: u64) -> Result<u64, Busy> {
    Ok(black_box(x))
}

#[inline(never)]
async fn direct_async(x: u64) -> Result<u64, Busy> {
    Ok(black_box(x))
}

#[bulkhead(max_concurrent = 10, max_wait = "50ms")]
#[inline(never)]
async fn guarded_async(x: u64) -> Result<u64, Busy> {
    Ok(black_box(x))
}

fn async_loop<F: Future<Output = ()>>(
    rt: &tokio::runtime::Runtime,
    iters: u64,
    f: impl Fn() -> F,
) -> Duration {
    rt.block_on(async {
        let start = Instant::now();
        for _ in 0..iters {
            f().await;
        }
        start.elapsed()
    })
}

fn bench(c: &mut Criterion) {
    let handle = Bulkhead::named("bench.bulkhead", 10, Duration::from_millis(50));
    let counter = CondvarCounter { inside: Mutex::new(0), freed: Condvar::new(), max: 10 };
    let mut g = c.benchmark_group("bulkhead_sync");
    g.bench_function("mutex_condvar", |b| b.iter(|| drop(black_box(counter.acquire()))));
    g.bench_function("bulkhead", |b| b.iter(|| drop(black_box(handle.acquire().unwrap()))));
    g.bench_function("direct_fn", |b| b.iter(|| direct(black_box(7))));
    g.bench_function("bulkhead_fn", |b| b.iter(|| guarded(black_box(7))));
    g.finish();

    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let semaphore = tokio::sync::Semaphore::new(10);
    let mut g = c.benchmark_group("bulkhead_async");
    g.bench_function("tokio_semaphore", |b| {
        b.iter_custom(|iters| {
            async_loop(&rt, iters, || async { drop(black_box(semaphore.acquire().await.unwrap())) })
        })
    });
    g.bench_function("bulkhead", |b| {
        b.iter_custom(|iters| {
            async_loop(&rt, iters, || async {
                drop(black_box(handle.acquire_async().await.unwrap()))
            })
        })
    });
    g.bench_function("direct_fn", |b| {
        b.iter_custom(|iters| {
            async_loop(&rt, iters, || async {
                black_box(direct_async(black_box(7)).await.unwrap());
            })
        })
    });
    g.bench_function("bulkhead_fn", |b| {
        b.iter_custom(|iters| {
            async_loop(&rt, iters, || async {
                black_box(guarded_async(black_box(7)).await.unwrap());
            })
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
