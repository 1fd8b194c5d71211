//! What tags cost `#[cached]` (issue #16), one run:
//! 1. a hit on a tagged fn against the same fn untagged, on both engines (`u64` key and value);
//! 2. `invalidate_tag` of a tag that 10,000 entries carry, in memory alone and with
//!    `l2 = "redis"` (the Lua script that clears Redis, the message to other processes, then
//!    memory), on both engines, refilled between iterations and timing the invalidation alone;
//!    with Redis, the server's own time for the script (from `SLOWLOG`) is printed beside it;
//! 3. how long another process's invalidation takes to leave this process's memory: p50, p99
//!    and max over 1,000 invalidations, on loopback, on both engines. The other process is
//!    simulated: a plain connection publishes the message it would (`redis/pubsub.rs`'s wire
//!    format) under another instance id.
//!
//! The Redis parts run against a private `redis-server` and skip with a printed reason when
//! there is none (they fail under `CI=true`, as the tests do).
//!
//! `cargo bench -p perf-benches --bench cache_tags`

#[allow(dead_code)]
#[path = "../tests/support/redis_server.rs"]
mod support;

use std::hint::black_box;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, criterion_group, criterion_main};
use perf_runtime::cache::invalidate_tag;
use perf_runtime::cache::redis::{RedisOptions, configure, disable};
use perf_runtime::cached;
use redis::Commands;

/// Entries carrying the tag that part 2 invalidates.
const TAGGED: u64 = 10_000;
/// Invalidations part 3 times, after `UNTIMED` others.
const PROPAGATIONS: usize = 1_000;
const UNTIMED: usize = 50;
const NAMESPACE: &str = "bench_tags";

#[cached(ttl = "1h", capacity = 10_000)]
fn untagged_moka(x: u64) -> u64 {
    x * 2
}

#[cached(ttl = "1h", capacity = 10_000, tags = ["item:{x}"])]
fn tagged_moka(x: u64) -> u64 {
    x * 2
}

#[cached(ttl = "1h", capacity = 10_000, engine = "fast")]
fn untagged_fast(x: u64) -> u64 {
    x * 2
}

#[cached(ttl = "1h", capacity = 10_000, engine = "fast", tags = ["item:{x}"])]
fn tagged_fast(x: u64) -> u64 {
    x * 2
}

// Part 2: each entry carries the bulk tag and one of its own, as `product:{id}` beside
// `tenant:{t}` would; invalidating the bulk tag also unlinks every key from its own tag.
// Capacity well above the 10,000 so that no entry is evicted before the invalidation.

#[cached(ttl = "1h", capacity = 100_000, tags = ["bulk:moka", "item:{x}"])]
fn bulk_moka(x: u64) -> u64 {
    x * 2
}

#[cached(ttl = "1h", capacity = 100_000, engine = "fast", tags = ["bulk:fast", "item:{x}"])]
fn bulk_fast(x: u64) -> u64 {
    x * 2
}

#[cached(
    ttl = "1h",
    capacity = 100_000,
    l2 = "redis",
    name = "bench.bulk_redis",
    tags = ["bulk:redis", "item:{x}"]
)]
fn bulk_redis(x: u64) -> u64 {
    x * 2
}

#[cached(
    ttl = "1h",
    capacity = 100_000,
    l2 = "redis",
    engine = "fast",
    name = "bench.bulk_redis_fast",
    tags = ["bulk:redis_fast", "item:{x}"]
)]
fn bulk_redis_fast(x: u64) -> u64 {
    x * 2
}

// Part 3: the caches whose memory another process's invalidation reaches.

#[cached(ttl = "1h", l2 = "redis", name = "bench.watched_moka")]
fn watched_moka(x: u64) -> u64 {
    x * 2
}

#[cached(ttl = "1h", l2 = "redis", engine = "fast", name = "bench.watched_fast")]
fn watched_fast(x: u64) -> u64 {
    x * 2
}

type Lookup = fn(u64) -> u64;

fn hits(c: &mut Criterion) {
    let fns: [(&str, Lookup); 4] = [
        ("moka/untagged", untagged_moka),
        ("moka/tagged", tagged_moka),
        ("fast/untagged", untagged_fast),
        ("fast/tagged", tagged_fast),
    ];
    let mut g = c.benchmark_group("cache_tags_hit");
    for (name, f) in fns {
        f(7);
        g.bench_function(name, |b| b.iter(|| f(black_box(7))));
    }
    g.finish();
}

/// Times `invalidate_tag(tag)` of `TAGGED` entries, `fill` storing them again before each one
/// and `check` looking, untimed, at what it left.
fn bench_invalidation(
    g: &mut BenchmarkGroup<WallTime>,
    name: &str,
    tag: &str,
    fill: &dyn Fn(),
    check: &dyn Fn(),
) {
    g.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let mut took = Duration::ZERO;
            for _ in 0..iters {
                fill();
                let started = Instant::now();
                let removed = invalidate_tag(black_box(tag));
                took += started.elapsed();
                // Guards what is timed: a fill that fell short would time a smaller tag.
                assert_eq!(removed as u64, TAGGED, "{name}: entries the invalidation removed");
                check();
            }
            took
        })
    });
}

fn invalidations_in_memory(c: &mut Criterion) {
    let mut g = c.benchmark_group("cache_tags_invalidate_10k");
    // Each iteration refills 10,000 entries, untimed: few iterations, timed one by one.
    g.sampling_mode(SamplingMode::Flat).sample_size(10);
    g.warm_up_time(Duration::from_millis(100)).measurement_time(Duration::from_secs(1));
    let fill_moka = || (0..TAGGED).for_each(|x| _ = bulk_moka(x));
    let fill_fast = || (0..TAGGED).for_each(|x| _ = bulk_fast(x));
    bench_invalidation(&mut g, "memory/moka", "bulk:moka", &fill_moka, &|| {});
    bench_invalidation(&mut g, "memory/fast", "bulk:fast", &fill_fast, &|| {});
    g.finish();
}

/// 10,000 loads of `f` (each a GET that misses and a tagged write), from 16 threads so that
/// Redis' round trips overlap.
fn fill_redis(f: Lookup) {
    std::thread::scope(|s| {
        for t in 0..16 {
            s.spawn(move || (t..TAGGED).step_by(16).for_each(|x| _ = f(x)));
        }
    });
}

/// The SHA1 of the script `invalidate_tag` runs (`redis/tags.rs`), to find it in `SLOWLOG`.
const INVALIDATE_SHA1: &[u8] = b"48874ba0472560e8ab5df857a667342ffc07c28d";

/// How long the server itself ran the invalidation script, each time, from `SLOWLOG` (the
/// server logs every command over 1 ms: the tagged writes of the fills take far less).
fn server_script_times(con: &mut redis::Connection) -> Vec<Duration> {
    let log: Vec<redis::Value> = redis::cmd("SLOWLOG").arg("GET").arg(-1).query(con).unwrap();
    let mut times: Vec<Duration> = log
        .iter()
        .filter_map(|entry| {
            let redis::Value::Array(fields) = entry else { return None };
            let (redis::Value::Int(us), redis::Value::Array(args)) = (&fields[2], &fields[3])
            else {
                return None;
            };
            let arg = |i: usize| match args.get(i) {
                Some(redis::Value::BulkString(b)) => b.as_slice(),
                _ => b"",
            };
            // EVALSHA by its SHA1, or EVAL with its text (after a NOSCRIPT).
            let command = arg(0).to_ascii_uppercase();
            let ours = (command == b"EVALSHA" && arg(1) == INVALIDATE_SHA1)
                || (command == b"EVAL"
                    && arg(1).starts_with(b"\nif redis.call('EXISTS', KEYS[2])"));
            ours.then(|| Duration::from_micros(*us as u64))
        })
        .collect();
    times.sort();
    times
}

/// The entries of the cache called `name` in Redis.
fn in_redis(con: &Mutex<redis::Connection>, name: &str) -> usize {
    let keys: Vec<String> = lock(con).keys(format!("{NAMESPACE}:{name}:*")).unwrap();
    keys.len()
}

fn invalidations_in_redis(c: &mut Criterion, con: &Mutex<redis::Connection>) {
    let sides: [(&str, &str, &str, Lookup); 2] = [
        ("redis/moka", "bench.bulk_redis", "bulk:redis", bulk_redis),
        ("redis/fast", "bench.bulk_redis_fast", "bulk:redis_fast", bulk_redis_fast),
    ];
    for (bench, name, tag, f) in sides {
        let mut g = c.benchmark_group("cache_tags_invalidate_10k");
        // A fill takes far longer than an invalidation: ten of each, and the warm-up's one.
        g.sampling_mode(SamplingMode::Flat).sample_size(10);
        g.warm_up_time(Duration::from_millis(20)).measurement_time(Duration::from_millis(50));
        let fill = || {
            fill_redis(f);
            assert_eq!(in_redis(con, name) as u64, TAGGED, "{name}: entries in Redis");
        };
        let check = || assert_eq!(in_redis(con, name), 0, "{name}: entries left in Redis");
        // Calls made while the client connects skip Redis: the first fill connects it, untimed.
        fill_redis(f);
        invalidate_tag(tag);
        let _: () = redis::cmd("SLOWLOG").arg("RESET").query(&mut *lock(con)).unwrap();
        bench_invalidation(&mut g, bench, tag, &fill, &check);
        g.finish();
        let times = server_script_times(&mut lock(con));
        if let (Some(first), Some(last)) = (times.first(), times.last()) {
            eprintln!(
                "{bench}: invalidate_tag of 10,000 entries: the server ran the script in {:.1} \
                 ms median ({:.1} min, {:.1} max) over {} invalidations (SLOWLOG); the rest of \
                 the time above is the message to other processes and memory",
                ms(times[times.len() / 2]),
                ms(*first),
                ms(*last),
                times.len(),
            );
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Another process's `invalidate(&7)` of `cache`, as it publishes it (`redis/pubsub.rs`,
/// version 1, kind `k`): under instance id 0, which this process never has (ids are drawn
/// from 1 up), so it does not skip the message as its own.
fn invalidation_message(cache: &str, key_json: &[u8]) -> Vec<u8> {
    let mut message = vec![1];
    message.extend_from_slice(&0u64.to_le_bytes());
    message.push(b'k');
    for field in [cache.as_bytes(), key_json] {
        message.extend_from_slice(&(field.len() as u32).to_le_bytes());
        message.extend_from_slice(field);
    }
    message
}

/// From just before another process's PUBLISH to when this process's memory no longer holds
/// the key, polled by `entry_count` (never by calling the fn); `PROPAGATIONS` times.
fn propagation(
    con: &mut redis::Connection,
    cache: &str,
    f: Lookup,
    entries: fn() -> u64,
) -> Vec<Duration> {
    let message = invalidation_message(cache, b"7");
    let channel = format!("{NAMESPACE}:invalidate");
    let mut delays = Vec::with_capacity(PROPAGATIONS);
    for round in 0..UNTIMED + PROPAGATIONS {
        // Memory holds key 7 again: from Redis, where the message left it.
        f(7);
        assert_eq!(entries(), 1, "{cache}: key 7 is in memory");
        let started = Instant::now();
        let receivers: u64 = redis::cmd("PUBLISH").arg(&channel).arg(&message).query(con).unwrap();
        assert!(receivers >= 1, "{cache}: this process is subscribed");
        while entries() != 0 {
            // Only against a hang: a lost message would otherwise spin for ever.
            assert!(started.elapsed() < Duration::from_secs(5), "{cache}: never dropped");
            // Yields rather than spins: on a small machine a spinning poller delays the very
            // threads it waits for (perf's Redis thread, the server).
            std::thread::yield_now();
        }
        let delay = started.elapsed();
        if round >= UNTIMED {
            delays.push(delay);
        }
    }
    delays
}

fn print_propagation(engine: &str, mut delays: Vec<Duration>) {
    delays.sort();
    // Nearest rank: the smallest delay that at least p of them do not exceed.
    let rank = |p: f64| delays[((p * delays.len() as f64).ceil() as usize).max(1) - 1];
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    eprintln!(
        "propagation ({engine}) over {} invalidations: p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        delays.len(),
        us(rank(0.50)),
        us(rank(0.99)),
        us(*delays.last().unwrap()),
    );
}

fn bench(c: &mut Criterion) {
    // Memory alone first, whatever PERF_REDIS_URL says.
    disable();
    hits(c);
    invalidations_in_memory(c);

    let slowlog = ["--slowlog-log-slower-than", "1000", "--slowlog-max-len", "1024"];
    let Some(server) = support::TestRedis::start(&slowlog) else {
        eprintln!("cache_tags: the Redis parts (invalidate_tag with l2, propagation) skipped");
        return;
    };
    // A bound past any invalidation here: at the default 50 ms, a script that outlasts it would
    // be timed as the bound, and counted a failure by the breaker.
    let options = RedisOptions {
        namespace: Some(NAMESPACE.into()),
        timeout: Duration::from_secs(2),
        ..RedisOptions::default()
    };
    configure(&server.url(), options).unwrap();
    let con = Mutex::new(server.connection(None));
    invalidations_in_redis(c, &con);

    let mut con = con.into_inner().unwrap();
    let moka = propagation(&mut con, "bench.watched_moka", watched_moka, || {
        watched_moka_cache().entry_count()
    });
    let fast = propagation(&mut con, "bench.watched_fast", watched_fast, || {
        watched_fast_cache().entry_count()
    });
    print_propagation("moka", moka);
    print_propagation("fast", fast);
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
