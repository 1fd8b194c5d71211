//! The cost of `#[retry]` when the first attempt succeeds (the case a retry wrapper is paid for
//! on every call), against a direct call and `backon`'s `.retry(ExponentialBuilder::default())`
//! on the same fn, sync and async; and `timed = true` against `#[profile]`.
//!
//! Async variants run `iters` awaits inside one `block_on`, so the executor's own per-task cost
//! stays out of the per-call figure.

use std::hint::black_box;
use std::time::{Duration, Instant};

use backon::{BlockingRetryable, ExponentialBuilder, Retryable};
use criterion::{Criterion, criterion_group, criterion_main};
use perf_runtime::{profile, retry};

#[inline(never)]
fn direct(x: u64) -> Result<u64, std::io::Error> {
    Ok(black_box(x))
}

#[retry]
#[inline(never)]
fn retried(x: u64) -> Result<u64, std::io::Error> {
    Ok(black_box(x))
}

#[retry(timed = true)]
#[inline(never)]
fn retried_timed(x: u64) -> Result<u64, std::io::Error> {
    Ok(black_box(x))
}

#[profile]
#[inline(never)]
fn profiled(x: u64) -> Result<u64, std::io::Error> {
    Ok(black_box(x))
}

#[inline(never)]
async fn direct_async(x: u64) -> Result<u64, std::io::Error> {
    Ok(black_box(x))
}

#[retry]
#[inline(never)]
async fn retried_async(x: u64) -> Result<u64, std::io::Error> {
    Ok(black_box(x))
}

fn async_loop<F: Future<Output = Result<u64, std::io::Error>>>(
    rt: &tokio::runtime::Runtime,
    iters: u64,
    f: impl Fn(u64) -> F,
) -> Duration {
    rt.block_on(async {
        let start = Instant::now();
        for i in 0..iters {
            black_box(f(black_box(i)).await.unwrap());
        }
        start.elapsed()
    })
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("retry_sync");
    g.bench_function("direct", |b| b.iter(|| direct(black_box(7))));
    g.bench_function("retry", |b| b.iter(|| retried(black_box(7))));
    g.bench_function("backon", |b| {
        b.iter(|| {
            let x = black_box(7);
            (|| direct(x)).retry(ExponentialBuilder::default()).call()
        })
    });
    g.finish();

    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let mut g = c.benchmark_group("retry_async");
    g.bench_function("direct", |b| b.iter_custom(|iters| async_loop(&rt, iters, direct_async)));
    g.bench_function("retry", |b| b.iter_custom(|iters| async_loop(&rt, iters, retried_async)));
    g.bench_function("backon", |b| {
        b.iter_custom(|iters| {
            async_loop(&rt, iters, |x| {
                (move || direct_async(x)).retry(ExponentialBuilder::default())
            })
        })
    });
    g.finish();

    let mut g = c.benchmark_group("retry_timed");
    g.bench_function("direct", |b| b.iter(|| direct(black_box(7))));
    g.bench_function("profile", |b| b.iter(|| profiled(black_box(7))));
    g.bench_function("retry_timed", |b| b.iter(|| retried_timed(black_box(7))));
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
