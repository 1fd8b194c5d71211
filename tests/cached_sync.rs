//! `#[cached]` on sync fns: real executions of the body counted, real short TTLs. The suite runs
//! once per engine (`mod moka`, `mod fast`); what only moka has (`tti`) is tested after it.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};

use perf_runtime::{CacheReport, Report, cached, profile, retry};

fn cache(name: &str) -> CacheReport {
    let report = Report::collect();
    report.cache(name).cloned().unwrap_or_else(|| panic!("no cache {name} in {:#?}", report.caches))
}

/// Runs `attempt` on keys 0, 1, … until one attempt's own timing lets it judge (it returns
/// `true`); an attempt the machine stalled for too long returns `false` without asserting.
fn first_judged_key(attempt: impl FnMut(&u32) -> bool) -> u32 {
    (0..100).find(attempt).expect("the machine stalled each of 100 attempts past the limit")
}

/// The suite, for the engine `$engine`; `$users` names the cache that is invalidated by name.
macro_rules! suite {
    ($engine:tt, $users:tt) => {
        use super::*;

        fn path(name: &str) -> String {
            format!("{}::{name}", module_path!())
        }

        static LOOKUPS: AtomicUsize = AtomicUsize::new(0);

        #[cached(ttl = "60s", engine = $engine)]
        fn lookup(name: &str, times: u32) -> String {
            LOOKUPS.fetch_add(1, SeqCst);
            name.repeat(times as usize)
        }

        #[test]
        fn hits_do_not_run_the_fn_and_borrowed_args_are_keyed_by_their_owned_form() {
            assert_eq!(lookup("ab", 2), "abab");
            assert_eq!(lookup("ab", 2), "abab");
            assert_eq!(lookup(&String::from("ab"), 2), "abab");
            assert_eq!(lookup("ab", 3), "ababab");
            assert_eq!(LOOKUPS.load(SeqCst), 2);
            let c = cache(&path("lookup"));
            assert_eq!((c.hits, c.misses, c.loads, c.load_errors), (2, 2, 2, 0));
            assert_eq!(c.hit_rate, 0.5);
            assert_eq!(lookup_cache().entry_count(), 2);
        }

        static SHORT: AtomicUsize = AtomicUsize::new(0);

        #[cached(ttl = "50ms", engine = $engine)]
        fn short_lived(x: u32) -> u32 {
            SHORT.fetch_add(1, SeqCst);
            x
        }


        #[test]
        fn ttl_expiry_runs_the_fn_again() {
            const TTL: Duration = Duration::from_millis(50);
            // A second call within the ttl hits. Within it means: the time from before the first
            // call (the entry is younger than that) to after the second is under the ttl.
            let key = first_judged_key(|&key| {
                let runs = SHORT.load(SeqCst);
                let started = Instant::now();
                short_lived(key);
                short_lived(key);
                let within = started.elapsed() < TTL;
                if within {
                    assert_eq!(SHORT.load(SeqCst), runs + 1, "the second call ran the fn");
                }
                within
            });
            // Past the ttl since the entry was written, however slow the machine.
            std::thread::sleep(TTL + Duration::from_millis(60));
            let runs = SHORT.load(SeqCst);
            short_lived(key);
            assert_eq!(SHORT.load(SeqCst), runs + 1);
        }

        static PARSES: AtomicUsize = AtomicUsize::new(0);

        #[cached(ttl = "60s", engine = $engine)]
        fn parse(s: &str) -> Result<u32, std::num::ParseIntError> {
            PARSES.fetch_add(1, SeqCst);
            let n = s.parse()?;
            Ok(n)
        }

        static FINDS: AtomicUsize = AtomicUsize::new(0);

        #[cached(ttl = "60s", engine = $engine)]
        fn find(id: u32) -> Option<u32> {
            FINDS.fetch_add(1, SeqCst);
            id.is_multiple_of(2).then_some(id)
        }

        static NONES: AtomicUsize = AtomicUsize::new(0);

        #[cached(ttl = "60s", engine = $engine, cache_none = true)]
        fn find_or_none(id: u32) -> Option<u32> {
            NONES.fetch_add(1, SeqCst);
            id.is_multiple_of(2).then_some(id)
        }

        #[test]
        fn err_and_none_are_not_cached_unless_asked() {
            for _ in 0..3 {
                assert!(parse("x").is_err());
                assert_eq!(parse("7"), Ok(7));
            }
            assert_eq!(PARSES.load(SeqCst), 4, "three Errs and one Ok");
            let c = cache(&path("parse"));
            assert_eq!((c.loads, c.load_errors, c.hits), (4, 3, 2));

            for _ in 0..3 {
                assert_eq!(find(1), None);
                assert_eq!(find(2), Some(2));
            }
            assert_eq!(FINDS.load(SeqCst), 4);
            for _ in 0..3 {
                assert_eq!(find_or_none(1), None);
            }
            assert_eq!(NONES.load(SeqCst), 1);
        }

        static SLOW: AtomicUsize = AtomicUsize::new(0);

        #[cached(ttl = "60s", engine = $engine)]
        fn slow(key: u32) -> u32 {
            SLOW.fetch_add(1, SeqCst);
            // The load lasts until the seven other callers wait for it, however late the machine lets
            // them arrive (after a fixed sleep, a late one found the value cached instead).
            let started = Instant::now();
            while cache(&path("slow")).coalesced < 7 {
                // Only against a hang, should callers stop coalescing.
                assert!(started.elapsed() < Duration::from_secs(300), "{:?}", cache(&path("slow")));
                std::thread::sleep(Duration::from_millis(1));
            }
            std::thread::sleep(Duration::from_millis(50));
            key * 10
        }

        #[test]
        fn eight_threads_on_one_cold_key_run_it_once() {
            let barrier = std::sync::Barrier::new(8);
            std::thread::scope(|s| {
                for _ in 0..8 {
                    s.spawn(|| {
                        barrier.wait();
                        assert_eq!(slow(3), 30);
                    });
                }
            });
            assert_eq!(SLOW.load(SeqCst), 1);
            let c = cache(&path("slow"));
            assert_eq!((c.loads, c.coalesced, c.hits, c.misses), (1, 7, 0, 8), "{c:?}");
            assert!(c.load_p50_ns >= 50_000_000, "{c:?}");
        }

        static PANICKY: AtomicUsize = AtomicUsize::new(0);

        #[cached(ttl = "60s", engine = $engine)]
        fn panicky(fail: bool) -> u32 {
            let n = PANICKY.fetch_add(1, SeqCst);
            std::thread::sleep(Duration::from_millis(30));
            assert!(!(fail && n == 0), "first load panics");
            7
        }

        #[test]
        fn a_panicking_load_leaves_the_cache_usable_and_waiters_run_their_own_call() {
            let barrier = std::sync::Barrier::new(4);
            let results: Vec<bool> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..4)
                    .map(|_| {
                        s.spawn(|| {
                            barrier.wait();
                            std::panic::catch_unwind(|| panicky(true)).is_ok()
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            assert_eq!(results.iter().filter(|ok| !**ok).count(), 1, "only the first load panicked");
            assert_eq!(panicky(true), 7, "and the cache works afterwards");
            let runs = PANICKY.load(SeqCst);
            assert!((2..=4).contains(&runs), "{runs}: no caller hung, none got another's panic");
        }

        static USERS: AtomicUsize = AtomicUsize::new(0);

        #[cached(ttl = "60s", engine = $engine, name = $users)]
        pub fn user(id: u64) -> String {
            USERS.fetch_add(1, SeqCst);
            format!("user {id}")
        }

        #[test]
        fn invalidation_and_warming() {
            user(1);
            user(2);
            user_cache().invalidate(&1);
            user(1);
            assert_eq!(USERS.load(SeqCst), 3);
            user_cache().insert(9, "warmed".into());
            assert_eq!(user(9), "warmed");
            user_cache().invalidate_all();
            user(2);
            assert_eq!(USERS.load(SeqCst), 4);
            assert!(perf_runtime::cache::invalidate_all($users));
            user(2);
            assert_eq!(USERS.load(SeqCst), 5);
        }

        #[cached(ttl = "60s", engine = $engine, capacity = 10)]
        fn small(x: u32) -> u32 {
            x
        }

        #[test]
        fn capacity_is_respected_and_evictions_counted() {
            for x in 0..100 {
                small(x);
            }
            small_cache().run_pending_tasks();
            assert!(small_cache().entry_count() <= 10, "{}", small_cache().entry_count());
            let c = cache(&path("small"));
            assert!(c.evictions >= 90, "{c:?}");
        }

        struct Repo {
            prefix: String,
        }

        static REPO_LOADS: AtomicUsize = AtomicUsize::new(0);

        impl Repo {
            #[cached(ttl = "60s", engine = $engine, key = id)]
            fn get(&self, id: u32) -> String {
                REPO_LOADS.fetch_add(1, SeqCst);
                format!("{}{id}", self.prefix)
            }

            #[cached(ttl = "60s", engine = $engine, key = (self.prefix.len(), id), key_type = (usize, u32))]
            fn get_by_prefix_len(&self, id: u32) -> usize {
                self.prefix.len() + id as usize
            }
        }

        #[test]
        fn methods_key_on_what_they_say() {
            let repo = Repo { prefix: "u".into() };
            assert_eq!(repo.get(1), "u1");
            assert_eq!(Repo { prefix: "other".into() }.get(1), "u1", "keyed by id alone");
            assert_eq!(REPO_LOADS.load(SeqCst), 1);
            Repo::get_cache().invalidate(&1);
            assert_eq!(repo.get_by_prefix_len(2), 3);
            assert_eq!(Repo::get_by_prefix_len_cache().entry_count(), 1);
            assert!(Report::collect().cache(&path("Repo::get")).is_some());
        }

        static PROFILED: AtomicUsize = AtomicUsize::new(0);

        #[profile]
        #[cached(ttl = "60s", engine = $engine)]
        fn profiled_and_cached(x: u32) -> u32 {
            PROFILED.fetch_add(1, SeqCst);
            x
        }

        #[test]
        fn profile_over_cached_times_hits_and_misses_alike() {
            for _ in 0..5 {
                profiled_and_cached(1);
            }
            assert_eq!(PROFILED.load(SeqCst), 1);
            let report = Report::collect();
            assert_eq!(report.function(&path("profiled_and_cached")).unwrap().calls, 5);
        }

        static FLAKY: AtomicUsize = AtomicUsize::new(0);

        #[cached(ttl = "60s", engine = $engine)]
        #[retry(attempts = 3, backoff = none)]
        fn flaky(x: u32) -> Result<u32, String> {
            let n = FLAKY.fetch_add(1, SeqCst);
            if n.is_multiple_of(2) { Err(format!("attempt {n}")) } else { Ok(x) }
        }

        #[test]
        fn cached_over_retry_caches_the_final_ok() {
            assert_eq!(flaky(5), Ok(5));
            assert_eq!(FLAKY.load(SeqCst), 2, "one failed attempt, one Ok");
            assert_eq!(flaky(5), Ok(5));
            assert_eq!(FLAKY.load(SeqCst), 2, "the Ok was cached");
        }
    };
}

mod moka {
    suite!("moka", "users.by_id");
}

mod fast {
    suite!("fast", "fast.users.by_id");
}

static IDLE: AtomicUsize = AtomicUsize::new(0);

#[cached(ttl = "10s", tti = "60ms")]
fn idle(x: u32) -> u32 {
    IDLE.fetch_add(1, SeqCst);
    x
}

#[test]
fn tti_expires_idle_entries_only() {
    const TTI: Duration = Duration::from_millis(60);
    // Accessed every 25ms for 100ms: older than the tti, never idle that long, if each gap
    // (from before one call to after the next) measured under it.
    let key = first_judged_key(|&key| {
        let runs = IDLE.load(SeqCst);
        let mut before = Instant::now();
        idle(key);
        let mut longest = Duration::ZERO;
        for _ in 0..4 {
            std::thread::sleep(Duration::from_millis(25));
            let next = Instant::now();
            idle(key); // each access restarts the idle clock
            longest = longest.max(before.elapsed());
            before = next;
        }
        let never_idle = longest < TTI;
        if never_idle {
            assert_eq!(IDLE.load(SeqCst), runs + 1, "100ms old, never idle for 60ms");
        }
        never_idle
    });
    std::thread::sleep(TTI + Duration::from_millis(40));
    let runs = IDLE.load(SeqCst);
    idle(key);
    assert_eq!(IDLE.load(SeqCst), runs + 1);
}
