//! `#[rate_limit(scope = "redis")]` against a real, private `redis-server` (see `support/`):
//! four processes sharing one limit, and Redis killed and restarted under a caller.
//!
//! The 5 s run is scaled to 1.5 s: at 200/s with a burst of 100, 2% of 400 admissions
//! is 8, far below what a limit per process (4 × the rate) would give. Child processes are this binary
//! again, running the ignored test `child_flat_out`.

#[allow(dead_code)]
#[path = "support/redis_server.rs"]
mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use perf_runtime::cache::redis::{RedisOptions, configure};
use perf_runtime::limit::Rejected;
use perf_runtime::{Report, rate_limit};
use redis::Commands;
use support::TestRedis;

#[derive(Debug)]
struct Limited;

impl From<Rejected> for Limited {
    fn from(_: Rejected) -> Self {
        Limited
    }
}

fn options(namespace: &str) -> RedisOptions {
    RedisOptions {
        // A loaded test machine can take tens of ms to schedule a round trip: the shared run
        // must be decided by Redis, not by the fallback.
        timeout: Duration::from_millis(500),
        namespace: Some(namespace.to_owned()),
        breaker_cooldown: Duration::from_millis(200),
        ..RedisOptions::default()
    }
}

fn epoch_us() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_micros()
}

/// A burst of 100 (half a second at this rate): GCRA's count is exact while callers keep
/// asking, and a gap in which all four processes are descheduled (this test machine has 2
/// cores shared with compilers) loses no admission if shorter than that.
#[rate_limit(name = "redis.shared", rate = "200/s", burst = 100, scope = "redis")]
fn shared() -> Result<(), Limited> {
    Ok(())
}

/// One of the four processes: calls flat out for 1.5 s, then prints what it was admitted and
/// when it called first and last (wall clock, shared by the processes).
#[test]
#[ignore = "a child process of four_processes_share_one_limit"]
fn child_flat_out() {
    let url = std::env::var("PERF_LIMIT_TEST_URL").unwrap();
    let namespace = std::env::var("PERF_LIMIT_TEST_NAMESPACE").unwrap();
    configure(&url, options(&namespace)).unwrap();
    // The first call connects and loads the script: the window starts once it has answered
    // (its admission was decided just before), and ends as the last call starts.
    let mut admitted = u64::from(shared().is_ok());
    let first_us = epoch_us();
    let start = Instant::now();
    let mut last_us = first_us;
    while start.elapsed() < Duration::from_millis(1500) {
        last_us = epoch_us();
        admitted += u64::from(shared().is_ok());
    }
    let l = Report::collect().limit("redis.shared").cloned().unwrap();
    assert_eq!(l.admitted, admitted);
    println!("RESULT {admitted} {first_us} {last_us} {}", l.fallbacks());
}

#[rate_limit(name = "redis.fault", rate = "10/s", burst = 5, scope = "redis")]
fn through_a_fault() -> Result<(), Limited> {
    Ok(())
}

#[test]
#[cfg_attr(no_redis_server, ignore = "needs redis-server: apt-get install redis-server")]
fn redis_scope_against_a_real_redis() {
    let Some(mut redis) = TestRedis::start(&[]) else { return };
    four_processes_share_one_limit(&redis);
    a_dead_redis_gives_the_fallback_counted_and_the_shared_limit_resumes(&mut redis);
}

fn four_processes_share_one_limit(redis: &TestRedis) {
    let namespace = format!("t{}", std::process::id());
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(std::env::current_exe().unwrap())
                .args(["--ignored", "--exact", "child_flat_out", "--nocapture", "--test-threads=1"])
                .env("PERF_LIMIT_TEST_URL", redis.url())
                .env("PERF_LIMIT_TEST_NAMESPACE", &namespace)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let (mut total, mut first, mut last, mut fallbacks) = (0u64, u128::MAX, 0u128, 0u64);
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        let line =
            stdout.lines().find_map(|l| Some(l.split_once("RESULT ")?.1)).expect("a RESULT line");
        let v: Vec<u128> = line.split(' ').map(|x| x.parse().unwrap()).collect();
        total += v[0] as u64;
        first = first.min(v[1]);
        last = last.max(v[2]);
        fallbacks += v[3] as u64;
    }
    assert_eq!(fallbacks, 0, "every decision was Redis's");
    // From the first call of any process to the last: the burst, then one per 5 ms.
    let window = (last - first) as f64 / 1e6;
    let expected = 100.0 + 200.0 * window;
    let error = (total as f64 - expected).abs() / expected;
    assert!(error < 0.02, "admitted {total} in all, expected {expected:.0} over {window:.3}s");
}

fn a_dead_redis_gives_the_fallback_counted_and_the_shared_limit_resumes(redis: &mut TestRedis) {
    let namespace = format!("f{}", std::process::id());
    configure(
        &redis.url(),
        RedisOptions { timeout: Duration::from_millis(100), ..options(&namespace) },
    )
    .unwrap();
    let key = format!("{namespace}:limit:redis.fault");
    let mut con = redis.connection(None);
    let fallbacks = || Report::collect().limit("redis.fault").map_or(0, |l| l.fallbacks());
    let decisions =
        || Report::collect().limit("redis.fault").map_or(0, |l| l.admitted + l.rejected);

    for _ in 0..20 {
        let _ = through_a_fault();
        std::thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(fallbacks(), 0);
    assert!(con.exists::<_, bool>(&key).unwrap(), "the bucket lives in Redis");

    redis.kill();
    let before = (fallbacks(), decisions());
    for _ in 0..50 {
        // Only the documented outcomes: admitted, or refused by the local fallback.
        match through_a_fault() {
            Ok(()) | Err(Limited) => {}
        }
    }
    let after = (fallbacks(), decisions());
    assert_eq!(after.1 - before.1, 50);
    assert_eq!(after.0 - before.0, 50, "every decision without Redis was a fallback");
    let l = Report::collect().limit("redis.fault").cloned().unwrap();
    assert_eq!((l.fallback_local, l.fallback_allow, l.fallback_deny), (50, 0, 0));

    redis.restart();
    let mut con = redis.connection(None);
    // The breaker's cool-down, a reconnect and `EVAL` (the restarted server forgot the
    // script): then Redis decides again.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let before = fallbacks();
        let _ = through_a_fault();
        if fallbacks() == before {
            break;
        }
        assert!(Instant::now() < deadline, "Redis never decided again");
        std::thread::sleep(Duration::from_millis(20));
    }
    let resumed = fallbacks();
    for _ in 0..20 {
        let _ = through_a_fault();
    }
    assert_eq!(fallbacks(), resumed);
    assert!(con.exists::<_, bool>(&key).unwrap(), "the bucket is back in Redis");
}
