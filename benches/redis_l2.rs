//! The Redis level of `#[cached]` against the raw `redis` crate, on a private `redis-server`:
//! an L2 hit (memory cleared first) against a multiplexed GET plus the same serde_json decode;
//! four tasks doing either at once; and, with Redis dead and the breaker open, what an L1 miss
//! costs over the same fn without Redis.

#[allow(dead_code)]
#[path = "../tests/support/redis_server.rs"]
mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use perf_runtime::cache::redis::{RedisOptions, configure};
use perf_runtime::cached;

/// About 100 bytes of JSON.
fn payload(id: u32) -> Vec<u32> {
    (0..20).map(|i| id + i).collect()
}

#[cached(ttl = "1h", l2 = "redis", name = "bench.l2")]
async fn from_l2(id: u32) -> Vec<u32> {
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

async fn raw_get(con: &mut redis::aio::MultiplexedConnection, key: &str) -> Vec<u32> {
    let bytes: Vec<u8> = redis::cmd("GET").arg(key).query_async(con).await.unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn bench(c: &mut Criterion) {
    let Some(mut server) = support::TestRedis::start(&[]) else { return };
    let options = RedisOptions { namespace: Some("bench".into()), ..RedisOptions::default() };
    configure(&server.url(), options).unwrap();
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut con = rt.block_on(async {
        from_l2(1).await; // stored in Redis
        let client = redis::Client::open(server.url()).unwrap();
        let mut con = client.get_multiplexed_async_connection().await.unwrap();
        let _: () = redis::cmd("SET")
            .arg("raw:1")
            .arg(serde_json::to_vec(&payload(1)).unwrap())
            .query_async(&mut con)
            .await
            .unwrap();
        con
    });

    let mut g = c.benchmark_group("redis_l2");
    g.bench_function("cached_l2_hit", |b| {
        b.to_async(&rt).iter(|| async {
            from_l2_cache().invalidate_l1(&1).await;
            black_box(from_l2(1).await)
        })
    });
    // The raw loops clear the same memory entry, so both sides pay for that.
    g.bench_function("raw_get_and_decode", |b| {
        b.to_async(&rt).iter(|| {
            let mut con = con.clone();
            async move {
                from_l2_cache().invalidate_l1(&1).await;
                black_box(raw_get(&mut con, "raw:1").await)
            }
        })
    });
    // Four tasks at once, per call: the multiplexed connection pipelines their requests.
    g.bench_function("cached_l2_hit_4_tasks", |b| {
        b.to_async(&rt).iter_custom(|iters| async move {
            let started = Instant::now();
            let tasks: Vec<_> = (0..4)
                .map(|_| {
                    tokio::spawn(async move {
                        for _ in 0..iters.div_ceil(4) {
                            from_l2_cache().invalidate_l1(&1).await;
                            black_box(from_l2(1).await);
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
            started.elapsed()
        })
    });
    g.bench_function("raw_get_and_decode_4_tasks", |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let con = con.clone();
            async move {
                let started = Instant::now();
                let tasks: Vec<_> = (0..4)
                    .map(|_| {
                        let mut con = con.clone();
                        tokio::spawn(async move {
                            for _ in 0..iters.div_ceil(4) {
                                from_l2_cache().invalidate_l1(&1).await;
                                black_box(raw_get(&mut con, "raw:1").await);
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
                started.elapsed()
            }
        })
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
    drop(con.clone());
    let report = perf_runtime::Report::collect();
    let dead = report.cache("bench.dead").unwrap();
    eprintln!("breaker opened {} times; L2 errors {}", dead.breaker_opened, dead.l2_errors);
    let _ = &mut con;
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
