//! Cross-process L1 invalidation and tags in Redis, against a private `redis-server`: another
//! process's `invalidate` reaches this process's memory, a Redis restart drops memory once and
//! the subscription comes back, and `invalidate_tag` clears every fn's entries in Redis too.
//!
//! One configuration serves the binary, so the scenario runs in one test; the other process is
//! this binary again, running `child_invalidates`.

#[allow(dead_code)]
#[path = "support/redis_server.rs"]
mod support;

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use perf_runtime::cache::redis::{RedisOptions, configure};
use perf_runtime::{CacheReport, Report, cached};
use redis::Commands;
use support::TestRedis;

static LOADS: AtomicUsize = AtomicUsize::new(0);

#[cached(ttl = "10m", l2 = "redis", name = "co.user")]
fn user(id: u32) -> String {
    LOADS.fetch_add(1, SeqCst);
    format!("user {id}")
}

#[cached(ttl = "10m", l2 = "redis", name = "co.price", tags = ["product:{id}"])]
fn price(id: u32) -> u32 {
    id * 100
}

#[cached(ttl = "10m", l2 = "redis", engine = "fast", name = "co.stock", tags = ["product:{id}"])]
fn stock(id: u32) -> u32 {
    id + 1
}

/// Serialize only: a coherent cache's key must also deserialize, this one's need not.
#[derive(Clone, Hash, PartialEq, Eq, serde::Serialize)]
struct Local(u32);

static LOCAL_LOADS: AtomicUsize = AtomicUsize::new(0);

#[cached(ttl = "10m", l2 = "redis", name = "co.local", coherent = false)]
fn local(id: Local) -> u32 {
    LOCAL_LOADS.fetch_add(1, SeqCst);
    id.0
}

fn cache(name: &str) -> CacheReport {
    Report::collect().cache(name).cloned().unwrap()
}

fn now_us() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_micros()
}

/// Polls `done` every millisecond for up to 10 s (only against a hang); the time it came true.
fn wait_for(what: &str, mut done: impl FnMut() -> bool) -> u128 {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(10), "never: {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
    now_us()
}

/// Another process: reads key 1 through Redis into its memory, invalidates it the way env
/// `PERF_TEST_INVALIDATE` says (`key`, `all` by name, `tag` product:7), and prints when that
/// returned. First it invalidates the `coherent = false` cache's key 1, which publishes nothing:
/// messages on a channel arrive in order, so once the parent sees the second invalidation it
/// would have seen the first.
#[test]
#[ignore = "run as a child process"]
fn child_invalidates() {
    local_cache().invalidate(&Local(1));
    assert_eq!(user(1), "user 1");
    match std::env::var("PERF_TEST_INVALIDATE").as_deref() {
        Ok("all") => assert!(perf_runtime::cache::invalidate_all("co.user")),
        Ok("tag") => drop(perf_runtime::cache::invalidate_tag("product:7")),
        _ => user_cache().invalidate(&1),
    }
    println!("invalidated at {}", now_us());
}

/// Runs `child_invalidates` (`how`: key, all, tag) against `url` while `watch` polls this
/// process; returns the delay from the child's invalidation to when `watch` saw it, in µs
/// (negative if seen first).
fn invalidate_from_another_process(
    how: &str,
    url: &str,
    namespace: &str,
    watch: impl FnMut() -> bool,
) -> i128 {
    let child = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "child_invalidates", "--nocapture"])
        .env("PERF_REDIS_URL", url)
        .env("PERF_TEST_INVALIDATE", how)
        .env("PERF_CACHE_NAMESPACE", namespace)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let seen = wait_for("the other process's invalidation", watch);
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let line = stdout.lines().find_map(|l| l.strip_prefix("invalidated at ")).unwrap();
    seen as i128 - line.trim().parse::<i128>().unwrap()
}

#[test]
#[cfg_attr(no_redis_server, ignore = "needs redis-server: apt-get install redis-server")]
fn invalidations_cross_processes_and_tags_reach_redis() {
    let Some(mut server) = TestRedis::start(&[]) else { return };
    let namespace = format!("co{}", std::process::id());
    let options = RedisOptions { namespace: Some(namespace.clone()), ..RedisOptions::default() };
    configure(&server.url(), options).unwrap();

    // A (this process) and B (a child) both hold key 1; B invalidates it; A's memory drops it.
    assert_eq!(user(1), "user 1");
    assert_eq!(LOADS.load(SeqCst), 1);
    assert_eq!(local(Local(1)), 1);
    let delay = invalidate_from_another_process("key", &server.url(), &namespace, || {
        user_cache().entry_count() == 0
    });
    println!("cross-process invalidation seen {} µs after the other process's call", delay);
    assert_eq!(local(Local(1)), 1);
    assert_eq!(LOCAL_LOADS.load(SeqCst), 1, "coherent = false: memory kept its entry");
    assert_eq!(cache("co.local").invalidations_received, 0);
    assert!(delay < 100_000, "{delay} µs");
    assert_eq!(user(1), "user 1");
    assert_eq!(LOADS.load(SeqCst), 2, "the next call recomputed");
    assert_eq!(cache("co.user").invalidations_received, 1);

    // Redis restarts under the subscription: memory is dropped once, and later invalidations
    // arrive again.
    assert_eq!(user_cache().entry_count(), 1);
    server.kill();
    server.restart();
    wait_for("the flush after the reconnect", || cache("co.user").l1_flushes_on_reconnect > 0);
    assert_eq!(user_cache().entry_count(), 0);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(cache("co.user").l1_flushes_on_reconnect, 1, "dropped once");
    assert_eq!(user(1), "user 1");
    let delay = invalidate_from_another_process("all", &server.url(), &namespace, || {
        user_cache().entry_count() == 0
    });
    println!("after the restart, invalidate_all by name: seen {delay} µs after");
    assert_eq!(cache("co.user").invalidations_received, 2);

    // Tags: two fns' entries for product 7 go, in memory and in Redis; 8's stay.
    let mut con = server.connection(None);
    for id in [7, 8] {
        price(id);
        stock(id);
    }
    let keys = |con: &mut redis::Connection, f: &str| -> usize {
        let found: Vec<String> = con.keys(format!("{namespace}:{f}:*")).unwrap();
        found.len()
    };
    assert_eq!((keys(&mut con, "co.price"), keys(&mut con, "co.stock")), (2, 2));
    assert_eq!(perf_runtime::cache::invalidate_tag("product:7"), 2);
    assert_eq!((keys(&mut con, "co.price"), keys(&mut con, "co.stock")), (1, 1));
    assert_eq!((price_cache().entry_count(), stock_cache().entry_count()), (1, 1));

    // A malformed message is counted and ignored.
    let entries = user_cache().entry_count();
    let _: u64 = con.publish(format!("{namespace}:invalidate"), b"garbage".as_slice()).unwrap();
    wait_for("the malformed message counted", || {
        Report::collect().process.invalidations_malformed == 1
    });
    assert_eq!(user_cache().entry_count(), entries);

    // Another process's invalidate_tag reaches this memory too (Redis is empty of 7 already).
    price(7);
    stock(7);
    let delay = invalidate_from_another_process("tag", &server.url(), &namespace, || {
        price_cache().entry_count() == 1 && stock_cache().entry_count() == 1
    });
    println!("invalidate_tag in another process: seen {delay} µs after");
    assert!(cache("co.price").invalidations_received >= 1);

    let tag_sets: Vec<String> = con.keys(format!("{namespace}:tag:*")).unwrap();
    assert!(tag_sets.iter().all(|k| k.ends_with(":gen") || con.ttl::<_, i64>(k).unwrap() > 0));
}
