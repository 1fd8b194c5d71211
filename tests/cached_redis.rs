//! `#[cached(l2 = "redis")]` against a real, private `redis-server` (see `support/`): two
//! processes sharing entries, expiry set in Redis, undecodable entries, type changes,
//! invalidation, and Redis dying and coming back in the middle of calls.
//!
//! The suite runs once per engine (`mod moka`, `mod fast`). One configuration serves the whole
//! binary, so the scenarios run in order in one test, each against a server of its own; child
//! processes are this binary again, running a suite's `child_*` tests.

#[path = "support/stalls.rs"]
mod stalls;
#[allow(dead_code)]
#[path = "support/redis_server.rs"]
mod support;

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};

use perf_runtime::cache::redis::{RedisOptions, configure};
use perf_runtime::{CacheReport, Report, cached};
use redis::Commands;
use stalls::Stalls;
use support::TestRedis;

fn cache(name: &str) -> CacheReport {
    Report::collect().cache(name).cloned().unwrap_or_else(|| panic!("no cache {name}"))
}

/// This binary again, running the ignored test `test` against `url` (`None`: no Redis
/// configured), with `env` added; its report goes to a file.
fn spawn_child(
    test: &str,
    url: Option<&str>,
    namespace: &str,
    env: &[(&str, &str)],
) -> (std::process::Child, std::path::PathBuf) {
    let json = std::env::temp_dir().join(format!(
        "perf-l2-child-{}-{}.json",
        std::process::id(),
        rand_suffix()
    ));
    let mut child = Command::new(std::env::current_exe().unwrap());
    child.args(["--ignored", "--exact", test, "--nocapture"]).envs(env.iter().copied());
    match url {
        Some(url) => child.env("PERF_REDIS_URL", url),
        None => child.env_remove("PERF_REDIS_URL"),
    };
    let child = child
        .env("PERF_CACHE_NAMESPACE", namespace)
        .env("PERF_REPORT_JSON", &json)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    (child, json)
}

/// Waits for a child and returns its report of the cache `cache`.
fn wait_child(
    (child, json): (std::process::Child, std::path::PathBuf),
    cache: &str,
) -> CacheReport {
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Report = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    std::fs::remove_file(&json).unwrap();
    report.cache(cache).cloned().unwrap()
}

/// `SET` commands the server has run (the lock is a `SET NX`, a write a `SET PX`).
fn set_calls(con: &mut redis::Connection) -> u64 {
    let info: String = redis::cmd("INFO").arg("commandstats").query(con).unwrap();
    let line = info.lines().find_map(|l| l.strip_prefix("cmdstat_set:calls="));
    line.map_or(0, |l| l.split(',').next().unwrap().parse().unwrap())
}

/// In the process that took the lock (the one that loads): returns once the other process has
/// tried to take it too, which is the second `SET` since the parent counted them (env
/// `PERF_TEST_SET_CALLS`). However late the other process starts, it then waits for this load
/// rather than finding the value already there.
fn wait_for_the_other_lock_attempt() {
    let url = std::env::var("PERF_REDIS_URL").unwrap();
    let before: u64 = std::env::var("PERF_TEST_SET_CALLS").unwrap().parse().unwrap();
    let mut con = redis::Client::open(url).unwrap().get_connection().unwrap();
    let started = Instant::now();
    while set_calls(&mut con) < before + 2 {
        // Only against a hang, should the other process never get this far.
        assert!(started.elapsed() < Duration::from_secs(300), "no second lock attempt");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// The longest script run the server logged since the last `SLOWLOG RESET`, in µs.
fn slowest_script_us(con: &mut redis::Connection) -> i64 {
    let log: Vec<redis::Value> = redis::cmd("SLOWLOG").arg("GET").arg(100_000).query(con).unwrap();
    let durations = log.iter().filter_map(|entry| match entry {
        redis::Value::Array(fields) => match (&fields[2], &fields[3]) {
            (redis::Value::Int(us), redis::Value::Array(args)) => {
                let name = redis::from_redis_value::<String>(args[0].clone()).unwrap();
                name.starts_with("EVAL").then_some(*us)
            }
            _ => None,
        },
        _ => None,
    });
    durations.max().unwrap_or(0)
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

/// The suite, for the engine `$engine`; `$versioned` names two fns' shared cache.
macro_rules! suite {
    ($engine:tt, $versioned:tt) => {
        use super::*;

        static SHARED: AtomicUsize = AtomicUsize::new(0);

        #[cached(ttl = "60s", engine = $engine, l2 = "redis")]
        fn shared(id: u32) -> String {
            SHARED.fetch_add(1, SeqCst);
            format!("value {id}")
        }

        /// Runs `child_shared` in a new process against `url`, and returns its report of `it.shared`.
        fn run_child(url: &str, namespace: &str) -> CacheReport {
            wait_child(
                spawn_child(&test("child_shared"), Some(url), namespace, &[]),
                &name("shared"),
            )
        }

        /// The cache of the fn `f` of this suite, as the report names it.
        fn name(f: &str) -> String {
            format!("{}::{f}", module_path!())
        }

        /// The test `t` of this suite, as the test harness names it.
        fn test(t: &str) -> String {
            let path = module_path!();
            format!("{}::{t}", path.split_once("::").map_or(path, |(_, module)| module))
        }

        #[cached(ttl = "60s", engine = $engine, l2 = "redis", lock = true)]
        fn locked(id: u32) -> u32 {
            wait_for_the_other_lock_attempt();
            id
        }

        #[test]
        #[ignore = "run as a child process"]
        fn child_locked() {
            assert_eq!(locked(1), 1);
            perf_runtime::report();
        }

        #[test]
        #[ignore = "run as a child process"]
        fn child_shared() {
            assert_eq!(shared(7), "value 7");
            perf_runtime::report();
        }

        // `l2 = "redis"` with no Redis configured uses memory alone, and the report says `off`, as for
        // a fn without `l2`. No server needed: this runs where redis-server is missing too.
        #[test]
        fn with_no_redis_configured_the_report_says_l2_off() {
            let child = spawn_child(&test("child_shared"), None, "it-unconfigured", &[]);
            let c = wait_child(child, &name("shared"));
            assert_eq!(
                (c.l2.as_str(), c.loads, c.l2_misses, c.l2_errors),
                ("off", 1, 0, 0),
                "{c:?}"
            );
        }

        static V1: AtomicUsize = AtomicUsize::new(0);
        static V2: AtomicUsize = AtomicUsize::new(0);

        #[cached(ttl = "60s", engine = $engine, l2 = "redis", name = $versioned, handle = false)]
        fn version_one(id: u32) -> u32 {
            V1.fetch_add(1, SeqCst);
            id
        }

        // The same name after a deploy that changed the return type.
        #[cached(ttl = "60s", engine = $engine, l2 = "redis", name = $versioned, handle = false)]
        fn version_two(id: u32) -> String {
            V2.fetch_add(1, SeqCst);
            id.to_string()
        }

        #[cached(ttl = "60s", engine = $engine, l2 = "redis")]
        fn other(id: u32) -> u32 {
            id
        }

        static FLAKY: AtomicUsize = AtomicUsize::new(0);

        #[cached(ttl = "60s", engine = $engine, l1_ttl = "1ms", l2 = "redis")]
        async fn through(id: u32) -> u64 {
            FLAKY.fetch_add(1, SeqCst);
            u64::from(id) * 3
        }

        #[cached(ttl = "60s", engine = $engine, l2 = "redis")]
        fn first_fill(id: u32) -> u32 {
            id
        }

        #[cached(ttl = "60s", engine = $engine, l2 = "redis")]
        async fn first_fill_async(id: u32) -> u32 {
            id
        }

        /// Right after `configure`, 32 calls that start at once, while the client is still
        /// connecting: each waits for that connection, so every one misses in Redis and writes
        /// its entry there (before, all but one went on without Redis, uncounted).
        fn first_fill_reaches_redis(server: &TestRedis, namespace: &str) {
            let (url, mut con) = (server.url(), server.connection(None));
            for from_tasks in [false, true] {
                let fresh = format!("{namespace}-first-{from_tasks}");
                // A timeout no round trip misses on a busy machine: only the wait is tested.
                let timeout = Duration::from_secs(5);
                let options = RedisOptions {
                    namespace: Some(fresh.clone()),
                    timeout,
                    ..RedisOptions::default()
                };
                configure(&url, options).unwrap();
                let barrier = std::sync::Barrier::new(32);
                if from_tasks {
                    let rt = tokio::runtime::Builder::new_multi_thread()
                        .worker_threads(2)
                        .enable_all()
                        .build()
                        .unwrap();
                    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(32));
                    rt.block_on(async {
                        let tasks: Vec<_> = (0..32u32)
                            .map(|id| {
                                let barrier = barrier.clone();
                                tokio::spawn(async move {
                                    barrier.wait().await;
                                    assert_eq!(first_fill_async(id).await, id);
                                })
                            })
                            .collect();
                        for t in tasks {
                            t.await.unwrap();
                        }
                    });
                } else {
                    std::thread::scope(|s| {
                        for id in 0..32u32 {
                            let barrier = &barrier;
                            s.spawn(move || {
                                barrier.wait();
                                assert_eq!(first_fill(id), id);
                            });
                        }
                    });
                }
                let f = if from_tasks { "first_fill_async" } else { "first_fill" };
                let c = cache(&name(f));
                assert_eq!((c.l2_misses, c.l2_errors, c.l2_timeouts), (32, 0, 0), "{c:?}");
                let written: Vec<String> = con.keys(format!("{fresh}:{}:*", name(f))).unwrap();
                assert_eq!(written.len(), 32, "{f}: {written:?}");
            }
        }

        #[cached(ttl = "60s", engine = $engine, l2 = "redis", tags = ["big"])]
        fn tagged(id: u32) -> u32 {
            id
        }

        /// A tag of 50,000 entries in Redis goes whole, and with the default 50ms timeout no
        /// step of it times out (one script for the whole tag took 98–157 ms). A run that timed
        /// out while the machine stalled this process for half the timeout makes no claim. A
        /// fault is counted.
        fn a_large_tag_goes_within_the_default_timeout(server: &TestRedis, namespace: &str) {
            let (url, mut con) = (server.url(), server.connection(None));
            let _: () = redis::cmd("CONFIG")
                .arg(&["SET", "slowlog-log-slower-than", "0", "slowlog-max-len", "100000"])
                .query(&mut con)
                .unwrap();
            let fresh = format!("{namespace}-{}", name("tagged"));
            let options =
                RedisOptions { namespace: Some(fresh.clone()), ..RedisOptions::default() };
            let timeout = options.timeout;
            configure(&url, options).unwrap();
            let judged = (0..5).any(|_| {
                // One entry as a load leaves it, which names the tag's set; 50,000 more in it.
                assert_eq!(tagged(0), 0);
                let sets: Vec<String> = con.keys(format!("{fresh}:tag:*")).unwrap();
                let set = sets.iter().find(|k| !k.ends_with(":gen")).expect("the tag's set");
                for chunk in (0..50_000u32).collect::<Vec<_>>().chunks(10_000) {
                    let mut pipe = redis::pipe();
                    for i in chunk {
                        let key = format!("{fresh}:filler:{i}");
                        pipe.set_ex(&key, "v", 600).ignore().sadd(set, &key).ignore();
                    }
                    let _: () = pipe.query(&mut con).unwrap();
                }
                let before = cache(&name("tagged"));
                let _: () = redis::cmd("SLOWLOG").arg("RESET").query(&mut con).unwrap();
                let stalls = Stalls::measure();
                perf_runtime::cache::invalidate_tag("big");
                let stall = stalls.longest();
                let after = cache(&name("tagged"));
                let timed_out = after.l2_timeouts > before.l2_timeouts;
                // Slowed by the machine, not held by a script: no claim, run again.
                let held_us = slowest_script_us(&mut con);
                let timeout_us = i64::try_from(timeout.as_micros()).unwrap();
                if timed_out && (stall >= timeout / 2 || held_us < timeout_us) {
                    // What a step cut short left is finished by the next invalidation.
                    perf_runtime::cache::invalidate_tag("big");
                    return false;
                }
                assert_eq!(
                    (after.l2_timeouts, after.l2_errors),
                    (before.l2_timeouts, before.l2_errors),
                    "{stall:?} stall, {after:?}"
                );
                let left: Vec<String> = con.keys(format!("{fresh}:*")).unwrap();
                assert_eq!(left, [format!("{set}:gen")], "the whole tag went");
                true
            });
            assert!(judged, "the machine stalled each of 5 runs for half the timeout");

            // Redis frozen: the invalidation times out, and says so.
            assert_eq!(tagged(0), 0);
            let before = cache(&name("tagged"));
            server.freeze();
            perf_runtime::cache::invalidate_tag("big");
            server.thaw();
            let after = cache(&name("tagged"));
            assert_eq!(after.l2_timeouts, before.l2_timeouts + 1, "{after:?}");
            assert_eq!(after.l2_errors, before.l2_errors + 1, "{after:?}");
        }

        /// The scenario against a server of its own; not a test by itself, since it configures the
        /// process's Redis level (see `l2_against_a_real_redis`).
        pub fn scenario() {
            let Some(mut server) = TestRedis::start(&[]) else { return };
            let namespace = format!("it{}", std::process::id());
            let url = server.url();
            let mut con = server.connection(None);

            // Two processes share entries: the first loads, the second hits Redis.
            let before_first = Instant::now();
            let first = run_child(&url, &namespace);
            assert_eq!((first.loads, first.l2_hits, first.l2_misses), (1, 0, 1), "{first:?}");
            let second = run_child(&url, &namespace);
            assert_eq!((second.loads, second.l2_hits), (0, 1), "{second:?}");
            assert_eq!(second.l2, url);

            // lock = true: of two processes missing at once, one loads and the other waits for it.
            let sets = set_calls(&mut con).to_string();
            let env = [("PERF_TEST_SET_CALLS", sets.as_str())];
            let a = spawn_child(&test("child_locked"), Some(&url), &namespace, &env);
            let b = spawn_child(&test("child_locked"), Some(&url), &namespace, &env);
            let (a, b) = (wait_child(a, &name("locked")), wait_child(b, &name("locked")));
            assert_eq!(a.loads + b.loads, 1, "{a:?} {b:?}");
            assert_eq!(a.lock_waits + b.lock_waits, 1, "{a:?} {b:?}");
            assert_eq!(a.l2_hits + b.l2_hits, 1, "{a:?} {b:?}");

            // The entry expires in Redis with the fn's ttl.
            let keys: Vec<String> = con.keys(format!("{namespace}:{}:*", name("shared"))).unwrap();
            assert_eq!(keys.len(), 1, "{keys:?}");
            // Written during the first child's run, so it has aged at most the time since that
            // started (Redis counts in whole ms: one more for rounding).
            let pttl: i64 = con.pttl(&keys[0]).unwrap();
            let aged_ms = i64::try_from(before_first.elapsed().as_millis()).unwrap() + 1;
            assert!(
                (60_000 - aged_ms..=60_000).contains(&pttl),
                "PTTL {pttl}, written {aged_ms}ms ago"
            );

            // This process: an entry overwritten with garbage is counted, recomputed and rewritten.
            let options =
                RedisOptions { namespace: Some(namespace.clone()), ..RedisOptions::default() };
            configure(&url, options).unwrap();
            let _: () = con.set(&keys[0], "garbage").unwrap();
            assert_eq!(shared(7), "value 7");
            let c = cache(&name("shared"));
            assert_eq!((c.l2_decode_errors, c.loads), (1, 1), "{c:?}");
            assert_eq!(SHARED.load(SeqCst), 1);
            assert_eq!(run_child(&url, &namespace).l2_hits, 1, "the rewritten entry decodes");

            // A changed return type reads nothing old.
            assert_eq!(version_one(1), 1);
            assert_eq!(version_two(1), "1");
            assert_eq!((V1.load(SeqCst), V2.load(SeqCst)), (1, 1));

            // invalidate_all removes this fn's keys only.
            other(1);
            let elsewhere = format!("elsewhere:{}:x", name("shared"));
            let _: () = con.set(&elsewhere, 1).unwrap();
            shared_cache().invalidate_all();
            let mut left: Vec<String> = con.keys("*").unwrap();
            left.sort();
            assert!(
                left.iter().all(|k| !k.starts_with(&format!("{namespace}:{}:", name("shared")))),
                "{left:?}"
            );
            assert!(
                left.iter().any(|k| k.starts_with(&format!("{namespace}:{}:", name("other")))),
                "{left:?}"
            );
            assert!(left.contains(&elsewhere), "{left:?}");

            // Redis dies in the middle of 10k calls from 4 tasks, then comes back. Meanwhile a thread
            // of its own measures how late this machine wakes a sleeping thread: the stalls that any
            // call may suffer too, for reasons that are not Redis.
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            let stalls = Stalls::measure();
            let slowest = rt.block_on(async {
                // The slowest call of each phase: Redis up, Redis down, Redis back.
                let mut slowest = [Duration::ZERO; 3];
                for phase in 0..3 {
                    if phase == 1 {
                        server.kill();
                    }
                    if phase == 2 {
                        server.restart();
                        // Past the breaker's cool-down, one call probes and closes it.
                        tokio::time::sleep(Duration::from_millis(1_100)).await;
                    }
                    let tasks: Vec<_> = (0..4u32)
                        .map(|t| {
                            tokio::spawn(async move {
                                let mut slowest = Duration::ZERO;
                                for i in 0..834u32 {
                                    let id = (t * 834 + i) % 20;
                                    let started = Instant::now();
                                    assert_eq!(through(id).await, u64::from(id) * 3);
                                    slowest = slowest.max(started.elapsed());
                                    tokio::time::sleep(Duration::from_micros(50)).await;
                                }
                                slowest
                            })
                        })
                        .collect();
                    for t in tasks {
                        slowest[phase] = slowest[phase].max(t.await.unwrap());
                    }
                }
                slowest
            });
            let stall = stalls.longest();
            let c = cache(&name("through"));
            assert_eq!(c.hits + c.misses, 3 * 4 * 834, "every call returned, with the right value");
            assert!(c.breaker_opened >= 1, "{c:?}");
            assert!(c.l2_errors >= 1, "{c:?}");
            // No call waited on the dead or restarting Redis past the operation timeout: a call makes
            // two Redis operations at most (a read, a write), and may be stalled by the machine like
            // the calls with Redis up and the measuring thread were.
            let timeout = RedisOptions::default().timeout;
            let bound = 2 * (timeout + stall.max(slowest[0]));
            assert!(slowest[1] < bound && slowest[2] < bound, "{slowest:?}, {stall:?} stalls");
            let hits_before_restart = c.l2_hits;
            assert!(hits_before_restart > 0, "{c:?}");
            rt.block_on(async {
                for id in 0..20 {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    through(id).await;
                }
            });
            assert!(
                cache(&name("through")).l2_hits > hits_before_restart,
                "L2 resumed after the restart"
            );

            // A connection of its own: the restart above broke `con`.
            first_fill_reaches_redis(&server, &namespace);
            a_large_tag_goes_within_the_default_timeout(&server, &namespace);
        }
    };
}

mod moka {
    suite!("moka", "it.versioned");
}

mod fast {
    suite!("fast", "it.fast.versioned");
}

#[test]
#[cfg_attr(no_redis_server, ignore = "needs redis-server: apt-get install redis-server")]
fn l2_against_a_real_redis() {
    moka::scenario();
    fast::scenario();
}
