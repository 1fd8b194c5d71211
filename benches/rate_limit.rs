//! The cost of `#[rate_limit]` on an admitted call, against a direct call and `governor`'s
//! limiters around the same fn (its direct `check()`, and its keyed limiter over 1,000 keys on
//! one and two threads); and of `scope = "redis"` against a raw `EVALSHA` of the same script
//! on a connection of the same runtime.
//!
//! Every limit is high enough (10^9 a second) that every call is admitted: the figure is the
//! decision's cost, the GCRA compare-exchange included, not a refusal's.

use std::hint::black_box;
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use governor::{Quota, RateLimiter};
use perf_runtime::limit::Rejected;
use perf_runtime::rate_limit;

#[allow(dead_code)]
#[path = "../tests/support/redis_server.rs"]
mod support;

#[derive(Debug)]
struct Limited;

impl From<Rejected> for Limited {
    fn from(_: Rejected) -> Self {
        Limited
    }
}

#[inline(never)]
fn direct(x: u64) -> Result<u64, Limited> {
    Ok(black_box(x))
}

#[rate_limit(rate = "1_000_000_000/s")]
#[inline(never)]
fn limited(x: u64) -> Result<u64, Limited> {
    Ok(black_box(x))
}

#[rate_limit(rate = "1_000_000_000/s", key = x % 1000)]
#[inline(never)]
fn limited_keyed(x: u64) -> Result<u64, Limited> {
    Ok(black_box(x))
}

#[rate_limit(rate = "1_000_000_000/s", scope = "redis")]
#[inline(never)]
async fn limited_redis(x: u64) -> Result<u64, Limited> {
    Ok(black_box(x))
}

/// `iters` calls of `f` split over `threads` threads; the wall time of the slowest.
fn threaded(iters: u64, threads: u64, f: impl Fn(u64) + Sync) -> Duration {
    let per = iters / threads;
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let f = &f;
                s.spawn(move || {
                    let start = Instant::now();
                    for i in 0..per {
                        f(t * per + i);
                    }
                    start.elapsed()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).max().unwrap()
    })
}

fn local(c: &mut Criterion) {
    let quota = Quota::per_second(NonZeroU32::MAX);
    let governor = RateLimiter::direct(quota);
    let mut g = c.benchmark_group("limit_admitted");
    g.bench_function("direct", |b| b.iter(|| direct(black_box(7))));
    g.bench_function("rate_limit", |b| b.iter(|| limited(black_box(7))));
    g.bench_function("governor", |b| {
        b.iter(|| match governor.check() {
            Ok(()) => direct(black_box(7)),
            Err(_) => Err(Limited),
        })
    });
    g.finish();

    let keyed = RateLimiter::keyed(quota);
    let governor_keyed = |x: u64| match keyed.check_key(&(x % 1000)) {
        Ok(()) => direct(black_box(x)),
        Err(_) => Err(Limited),
    };
    let mut g = c.benchmark_group("limit_keyed_1000");
    g.bench_function("rate_limit/1", |b| {
        let mut i = 0u64;
        b.iter(|| {
            i += 1;
            limited_keyed(black_box(i))
        })
    });
    g.bench_function("governor/1", |b| {
        let mut i = 0u64;
        b.iter(|| {
            i += 1;
            governor_keyed(black_box(i))
        })
    });
    g.bench_function("rate_limit/2", |b| {
        b.iter_custom(|iters| {
            threaded(iters, 2, |i| {
                let _ = limited_keyed(black_box(i));
            })
        })
    });
    g.bench_function("governor/2", |b| {
        b.iter_custom(|iters| {
            threaded(iters, 2, |i| {
                let _ = governor_keyed(black_box(i));
            })
        })
    });
    g.finish();
}

fn redis_scope(c: &mut Criterion) {
    let Some(server) = support::TestRedis::start(&[]) else { return };
    let options = perf_runtime::cache::redis::RedisOptions {
        namespace: Some("bench".into()),
        ..Default::default()
    };
    perf_runtime::cache::redis::configure(&server.url(), options).unwrap();
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let client = redis::Client::open(server.url()).unwrap();
    let mut conn = rt.block_on(client.get_multiplexed_async_connection()).unwrap();
    let sha: String = rt
        .block_on(
            redis::cmd("SCRIPT")
                .arg("LOAD")
                .arg(perf_runtime::limit::REDIS_SCRIPT)
                .query_async(&mut conn),
        )
        .unwrap();
    // Warm: the limiter's connection and its `SCRIPT LOAD`.
    rt.block_on(limited_redis(0)).unwrap();
    let mut g = c.benchmark_group("limit_redis");
    g.bench_function("raw_evalsha", |b| {
        b.iter_custom(|iters| {
            let mut conn = conn.clone();
            let sha = sha.clone();
            rt.block_on(async move {
                let start = Instant::now();
                for _ in 0..iters {
                    let mut cmd = redis::cmd("EVALSHA");
                    cmd.arg(&sha).arg(1).arg("bench:raw").arg(1).arg(0).arg(0);
                    let r: (i64, i64) = cmd.query_async(&mut conn).await.unwrap();
                    black_box(r);
                }
                start.elapsed()
            })
        })
    });
    g.bench_function("rate_limit", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for i in 0..iters {
                    black_box(limited_redis(black_box(i)).await.unwrap());
                }
                start.elapsed()
            })
        })
    });
    g.finish();
    let l = perf_runtime::Report::collect()
        .limits
        .into_iter()
        .find(|l| l.name.ends_with("limited_redis"))
        .unwrap();
    assert_eq!(l.fallbacks(), 0, "every decision in the Redis bench was Redis's");
}

criterion_group!(benches, local, redis_scope);
criterion_main!(benches);
