//! The Redis level of `#[cached]` against the raw `redis` crate, on a private `redis-server`:
//! an L2 hit (a key not in memory) against a multiplexed GET plus the same serde_json decode;
//! four tasks doing either at once; and, with Redis dead and the breaker open, what an L1 miss
//! costs over the same fn without Redis.
//!
//! Loopback round trips on a small VM drift by tens of percent within a minute, more than the
//! difference being measured, so after criterion's benches the sides run once more in turn,
//! within one window, on keys none has read before, and the bench prints their ratios: the
//! figures the targets are about. A third side there, the raw GET and decode followed by the
//! moka insert that an L2 hit must make to fill memory, tells the fill's share of the gap from
//! the rest of the Redis level's. The same sides run for `engine = "fast"` as the memory level
//! (its fill: an insert into quick_cache).

#[allow(dead_code)]
#[path = "../tests/support/redis_server.rs"]
mod support;

use std::hint::black_box;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use perf_runtime::cache::redis::{RedisOptions, configure};
use perf_runtime::cached;
use redis::aio::MultiplexedConnection;

/// About 100 bytes of JSON.
fn payload(id: u32) -> Vec<u32> {
    (0..20).map(|i| id + i).collect()
}

#[cached(ttl = "1h", l2 = "redis", name = "bench.l2", capacity = 100_000)]
async fn from_l2(id: u32) -> Vec<u32> {
    payload(id)
}

#[cached(ttl = "1h", l2 = "redis", name = "bench.l2_fast", capacity = 100_000, engine = "fast")]
async fn from_l2_fast(id: u32) -> Vec<u32> {
    payload(id)
}

#[cached(ttl = "1h", l2 = "redis", name = "bench.dead")]
fn with_dead_l2(id: u32) -> u32 {
    id
}

#[cached(ttl = "1h", name = "bench.l1_only")]
fn l1_only(id: u32) -> u32 {
    id
}

/// Memory as `#[cached]` builds it for `from_l2`: LRU, foldhash, the TTL, an eviction listener.
static FILLED: LazyLock<moka::future::Cache<u32, Vec<u32>, foldhash::fast::RandomState>> =
    LazyLock::new(|| {
        moka::future::Cache::builder()
            .max_capacity(100_000)
            .time_to_live(Duration::from_secs(3600))
            .eviction_policy(moka::policy::EvictionPolicy::lru())
            .eviction_listener(|_, _, _| {})
            .build_with_hasher(foldhash::fast::RandomState::default())
    });

/// Memory as `#[cached(engine = "fast")]` builds it: quick_cache with foldhash.
static FILLED_FAST: LazyLock<
    quick_cache::sync::Cache<u32, Vec<u32>, quick_cache::UnitWeighter, foldhash::fast::RandomState>,
> = LazyLock::new(|| {
    let hasher = foldhash::fast::RandomState::default();
    quick_cache::sync::Cache::with(
        100_000,
        100_000,
        quick_cache::UnitWeighter,
        hasher,
        Default::default(),
    )
});

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Cached,
    Raw,
    /// `Raw`, then the value inserted in memory as an L2 hit does.
    RawFill,
    /// `Cached` with the fast engine in memory.
    CachedFast,
    /// `Raw`, then the fast engine's fill.
    RawFillFast,
}

const SIDES: [Side; 5] =
    [Side::Cached, Side::Raw, Side::RawFill, Side::CachedFast, Side::RawFillFast];

/// Keys of the paired run: each side reads each once.
const PAIRED_READS: u32 = 20_000;
const ROUNDS: u32 = 100;
const PER_TASK: u32 = 64;
const KEYS: u32 = PAIRED_READS + ROUNDS * 4 * PER_TASK;

/// One read of `id`, which is in Redis and not in memory: through `#[cached]` (an L2 hit) or
/// as a raw GET + decode (and fill). Returns how long it took.
async fn read(side: Side, con: &MultiplexedConnection, id: u32) -> Duration {
    let started = Instant::now();
    match side {
        Side::Cached => drop(black_box(from_l2(id).await)),
        Side::CachedFast => drop(black_box(from_l2_fast(id).await)),
        Side::Raw | Side::RawFill | Side::RawFillFast => {
            let key = format!("raw:{id}");
            let bytes: Vec<u8> =
                redis::cmd("GET").arg(key).query_async(&mut con.clone()).await.unwrap();
            let value = serde_json::from_slice::<Vec<u32>>(&bytes).unwrap();
            if side == Side::RawFill {
                FILLED.insert(id, value.clone()).await;
            }
            if side == Side::RawFillFast {
                FILLED_FAST.insert(id, value.clone());
            }
            drop(black_box(value));
        }
    }
    started.elapsed()
}

/// Stores keys `1..=KEYS` in Redis for both sides, and leaves `#[cached]`'s memory without them.
async fn fill(con: &MultiplexedConnection) {
    let tasks: Vec<_> = (0..4)
        .map(|t| {
            let mut con = con.clone();
            tokio::spawn(async move {
                for id in (1..=KEYS).filter(|id| id % 4 == t) {
                    from_l2(id).await;
                    from_l2_cache().invalidate_l1(&id).await;
                    from_l2_fast(id).await;
                    from_l2_fast_cache().invalidate_l1(&id).await;
                    let json = serde_json::to_vec(&payload(id)).unwrap();
                    let set = redis::cmd("SET").arg(format!("raw:{id}")).arg(json).clone();
                    let () = set.query_async(&mut con).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
}

/// Four tasks at once, each reading `PER_TASK` keys from `first` on: the wall time.
async fn four_tasks(side: Side, first: u32, con: &MultiplexedConnection) -> Duration {
    let started = Instant::now();
    let tasks: Vec<_> = (0..4)
        .map(|t| {
            let con = con.clone();
            tokio::spawn(async move {
                for id in first + t * PER_TASK..first + (t + 1) * PER_TASK {
                    read(side, &con, id).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    started.elapsed()
}

/// The ratios the targets are about: the sides in turn, within one window.
async fn paired(con: &MultiplexedConnection) {
    let mut times = SIDES.map(|_| Vec::new());
    for id in 1..=PAIRED_READS {
        for (side, times) in SIDES.into_iter().zip(&mut times) {
            times.push(read(side, con, id).await);
        }
    }
    let [cached, raw, fill, fast, fill_fast] = times.map(|mut t| {
        t.sort();
        (t[t.len() / 2], t.iter().sum::<Duration>() / t.len() as u32)
    });
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    eprintln!(
        "paired, {PAIRED_READS} reads each: L2 hit / raw GET+decode = {:.3}x by median \
         ({:?} / {:?}), {:.3}x by mean ({:?} / {:?}); L2 hit / raw GET+decode+fill = {:.3}x by \
         median ({:?})",
        ratio(cached.0, raw.0),
        cached.0,
        raw.0,
        ratio(cached.1, raw.1),
        cached.1,
        raw.1,
        ratio(cached.0, fill.0),
        fill.0,
    );
    eprintln!(
        "paired, fast engine: L2 hit / raw GET+decode = {:.3}x by median ({:?} / {:?}); \
         / raw GET+decode+fill = {:.3}x by median ({:?})",
        ratio(fast.0, raw.0),
        fast.0,
        raw.0,
        ratio(fast.0, fill_fast.0),
        fill_fast.0,
    );

    let raw_single = raw.1;
    let mut walls = SIDES.map(|_| Duration::ZERO);
    for round in 0..ROUNDS {
        let first = PAIRED_READS + 1 + round * 4 * PER_TASK;
        for (side, wall) in SIDES.into_iter().zip(&mut walls) {
            *wall += four_tasks(side, first, con).await;
        }
    }
    let reads = ROUNDS * 4 * PER_TASK;
    let [cached, raw, fill, fast, fill_fast] = walls.map(|w| w / reads);
    eprintln!(
        "paired, 4 tasks, {ROUNDS} rounds of 4x{PER_TASK} reads each: #[cached] throughput / raw \
         = {:.3}x ({cached:?} / {raw:?} per read); / raw with fill = {:.3}x ({fill:?} per read); \
         / one raw read at a time = {:.3}x",
        ratio(raw, cached),
        ratio(fill, cached),
        ratio(raw_single, cached),
    );
    eprintln!(
        "paired, 4 tasks, fast engine: throughput / raw = {:.3}x ({fast:?} per read); / raw with \
         the fast fill = {:.3}x ({fill_fast:?} per read)",
        ratio(raw, fast),
        ratio(fill_fast, fast),
    );
}

fn bench(c: &mut Criterion) {
    let Some(mut server) = support::TestRedis::start(&[]) else { return };
    let options = RedisOptions { namespace: Some("bench".into()), ..RedisOptions::default() };
    configure(&server.url(), options).unwrap();
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let con = rt.block_on(async {
        let client = redis::Client::open(server.url()).unwrap();
        let con = client.get_multiplexed_async_connection().await.unwrap();
        fill(&con).await;
        con
    });

    let mut g = c.benchmark_group("redis_l2");
    for (name, side) in [("cached_l2_hit", Side::Cached), ("raw_get_and_decode", Side::Raw)] {
        let con = &con;
        g.bench_function(name, |b| {
            b.to_async(&rt).iter_custom(|iters| async move {
                let mut took = Duration::ZERO;
                for _ in 0..iters {
                    from_l2_cache().invalidate_l1(&1).await;
                    took += read(side, con, 1).await;
                }
                took
            })
        });
    }
    // Criterion's loops left key 1 in memory; the paired run reads it first.
    rt.block_on(async {
        from_l2_cache().invalidate_l1(&1).await;
        paired(&con).await
    });

    // Redis dies: after a few failed calls the breaker opens, and a miss skips Redis.
    server.kill();
    for id in 0..20 {
        with_dead_l2(id);
    }
    g.bench_function("l1_miss_redis_dead_breaker_open", |b| {
        b.iter(|| {
            with_dead_l2_cache().invalidate_l1(&7);
            black_box(with_dead_l2(7))
        })
    });
    g.bench_function("l1_miss_without_l2", |b| {
        b.iter(|| {
            l1_only_cache().invalidate(&7);
            black_box(l1_only(7))
        })
    });
    g.finish();
    let report = perf_runtime::Report::collect();
    let dead = report.cache("bench.dead").unwrap();
    eprintln!("breaker opened {} times; L2 errors {}", dead.breaker_opened, dead.l2_errors);
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
