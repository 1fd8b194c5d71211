//! The Redis level against a real, private `redis-server`: no mocks.

use std::time::{Duration, Instant};

use redis::Commands;

use super::client::{Client, Outcome};
use super::stalls::Stalls;
use super::test_server::TestRedis;
use super::*;

/// Long enough that no round trip to a live server times out on a busy machine; the tests
/// that need Redis to fail kill it.
fn options() -> RedisOptions {
    RedisOptions {
        timeout: Duration::from_secs(5),
        namespace: Some("t".into()),
        breaker_threshold: 3,
        breaker_cooldown: Duration::from_millis(200),
        tls_root_cert: None,
    }
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
}

#[test]
fn set_get_with_expiry_from_async_and_sync_callers() {
    let Some(server) = TestRedis::start(&[]) else { return };
    let client = Client::connect(&server.url(), &options()).unwrap();
    let key = key::redis_key("t", "f", 1, b"[1]");
    let value = codec::encode(b"[1]", &"hello").unwrap();
    let before_set = Instant::now();
    block_on(async {
        assert_eq!(
            client.query::<()>(set_cmd(&key, &value, Duration::from_secs(30))).await,
            Outcome::Done(())
        );
        let got: Outcome<Option<Vec<u8>>> = client.query(get_cmd(&key)).await;
        assert_eq!(got, Outcome::Done(Some(value.clone())));
    });
    // A sync caller, on a thread with no runtime.
    let got: Outcome<Option<Vec<u8>>> = client.query_blocking(get_cmd(&key));
    let Outcome::Done(Some(bytes)) = got else { panic!("{got:?}") };
    assert_eq!(codec::decode::<String>(b"[1]", &bytes).unwrap(), "hello");
    let missing: Outcome<Option<Vec<u8>>> = client.query_blocking(get_cmd("t:nope"));
    assert_eq!(missing, Outcome::Done(None));

    // Aged at most the time since before the SET (Redis counts whole ms: one more).
    let pttl: i64 = server.connection(None).pttl(&key).unwrap();
    let aged_ms = i64::try_from(before_set.elapsed().as_millis()).unwrap() + 1;
    assert!((30_000 - aged_ms..=30_000).contains(&pttl), "PTTL {pttl}, set {aged_ms}ms ago");
}

#[test]
fn a_dead_redis_opens_the_breaker_and_a_restart_closes_it() {
    let Some(mut server) = TestRedis::start(&[]) else { return };
    let client = Client::connect(&server.url(), &options()).unwrap();
    let get = || client.query_blocking::<Option<Vec<u8>>>(get_cmd("t:k"));
    assert_eq!(get(), Outcome::Done(None));

    server.kill();
    let mut outcomes = Vec::new();
    let stalls = Stalls::measure();
    let mut slowest = Duration::ZERO;
    while !client.breaker.is_open() {
        let started = Instant::now();
        outcomes.push(get());
        slowest = slowest.max(started.elapsed());
        assert!(outcomes.len() <= 3, "{outcomes:?}");
    }
    // Each failing call is bounded by the timeout of its operation and of the reconnect
    // attempt inside it, plus what the machine stalled it for.
    let stall = stalls.longest();
    assert!(slowest < 2 * (options().timeout + stall), "{slowest:?}, {stall:?} stalls");
    assert!(
        outcomes.iter().all(|o| matches!(o, Outcome::Failed | Outcome::TimedOut)),
        "{outcomes:?}"
    );
    assert_eq!(client.breaker.times_opened(), 1);
    assert_eq!(get(), Outcome::Skipped);

    server.restart();
    std::thread::sleep(Duration::from_millis(250));
    // The probe after the cool-down may still meet the old, broken connection: allow a few.
    let deadline = Instant::now() + Duration::from_secs(60);
    while get() != Outcome::Done(None) {
        // Only against a hang.
        assert!(Instant::now() < deadline, "Redis never came back");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!client.breaker.is_open());
}

#[test]
fn a_connection_on_a_callers_runtime_is_replaced_when_that_runtime_ends() {
    let Some(server) = TestRedis::start(&[]) else { return };
    let client = Client::connect(&server.url(), &options()).unwrap();
    // Each runtime drives its own connection: the one before it took its connection along
    // when it shut down, and no call may see that as a failure.
    for _ in 0..3 {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            for _ in 0..10 {
                let got: Outcome<Option<Vec<u8>>> = client.query(get_cmd("t:k")).await;
                assert_eq!(got, Outcome::Done(None));
            }
        });
    }
    // Sync callers meanwhile use the connection on perf's runtime.
    assert_eq!(client.query_blocking::<Option<Vec<u8>>>(get_cmd("t:k")), Outcome::Done(None));
}

/// Calls that all start at once on a client that has not connected yet: each from a thread of
/// its own (sync callers), or each a task on a multi-thread runtime (async callers).
fn first_calls<T: redis::FromRedisValue + Send + 'static>(
    client: &std::sync::Arc<Client>,
    calls: u32,
    cmd: impl Fn(u32) -> redis::Cmd + Sync,
    from_tasks: bool,
) -> Vec<(Outcome<T>, Duration)> {
    let barrier = std::sync::Barrier::new(calls as usize);
    let timed = |outcome: &dyn Fn() -> Outcome<T>| {
        let started = Instant::now();
        (outcome(), started.elapsed())
    };
    if !from_tasks {
        return std::thread::scope(|s| {
            let threads: Vec<_> = (0..calls)
                .map(|i| {
                    let (barrier, cmd) = (&barrier, &cmd);
                    s.spawn(move || {
                        barrier.wait();
                        timed(&|| client.query_blocking(cmd(i)))
                    })
                })
                .collect();
            threads.into_iter().map(|t| t.join().unwrap()).collect()
        });
    }
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(calls as usize));
    rt.block_on(async {
        let tasks: Vec<_> = (0..calls)
            .map(|i| {
                let (barrier, client, cmd) = (barrier.clone(), client.clone(), cmd(i));
                tokio::spawn(async move {
                    barrier.wait().await;
                    let started = Instant::now();
                    (client.query::<T>(cmd).await, started.elapsed())
                })
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    })
}

/// Every call made while the client connects waits for that connection: none goes on without
/// Redis (before, all but the one connecting skipped it, uncounted).
#[test]
fn calls_made_while_connecting_all_reach_redis() {
    let Some(server) = TestRedis::start(&[]) else { return };
    let mut con = server.connection(None);
    for from_tasks in [false, true] {
        let client = std::sync::Arc::new(Client::connect(&server.url(), &options()).unwrap());
        let key = |i: u32| format!("t:first:{from_tasks}:{i}");
        let set = |i: u32| set_cmd(&key(i), b"v", Duration::from_secs(60));
        let outcomes = first_calls::<()>(&client, 32, set, from_tasks);
        let done = outcomes.iter().filter(|(o, _)| *o == Outcome::Done(())).count();
        assert_eq!(done, 32, "from tasks: {from_tasks}, {outcomes:?}");
        let written: Vec<String> = con.keys(format!("t:first:{from_tasks}:*")).unwrap();
        assert_eq!(written.len(), 32, "from tasks: {from_tasks}");
    }
}

/// With Redis down, the calls waiting for a connection learn it from the one attempt and fail
/// (counted, and feeding the breaker), none later than that attempt's bound; with Redis frozen
/// (the connection opens, the server never answers), they time out within it.
#[test]
fn calls_made_while_connecting_to_a_dead_or_frozen_redis_fail_in_time() {
    let Some(mut server) = TestRedis::start(&[]) else { return };
    let options =
        RedisOptions { timeout: Duration::from_millis(100), breaker_threshold: 1_000, ..options() };
    // A call waits for the connect (its bound, at least 200ms) and then for its request.
    let bound = options.timeout.max(Duration::from_millis(200)) + options.timeout;
    let get = |i: u32| get_cmd(&format!("t:k{i}"));
    server.freeze();
    for from_tasks in [false, true] {
        let client = std::sync::Arc::new(Client::connect(&server.url(), &options).unwrap());
        let stalls = Stalls::measure();
        let outcomes = first_calls::<Option<Vec<u8>>>(&client, 16, get, from_tasks);
        let stall = stalls.longest();
        for (outcome, took) in &outcomes {
            assert_eq!(*outcome, Outcome::TimedOut, "frozen, from tasks: {from_tasks}");
            assert!(*took < bound + 2 * stall, "{took:?} > {bound:?} + 2 × {stall:?} stalls");
        }
    }
    server.thaw();
    server.kill();
    for from_tasks in [false, true] {
        let client = std::sync::Arc::new(Client::connect(&server.url(), &options).unwrap());
        let stalls = Stalls::measure();
        let outcomes = first_calls::<Option<Vec<u8>>>(&client, 16, get, from_tasks);
        let stall = stalls.longest();
        for (outcome, took) in &outcomes {
            assert_eq!(*outcome, Outcome::Failed, "dead, from tasks: {from_tasks}");
            assert!(*took < bound + 2 * stall, "{took:?} > {bound:?} + 2 × {stall:?} stalls");
        }
    }
}

#[test]
fn runtimes_without_timers_still_reach_redis() {
    let Some(server) = TestRedis::start(&[]) else { return };
    // Which path requests take is process-wide once a runtime without timers is seen: the
    // check runs in a process of its own.
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "redis::tests::timerless_child", "--ignored", "--nocapture"])
        .env("PERF_TEST_REDIS_URL", server.url())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&child.stderr);
    assert!(child.status.success(), "{stderr}");
    assert_eq!(stderr.matches("timers are disabled").count(), 1, "said once: {stderr}");
}

#[test]
#[ignore = "run by runtimes_without_timers_still_reach_redis"]
fn timerless_child() {
    let Ok(url) = std::env::var("PERF_TEST_REDIS_URL") else { return };
    let client = Client::connect(&url, &options()).unwrap();
    let runtimes = [
        tokio::runtime::Builder::new_multi_thread().enable_io().build().unwrap(),
        tokio::runtime::Builder::new_current_thread().enable_io().build().unwrap(),
    ];
    for rt in runtimes {
        rt.block_on(async {
            for _ in 0..3 {
                let got: Outcome<Option<Vec<u8>>> = client.query(get_cmd("t:k")).await;
                assert_eq!(got, Outcome::Done(None));
            }
        });
    }
}

#[test]
fn load_lock_is_exclusive_until_it_expires() {
    let Some(server) = TestRedis::start(&[]) else { return };
    let client = Client::connect(&server.url(), &options()).unwrap();
    let lock = |token| {
        client.query_blocking::<Option<String>>(lock_cmd(
            "t:lock",
            token,
            Duration::from_millis(100),
        ))
    };
    // Taken while the lock lives, judged by the time since before it was set; a run the
    // machine stalled past its 100ms makes no claim, and the lock is taken again.
    let judged = (0..100).any(|_| {
        let locked = Instant::now();
        assert_eq!(lock(1), Outcome::Done(Some("OK".into())));
        let second = lock(2);
        if locked.elapsed() >= Duration::from_millis(100) {
            let _ = client.query_blocking::<u64>(del_cmd("t:lock"));
            return false;
        }
        assert_eq!(second, Outcome::Done(None));
        true
    });
    assert!(judged, "the machine stalled each of 100 runs past the lock's TTL");
    // Past the TTL since the lock was set, with Redis's whole-ms clock rounded either way.
    std::thread::sleep(Duration::from_millis(100 + 2));
    assert_eq!(lock(3), Outcome::Done(Some("OK".into())));
    assert_eq!(client.query_blocking::<u64>(del_cmd("t:lock")), Outcome::Done(1));
}

#[test]
fn delete_matching_leaves_other_fns_and_namespaces_alone() {
    let Some(server) = TestRedis::start(&[]) else { return };
    let client = Client::connect(&server.url(), &options()).unwrap();
    let mut con = server.connection(None);
    for i in 0..1_200u32 {
        let _: () = con.set(key::redis_key("t", "m::users", 1, &i.to_le_bytes()), 1).unwrap();
    }
    let _: () = con.set(key::redis_key("t", "m::users", 2, b"old schema"), 1).unwrap();
    let others = [
        key::redis_key("t", "m::users_by_name", 1, b"1"),
        key::redis_key("u", "m::users", 1, b"1"),
        "t:m::users".to_owned(),
    ];
    for k in &others {
        let _: () = con.set(k, 1).unwrap();
    }
    let deleted = block_on(client.delete_matching(key::fn_pattern("t", "m::users")));
    assert_eq!(deleted, Outcome::Done(1_201));
    let mut left: Vec<String> = con.keys("*").unwrap();
    left.sort();
    let mut expected = others.to_vec();
    expected.sort();
    assert_eq!(left, expected);
}

#[test]
fn auth_urls_connect_and_a_wrong_password_fails_softly() {
    let Some(server) = TestRedis::start(&["--requirepass", "s3cret"]) else { return };
    let url = format!("redis://:s3cret@127.0.0.1:{}/0", server.port);
    let client = Client::connect(&url, &options()).unwrap();
    assert_eq!(client.address, format!("redis://127.0.0.1:{}/0", server.port));
    assert_eq!(client.query_blocking::<Option<Vec<u8>>>(get_cmd("t:x")), Outcome::Done(None));

    let wrong =
        Client::connect(&format!("redis://:nope@127.0.0.1:{}/0", server.port), &options()).unwrap();
    let outcome = wrong.query_blocking::<Option<Vec<u8>>>(get_cmd("t:x"));
    assert!(matches!(outcome, Outcome::Failed | Outcome::TimedOut), "{outcome:?}");
}

#[test]
fn urls_are_checked_and_passwords_never_printed() {
    assert_eq!(
        redact("redis://app:hunter2@db.internal:6380/3"),
        "redis://app:***@db.internal:6380/3"
    );
    assert_eq!(redact("rediss://:hunter2@db"), "rediss://:***@db");
    assert_eq!(redact("redis://db:6379"), "redis://db:6379");
    let tls = connect("rediss://app:hunter2@db.internal:6380/3", &options());
    #[cfg(feature = "redis-tls")]
    assert_eq!(tls.unwrap().address, "rediss://db.internal:6380/3");
    #[cfg(not(feature = "redis-tls"))]
    assert_eq!(
        tls.unwrap_err().to_string(),
        "rediss://app:***@db.internal:6380/3: rediss:// needs perf-runtime's `redis-tls` feature"
    );
    let err = connect("http://db", &options()).unwrap_err().to_string();
    assert!(err.starts_with("http://db: "), "{err}");
    let client = Client::connect("redis://app:hunter2@db.internal:6380/3", &options()).unwrap();
    assert_eq!(client.address, "redis://db.internal:6380/3");
}

/// `rediss://` against a real TLS server: a private CA is trusted when given, and without it the
/// server's certificate is refused softly, like any other fault.
#[cfg(feature = "redis-tls")]
#[test]
fn rediss_with_a_private_ca() {
    let Some((_server, tls_port, ca)) = TestRedis::start_tls() else { return };
    let url = format!("rediss://127.0.0.1:{tls_port}/0");
    let trusted = RedisOptions { tls_root_cert: Some(ca), ..options() };
    let client = connect(&url, &trusted).unwrap();
    assert_eq!(client.address, format!("rediss://127.0.0.1:{tls_port}/0"));
    let key = key::redis_key("t", "f", 1, b"[1]");
    block_on(async {
        let set = client.query::<()>(set_cmd(&key, b"over tls", Duration::from_secs(30))).await;
        assert_eq!(set, Outcome::Done(()));
    });
    let got = client.query_blocking::<Option<Vec<u8>>>(get_cmd(&key));
    assert_eq!(got, Outcome::Done(Some(b"over tls".to_vec())));

    let untrusted = connect(&url, &options()).unwrap();
    let refused = untrusted.query_blocking::<Option<Vec<u8>>>(get_cmd(&key));
    assert_eq!(refused, Outcome::Failed);
}

mod layer {
    use super::*;
    use crate::redis::codec::Codec;
    use crate::redis::layer::L2Site;

    fn site(schema: u64, lock_ttl: Option<Duration>) -> L2Site {
        L2Site::new("m::users", "app", schema, Duration::from_secs(60), lock_ttl)
    }

    #[test]
    fn another_process_reads_what_one_wrote_unless_the_schema_changed() {
        let Some(server) = TestRedis::start(&[]) else { return };
        let (a, b) = (
            Client::connect(&server.url(), &options()).unwrap(),
            Client::connect(&server.url(), &options()).unwrap(),
        );
        let writer = site(1, None);
        let before_put = Instant::now();
        writer.put_blocking(&a, b"[7]", &vec![1u32, 2, 3], &Codec::new());
        let reader = site(1, None);
        assert_eq!(reader.get_blocking(&b, b"[7]", &Codec::<Vec<u32>>::new()), Some(vec![1, 2, 3]));
        assert_eq!(reader.get_blocking(&b, b"[8]", &Codec::<Vec<u32>>::new()), None);
        let new_schema = site(2, None);
        assert_eq!(new_schema.get_blocking(&b, b"[7]", &Codec::<String>::new()), None);
        let s = reader.snapshot();
        assert_eq!((s.hits, s.misses, s.errors), (1, 1, 0));
        assert!(s.get_p50_ns > 0 && s.get_p50_ns <= s.get_p99_ns);
        let pttl: i64 =
            server.connection(None).pttl(key::redis_key("t", "m::users", 1, b"[7]")).unwrap();
        let aged_ms = i64::try_from(before_put.elapsed().as_millis()).unwrap() + 1;
        assert!((60_000 - aged_ms..=60_000).contains(&pttl), "PTTL {pttl}, {aged_ms}ms");
    }

    #[test]
    fn garbage_entries_are_counted_and_overwritten() {
        let Some(server) = TestRedis::start(&[]) else { return };
        let client = Client::connect(&server.url(), &options()).unwrap();
        let site = site(1, None);
        let redis_key = key::redis_key("t", "m::users", 1, b"[1]");
        let _: () = server.connection(None).set(&redis_key, "not an entry").unwrap();
        assert_eq!(block_on(site.get(&client, b"[1]", &Codec::<u32>::new())), None);
        assert_eq!(site.snapshot().decode_errors, 1);
        block_on(site.put(&client, b"[1]", &5u32, &Codec::new()));
        assert_eq!(block_on(site.get(&client, b"[1]", &Codec::<u32>::new())), Some(5));
    }

    #[test]
    fn a_full_redis_refuses_writes_without_failing_the_call() {
        let Some(server) =
            TestRedis::start(&["--maxmemory", "2mb", "--maxmemory-policy", "noeviction"])
        else {
            return;
        };
        let client = Client::connect(&server.url(), &options()).unwrap();
        let site = site(1, None);
        let big = "x".repeat(64 * 1024);
        for i in 0..64u32 {
            site.put_blocking(&client, &i.to_le_bytes(), &big, &Codec::new());
        }
        let s = site.snapshot();
        assert!(s.errors > 0, "some writes hit OOM: {s:?}");
        // Redis answered every time, so the breaker stays closed and the first entries read back.
        assert!(!client.breaker.is_open());
        let first = site.get_blocking(&client, &0u32.to_le_bytes(), &Codec::<String>::new());
        assert!(first.is_some_and(|v| v == big), "the first entry fits");
    }

    #[test]
    fn the_load_lock_makes_other_processes_wait_for_the_value() {
        let Some(server) = TestRedis::start(&[]) else { return };
        let (a, b) = (
            Client::connect(&server.url(), &options()).unwrap(),
            Client::connect(&server.url(), &options()).unwrap(),
        );
        let (loader, waiter) =
            (site(1, Some(Duration::from_secs(2))), site(1, Some(Duration::from_secs(2))));
        let lock = loader
            .lock_or_wait_blocking(&a, b"[1]", &Codec::<u32>::new())
            .unwrap()
            .expect("first takes the lock");
        std::thread::scope(|s| {
            let waiting =
                s.spawn(|| waiter.lock_or_wait_blocking(&b, b"[1]", &Codec::<u32>::new()));
            // The loader stores once the waiter has found the lock taken, however late the
            // machine lets that thread run.
            let started = Instant::now();
            while waiter.snapshot().lock_waits == 0 {
                // Only against a hang.
                assert!(started.elapsed() < Duration::from_secs(300), "the waiter never waited");
                std::thread::sleep(Duration::from_millis(1));
            }
            loader.put_blocking(&a, b"[1]", &42u32, &Codec::new());
            loader.unlock_blocking(&a, lock);
            assert_eq!(waiting.join().unwrap().unwrap_err(), 42);
        });
        assert_eq!(waiter.snapshot().lock_waits, 1);

        // A loader that never stores: the waiter gives up after the lock's TTL and loads itself.
        // Judged by the time since before the lock was taken: if the machine stalled the
        // waiter's first try past the lock's TTL, it rightly took the lock; try another key.
        let ttl = Duration::from_millis(100);
        let short = site(1, Some(ttl));
        let judged = (2..100u32).any(|key| {
            let key = format!("[{key}]");
            let held_at = Instant::now();
            let held = short.lock_or_wait_blocking(&a, key.as_bytes(), &Codec::<u32>::new());
            assert!(matches!(held, Ok(Some(_))), "the first takes the lock");
            let started = Instant::now();
            let waited = short.lock_or_wait_blocking(&b, key.as_bytes(), &Codec::<u32>::new());
            if matches!(waited, Ok(Some(_))) {
                assert!(held_at.elapsed() >= ttl, "took a live lock");
                return false;
            }
            assert!(matches!(waited, Ok(None)));
            assert!(started.elapsed() >= ttl);
            true
        });
        assert!(judged, "the machine stalled each of 98 tries past the lock's TTL");
        assert_eq!(short.snapshot().lock_timeouts, 1);
    }

    #[test]
    fn invalidation_by_key_and_by_fn() {
        let Some(server) = TestRedis::start(&[]) else { return };
        let client = Client::connect(&server.url(), &options()).unwrap();
        let (users, other) =
            (site(1, None), L2Site::new("m::orders", "app", 1, Duration::from_secs(60), None));
        block_on(async {
            for i in 0..3u32 {
                users.put(&client, &i.to_le_bytes(), &i, &Codec::new()).await;
                other.put(&client, &i.to_le_bytes(), &i, &Codec::new()).await;
            }
            users.invalidate(&client, &0u32.to_le_bytes()).await;
            assert_eq!(users.get(&client, &0u32.to_le_bytes(), &Codec::<u32>::new()).await, None);
            assert_eq!(
                users.get(&client, &1u32.to_le_bytes(), &Codec::<u32>::new()).await,
                Some(1)
            );
            assert_eq!(users.invalidate_all(&client).await, 2);
            assert_eq!(users.get(&client, &1u32.to_le_bytes(), &Codec::<u32>::new()).await, None);
            assert_eq!(
                other.get(&client, &1u32.to_le_bytes(), &Codec::<u32>::new()).await,
                Some(1)
            );
        });
    }
}
