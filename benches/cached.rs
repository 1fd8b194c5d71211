//! The hit path of `#[cached]` on each engine against the stores under them (raw moka, its
//! default configuration and the cheapest: LRU with foldhash, which `#[cached]` uses; raw
//! quick_cache with foldhash, under `engine = "fast"`) and against the `cached` crate's
//! `#[cached(max_size = 10_000)]`, on one thread and two, on one hot key and on distinct keys per
//! thread; and an async hit against `moka::future::Cache::get`. All on `u64` keys and values, one
//! run.

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

#[perf_runtime::cached(ttl = "1h", capacity = 10_000, engine = "fast")]
fn ours_fast(x: u64) -> u64 {
    x * 2
}

#[perf_runtime::cached(ttl = "1h", capacity = 10_000)]
async fn ours_async(x: u64) -> u64 {
    x * 2
}

#[perf_runtime::cached(ttl = "1h", capacity = 10_000, engine = "fast")]
async fn ours_async_fast(x: u64) -> u64 {
    x * 2
}

static QUICK: LazyLock<
    quick_cache::sync::Cache<u64, u64, quick_cache::UnitWeighter, foldhash::fast::RandomState>,
> = LazyLock::new(|| {
    quick_cache::sync::Cache::with(
        10_000,
        10_000,
        quick_cache::UnitWeighter,
        foldhash::fast::RandomState::default(),
        Default::default(),
    )
});

fn quick_cache_raw(x: u64) -> u64 {
    QUICK.get(&x).unwrap()
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
    // Keys 7 (the hot key) and 8 (the second thread's own key).
    for x in [7, 8] {
        MOKA_DEFAULT.insert(x, x * 2);
        MOKA_CHEAPEST.insert(x, x * 2);
        MOKA_LISTENER.insert(x, x * 2);
        QUICK.insert(x, x * 2);
        ours(x);
        ours_fast(x);
        theirs(x);
    }
    let candidates: [(&str, Lookup); 7] = [
        ("perf_cached_fast", ours_fast),
        ("quick_cache_raw", quick_cache_raw),
        ("cached_crate", theirs),
        ("perf_cached_moka", ours),
        ("moka_listener", moka_listener),
        ("moka_default", moka_default),
        ("moka_lru_foldhash", moka_cheapest),
    ];
    let mut g = c.benchmark_group("cached_hit");
    for (name, f) in candidates {
        g.bench_function(format!("{name}/1_thread"), |b| {
            b.iter_custom(|i| threads::per_thread_time(1, i, f))
        });
        g.bench_function(format!("{name}/2_threads_same_key"), |b| {
            b.iter_custom(|i| threads::per_thread_time(2, i, f))
        });
        g.bench_function(format!("{name}/2_threads_distinct_keys"), |b| {
            b.iter_custom(|i| threads::per_thread_time_keyed(2, i, f))
        });
    }
    g.finish();

    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        MOKA_FUTURE.insert(7, 14).await;
        ours_async(7).await;
        ours_async_fast(7).await;
    });
    let mut g = c.benchmark_group("cached_hit_async");
    g.bench_function("perf_cached_moka", |b| b.to_async(&rt).iter(|| ours_async(black_box(7))));
    g.bench_function("perf_cached_fast", |b| {
        b.to_async(&rt).iter(|| ours_async_fast(black_box(7)))
    });
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
