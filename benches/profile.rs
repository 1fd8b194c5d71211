//! The cost of `#[profile]`, as ratios against baselines measured in the same run:
//! a direct call, the floor (two clock reads and one record into a thread-local histogram),
//! a naive wrapper (`std::time::Instant` pair and a thread-local hdrhistogram record), the
//! profiled fn on one and two threads, sampled (`sample = 64`), with recording disabled, a
//! profiled fn calling another (two profiled calls, one of them attributed to its caller), and
//! under `#[profile]` on its impl (adaptive sampling, switched on by the warm-up), alone and
//! as one of 8 profiled fns called in turn (each call then finds another fn's per-thread
//! shard), against the same 8 calls direct.
//!
//! Run it with `--profile dev` too: that is the cost in a `cargo test` build, with the
//! workspace's `[profile.dev.package.perf-runtime] opt-level = 3`.

use std::cell::RefCell;
use std::hint::black_box;
use std::time::{Duration, Instant};

#[path = "support/threads.rs"]
mod threads;

use criterion::{Criterion, criterion_group, criterion_main};
use hdrhistogram::Histogram;
use perf_runtime::profile;

#[inline(never)]
fn direct(x: u64) -> u64 {
    black_box(x)
}

#[profile]
#[inline(never)]
fn profiled(x: u64) -> u64 {
    black_box(x)
}

#[profile(sample = 64)]
#[inline(never)]
fn profiled_sampled(x: u64) -> u64 {
    black_box(x)
}

#[profile]
#[inline(never)]
fn profiled_child(x: u64) -> u64 {
    black_box(x)
}

/// Attribution's own path: a profiled call made inside another one counts on their edge.
#[profile]
#[inline(never)]
fn profiled_parent(x: u64) -> u64 {
    profiled_child(x)
}
struct Hot;

/// Eight tiny methods, profiled as a whole impl would profile them.
#[profile]
impl Hot {
    #[inline(never)]
    fn tiny(&self, x: u64) -> u64 {
        black_box(x)
    }
    #[inline(never)]
    fn t1(&self, x: u64) -> u64 {
        black_box(x + 1)
    }
    #[inline(never)]
    fn t2(&self, x: u64) -> u64 {
        black_box(x + 2)
    }
    #[inline(never)]
    fn t3(&self, x: u64) -> u64 {
        black_box(x + 3)
    }
    #[inline(never)]
    fn t4(&self, x: u64) -> u64 {
        black_box(x + 4)
    }
    #[inline(never)]
    fn t5(&self, x: u64) -> u64 {
        black_box(x + 5)
    }
    #[inline(never)]
    fn t6(&self, x: u64) -> u64 {
        black_box(x + 6)
    }
    #[inline(never)]
    fn t7(&self, x: u64) -> u64 {
        black_box(x + 7)
    }
}

fn hot_eight(x: u64) -> u64 {
    let h = Hot;
    h.tiny(h.t1(h.t2(h.t3(h.t4(h.t5(h.t6(h.t7(x))))))))
}

fn direct_eight(x: u64) -> u64 {
    direct(direct(direct(direct(direct(direct(direct(direct(x))))))))
}

thread_local! {
    static HIST: RefCell<Histogram<u64>> = RefCell::new(Histogram::new(3).unwrap());
}

fn naive_wrapper(x: u64) -> u64 {
    let start = Instant::now();
    let r = direct(x);
    let ns = start.elapsed().as_nanos() as u64;
    HIST.with(|h| h.borrow_mut().saturating_record(ns));
    r
}

fn floor(clock: &quanta::Clock, x: u64) -> u64 {
    let start = clock.raw();
    let r = direct(x);
    let ns = clock.delta_as_nanos(start, clock.raw());
    HIST.with(|h| h.borrow_mut().saturating_record(ns));
    r
}

fn bench(c: &mut Criterion) {
    let clock = quanta::Clock::new();
    let mut g = c.benchmark_group("profile");
    g.bench_function("direct", |b| b.iter(|| direct(black_box(7))));
    g.bench_function("floor_tsc_pair_plus_record", |b| b.iter(|| floor(&clock, black_box(7))));
    g.bench_function("naive_instant_wrapper", |b| b.iter(|| naive_wrapper(black_box(7))));
    g.bench_function("profiled", |b| b.iter(|| profiled(black_box(7))));
    g.bench_function("profiled_parent_child_2_calls", |b| b.iter(|| profiled_parent(black_box(7))));
    g.bench_function("profiled_sample_64", |b| b.iter(|| profiled_sampled(black_box(7))));
    g.bench_function("profiled_impl_adaptive", |b| b.iter(|| Hot.tiny(black_box(7))));
    g.bench_function("direct_8_fns", |b| b.iter(|| direct_eight(black_box(7))));
    g.bench_function("profiled_impl_adaptive_8_fns", |b| b.iter(|| hot_eight(black_box(7))));
    g.bench_function("profiled_1_thread", |b| {
        b.iter_custom(|iters| threads::per_thread_time(1, iters, profiled))
    });
    g.bench_function("profiled_2_threads", |b| {
        b.iter_custom(|iters| threads::per_thread_time(2, iters, profiled))
    });
    perf_runtime::set_enabled(false);
    g.bench_function("profiled_disabled", |b| b.iter(|| profiled(black_box(7))));
    perf_runtime::set_enabled(true);
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
