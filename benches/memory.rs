//! The cost of counting allocations and reading the CPU clock, as ratios against baselines in
//! the same run: the counting allocator against `System` on an alloc/free pair of 64 bytes;
//! `#[profile]` with per-call allocation counts on and off; `#[profile(cpu = true)]` against
//! `#[profile]`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use perf_runtime::alloc::Counting;
use perf_runtime::profile;

#[global_allocator]
static ALLOC: Counting<System> = Counting::new(System);

#[profile]
#[inline(never)]
fn profiled(x: u64) -> u64 {
    black_box(x)
}

#[profile(cpu = true)]
#[inline(never)]
fn profiled_cpu(x: u64) -> u64 {
    black_box(x)
}

fn alloc_free(a: &impl GlobalAlloc) {
    let layout = Layout::from_size_align(64, 8).unwrap();
    // SAFETY: a non-zero layout, freed with the same layout by the allocator that made it.
    unsafe {
        let p = a.alloc(layout);
        black_box(p);
        a.dealloc(p, layout);
    }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("memory");
    g.bench_function("alloc_free_64_system", |b| b.iter(|| alloc_free(&System)));
    g.bench_function("alloc_free_64_counting", |b| b.iter(|| alloc_free(&ALLOC)));
    // Make sure the allocator has counted something, so `installed()` holds.
    black_box(Box::new(1u8));
    perf_runtime::alloc::set_per_call(false);
    g.bench_function("profiled_without_alloc_counts", |b| b.iter(|| profiled(black_box(7))));
    perf_runtime::alloc::set_per_call(true);
    g.bench_function("profiled_with_alloc_counts", |b| b.iter(|| profiled(black_box(7))));
    g.bench_function("profiled_cpu", |b| b.iter(|| profiled_cpu(black_box(7))));
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
