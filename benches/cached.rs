//! The hit path of `#[cached]` against raw moka (its default configuration, and the cheapest:
//! LRU with foldhash, which `#[cached]` uses) and against the `cached` crate's
//! `#[cached(max_size = 10_000)]`, on one thread and two; and an async hit against
//! `moka::future::Cache::get`. All on the same `u64` key and `u64` value, one run.

// The `cached` crate's macro expands to `::cached::` paths; it is a dev-dependency under
// another name so that its attribute cannot be taken for ours.
extern crate cached_crate as cached;

use std::hint::black_box;
use std::sync::LazyLock;
use std::time::Duration;

#[path = "support/threads.rs"]
mod threads;

use criterion::{Criterion, criterion_group, criterion_main};

#[perf_runtime::cached(ttl = "1h", capacity = 10_000)]
fn ours(x: u64) -> u64 {
    x * 2
}

#[perf_runtime::cached(ttl = "1h", capacity = 10_000)]
async fn ours_async(x: u64) -> u64 {
    x * 2
}

#[cached::proc_macro::cached(max_size = 10_000)]
fn theirs(x: u64) -> u64 {
    x * 2
}

static MOKA_DEFAULT: LazyLock<moka::sync::Cache<u64, u64>> =
    LazyLock::new(|| moka::sync::Cache::new(10_000));

static MOKA_CHEAPEST: LazyLock<moka::sync::Cache<u64, u64, foldhash::fast::RandomState>> =
    LazyLock::new(|| {
        moka::sync::Cache::builder()
            .max_capacity(10_000)
            .time_to_live(Duration::from_secs(3600))
            .eviction_policy(moka::policy::EvictionPolicy::lru())
            .build_with_hasher(foldhash::fast::RandomState::default())
    });

static MOKA_LISTENER: LazyLock<moka::sync::Cache<u64, u64, foldhash::fast::RandomState>> =
    LazyLock::new(|| {
        moka::sync::Cache::builder()
            .max_capacity(10_000)
            .time_to_live(Duration::from_secs(3600))
            .eviction_policy(moka::policy::EvictionPolicy::lru())
            .eviction_listener(|_, _, _| {})
            .build_with_hasher(foldhash::fast::RandomState::default())
    });

fn moka_listener(x: u64) -> u64 {
    MOKA_LISTENER.get(&x).unwrap()
}

static MOKA_FUTURE: LazyLock<moka::future::Cache<u64, u64, foldhash::fast::RandomState>> =
    LazyLock::new(|| {
        moka::future::Cache::builder()
            .max_capacity(10_000)
            .time_to_live(Duration::from_secs(3600))
            .eviction_policy(moka::policy::EvictionPolicy::lru())
            .build_with_hasher(foldhash::fast::RandomState::default())
    });

fn moka_default(x: u64) -> u64 {
    MOKA_DEFAULT.get(&x).unwrap()
}

fn moka_cheapest(x: u64) -> u64 {
    MOKA_CHEAPEST.get(&x).unwrap()
}

type Lookup = fn(u64) -> u64;

fn bench(c: &mut Criterion) {
    MOKA_DEFAULT.insert(7, 14);
    MOKA_CHEAPEST.insert(7, 14);
    ours(7);
    theirs(7);
    MOKA_LISTENER.insert(7, 14);
    let candidates: [(&str, Lookup); 5] = [
        ("moka_listener", moka_listener),
        ("perf_cached", ours),
        ("moka_default", moka_default),
        ("moka_lru_foldhash", moka_cheapest),
        ("cached_crate", theirs),
    ];
    let mut g = c.benchmark_group("cached_hit");
    for (name, f) in candidates {
        g.bench_function(format!("{name}/1_thread"), |b| {
            b.iter_custom(|i| threads::per_thread_time(1, i, f))
        });
        g.bench_function(format!("{name}/2_threads"), |b| {
            b.iter_custom(|i| threads::per_thread_time(2, i, f))
        });
    }
    g.finish();

    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        MOKA_FUTURE.insert(7, 14).await;
        ours_async(7).await;
    });
    let mut g = c.benchmark_group("cached_hit_async");
    g.bench_function("perf_cached", |b| b.to_async(&rt).iter(|| ours_async(black_box(7))));
    g.bench_function("moka_future", |b| {
        b.to_async(&rt).iter(|| async { MOKA_FUTURE.get(&black_box(7)).await.unwrap() })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
