//! `<fn>_cache().warm(keys)`: real runs of the body counted; the concurrency bound measured by
//! counting bodies in flight, never by timing. The suite runs once per engine (`mod moka`,
//! `mod fast`); what does not depend on the engine is tested after it.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};

use perf_runtime::cache::WarmReport;
use perf_runtime::{CacheReport, Report, cached};

fn cache(name: &str) -> CacheReport {
    let report = Report::collect();
    report.cache(name).cloned().unwrap_or_else(|| panic!("no cache {name} in {:#?}", report.caches))
}

/// Bodies running now, and the most that ever ran at once, for one fn.
struct InFlight {
    now: AtomicUsize,
    max: AtomicUsize,
}

impl InFlight {
    const fn new() -> Self {
        Self { now: AtomicUsize::new(0), max: AtomicUsize::new(0) }
    }

    fn enter(&self) {
        let now = self.now.fetch_add(1, SeqCst) + 1;
        self.max.fetch_max(now, SeqCst);
    }

    fn leave(&self) {
        self.now.fetch_sub(1, SeqCst);
    }

    /// Whether `target` bodies have run at once; after `deadline` a body stops waiting, so that
    /// a broken bound fails the test instead of hanging it. Not a timing assumption: a correct
    /// `warm` reaches the target however slow the machine is.
    fn reached(&self, target: usize, deadline: Instant) -> bool {
        self.max.load(SeqCst) >= target || Instant::now() > deadline
    }
}

/// Far beyond any stall, only against a hang.
const HANG: Duration = Duration::from_secs(120);

/// The suite, for the engine `$engine`.
macro_rules! suite {
    ($engine:tt) => {
        use super::*;

        fn path(name: &str) -> String {
            format!("{}::{name}", module_path!())
        }

        static SQUARES: AtomicUsize = AtomicUsize::new(0);

        #[cached(ttl = "60s", engine = $engine)]
        fn square(x: u32) -> u64 {
            SQUARES.fetch_add(1, SeqCst);
            assert_ne!(x, 500, "key 500 panics");
            u64::from(x) * u64::from(x)
        }

        #[test]
        fn warming_1000_keys_with_one_panicking_loads_999_and_fails_1() {
            let report = square_cache().warm(0..1000);
            assert_eq!(report, WarmReport { loaded: 999, already_present: 0, failed: 1 });
            assert_eq!(SQUARES.load(SeqCst), 1000);
            assert_eq!(square(7), 49);
            assert_eq!(SQUARES.load(SeqCst), 1000, "a warmed key is a hit");

            // Present keys are skipped; the panicking key runs again.
            let again = square_cache().warm(0..1000);
            assert_eq!(again, WarmReport { loaded: 0, already_present: 999, failed: 1 });
            assert_eq!(SQUARES.load(SeqCst), 1001);

            let c = cache(&path("square"));
            assert_eq!((c.warmed, c.loads, c.hits, c.entries), (999, 999, 1, 999), "{c:?}");
        }

        #[cached(ttl = "60s", engine = $engine)]
        fn parse(text: &str) -> Result<u32, std::num::ParseIntError> {
            text.parse()
        }

        #[test]
        fn an_err_counts_failed_and_borrowed_args_are_passed_from_the_owned_key() {
            let report = parse_cache().warm(["1", "x", "2"].map(String::from));
            assert_eq!(report, WarmReport { loaded: 2, already_present: 0, failed: 1 });
            let report = parse_cache().warm(["1", "3"].map(String::from));
            assert_eq!(report, WarmReport { loaded: 1, already_present: 1, failed: 0 });
            assert_eq!(parse_cache().entry_count(), 3);
            assert_eq!(cache(&path("parse")).warmed, 3);
        }

        static PAIRS: AtomicUsize = AtomicUsize::new(0);

        #[cached(ttl = "60s", engine = $engine, key = (name, id))]
        fn pair(id: u32, name: &str) -> String {
            PAIRS.fetch_add(1, SeqCst);
            format!("{name}{id}")
        }

        #[test]
        fn a_key_naming_every_argument_in_another_order_is_turned_back_into_a_call() {
            let report = pair_cache().warm([("a".to_owned(), 1), ("b".to_owned(), 2)]);
            assert_eq!(report, WarmReport { loaded: 2, already_present: 0, failed: 0 });
            assert_eq!((pair(1, "a"), pair(2, "b")), ("a1".to_owned(), "b2".to_owned()));
            assert_eq!(PAIRS.load(SeqCst), 2);
        }

        static GATED: InFlight = InFlight::new();

        #[cached(ttl = "60s", engine = $engine, warm_concurrency = 3)]
        fn gated(x: u32) -> u32 {
            GATED.enter();
            let deadline = Instant::now() + HANG;
            while !GATED.reached(3, deadline) {
                std::thread::sleep(Duration::from_millis(1));
            }
            GATED.leave();
            x
        }

        #[test]
        fn warm_concurrency_bounds_the_loads_at_once_and_is_reached() {
            let report = gated_cache().warm(0..30);
            assert_eq!(report, WarmReport { loaded: 30, already_present: 0, failed: 0 });
            assert_eq!(GATED.max.load(SeqCst), 3);
        }

        static CORES: InFlight = InFlight::new();

        fn cores() -> usize {
            std::thread::available_parallelism().unwrap().get()
        }

        #[cached(ttl = "60s", engine = $engine)]
        fn per_core(x: u32) -> u32 {
            CORES.enter();
            let deadline = Instant::now() + HANG;
            while !CORES.reached(cores(), deadline) {
                std::thread::sleep(Duration::from_millis(1));
            }
            CORES.leave();
            x
        }

        #[test]
        fn a_sync_fn_warms_one_key_per_core_by_default() {
            let keys = 0..u32::try_from(cores() * 4).unwrap();
            assert_eq!(per_core_cache().warm(keys).failed, 0);
            assert_eq!(CORES.max.load(SeqCst), cores());
        }

        static LATER: AtomicUsize = AtomicUsize::new(0);
        static LATER_GATE: InFlight = InFlight::new();

        /// At most 16 at once (the default), reached; key 7 panics, odd keys from 100 are `None`.
        #[cached(ttl = "60s", engine = $engine)]
        async fn later(x: u32) -> Option<u32> {
            LATER.fetch_add(1, SeqCst);
            LATER_GATE.enter();
            let deadline = Instant::now() + HANG;
            while !LATER_GATE.reached(16, deadline) {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            LATER_GATE.leave();
            assert_ne!(x, 7, "key 7 panics");
            (x < 100 || x % 2 == 0).then_some(x)
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn an_async_fn_warms_16_keys_at_once_by_default_and_counts_panics_and_none() {
            let report = later_cache().warm(0..200).await;
            assert_eq!(report, WarmReport { loaded: 149, already_present: 0, failed: 51 });
            assert_eq!(LATER.load(SeqCst), 200);
            assert_eq!(LATER_GATE.max.load(SeqCst), 16);
            assert_eq!(later(3).await, Some(3));
            assert_eq!(LATER.load(SeqCst), 200, "a warmed key is a hit");

            // On a multi-thread runtime's worker, in the background: `warm`'s future is `Send`.
            let again = tokio::spawn(later_cache().warm(0..200)).await.unwrap();
            assert_eq!(again, WarmReport { loaded: 0, already_present: 149, failed: 51 });
            assert_eq!(cache(&path("later")).warmed, 149);
        }

        static DUPLICATED: AtomicUsize = AtomicUsize::new(0);

        /// Slow enough that, were the copies of a key warmed apart, they would all miss.
        #[cached(ttl = "60s", engine = $engine, warm_concurrency = 4)]
        fn duplicated(x: u32) -> u32 {
            DUPLICATED.fetch_add(1, SeqCst);
            std::thread::sleep(Duration::from_millis(50));
            x
        }

        #[test]
        fn a_key_given_four_times_is_warmed_and_counted_once() {
            let report = duplicated_cache().warm(vec![9, 9, 9, 9]);
            assert_eq!(report, WarmReport { loaded: 1, already_present: 0, failed: 0 });
            assert_eq!(DUPLICATED.load(SeqCst), 1);
            assert_eq!(cache(&path("duplicated")).warmed, 1);
            // Present copies count once too.
            let again = duplicated_cache().warm([9, 1, 9, 1]);
            assert_eq!(again, WarmReport { loaded: 1, already_present: 1, failed: 0 });
            assert_eq!(DUPLICATED.load(SeqCst), 2);
        }

        static DUPLICATED_ASYNC: AtomicUsize = AtomicUsize::new(0);

        #[cached(ttl = "60s", engine = $engine)]
        async fn duplicated_async(x: u32) -> Option<u32> {
            DUPLICATED_ASYNC.fetch_add(1, SeqCst);
            tokio::task::yield_now().await;
            (x != 0).then_some(x)
        }

        #[tokio::test]
        async fn an_async_fn_warms_a_key_given_four_times_once() {
            // All four would start in the first poll and miss together.
            let report = duplicated_async_cache().warm(vec![9, 9, 9, 9]).await;
            assert_eq!(report, WarmReport { loaded: 1, already_present: 0, failed: 0 });
            assert_eq!(DUPLICATED_ASYNC.load(SeqCst), 1);
            let again = duplicated_async_cache().warm([0, 9, 0, 9]).await;
            assert_eq!(again, WarmReport { loaded: 0, already_present: 1, failed: 1 });
            assert_eq!(DUPLICATED_ASYNC.load(SeqCst), 2);
            assert_eq!(cache(&path("duplicated_async")).warmed, 1);
        }

        static BOUNDED: InFlight = InFlight::new();

        #[cached(ttl = "60s", engine = $engine, warm_concurrency = 2)]
        async fn bounded(x: u32) -> u32 {
            BOUNDED.enter();
            let deadline = Instant::now() + HANG;
            while !BOUNDED.reached(2, deadline) {
                tokio::task::yield_now().await;
            }
            BOUNDED.leave();
            x
        }

        #[tokio::test]
        async fn warm_concurrency_bounds_an_async_fn_too() {
            let report = bounded_cache().warm(0..20).await;
            assert_eq!(report, WarmReport { loaded: 20, already_present: 0, failed: 0 });
            assert_eq!(BOUNDED.max.load(SeqCst), 2);
        }
    };
}

mod moka {
    suite!("moka");
}

mod fast {
    suite!("fast");
}

struct Repo;

impl Repo {
    #[cached(ttl = "60s", key = id)]
    fn get(&self, id: u32) -> u32 {
        id
    }
}

#[cached(ttl = "60s", key = id % 10, key_type = u32)]
fn modded(id: u32) -> u32 {
    id % 10
}

#[cached(ttl = "60s", key = id)]
fn partial(id: u32, verbose: bool) -> u32 {
    if verbose { id } else { id + 1 }
}

#[test]
fn a_cache_that_cannot_call_its_fn_reports_present_keys_and_fails_the_others() {
    Repo.get(1);
    assert_eq!(
        Repo::get_cache().warm([1, 2]),
        WarmReport { loaded: 0, already_present: 1, failed: 1 }
    );
    modded(13);
    assert_eq!(
        modded_cache().warm([3, 4]),
        WarmReport { loaded: 0, already_present: 1, failed: 1 }
    );
    partial(5, true);
    assert_eq!(
        partial_cache().warm([5, 6]),
        WarmReport { loaded: 0, already_present: 1, failed: 1 }
    );
    assert_eq!(modded_cache().entry_count(), 1, "nothing was loaded");
}

#[cached(ttl = "60s")]
async fn local(x: u32) -> u32 {
    // Held across an await, so this fn's future is not `Send`.
    let rc = std::rc::Rc::new(x);
    tokio::task::yield_now().await;
    *rc
}

#[tokio::test(flavor = "current_thread")]
async fn an_async_fn_whose_future_is_not_send_still_compiles_and_fails_its_missing_keys() {
    assert_eq!(local(1).await, 1);
    assert_eq!(
        local_cache().warm([1, 2]).await,
        WarmReport { loaded: 0, already_present: 1, failed: 1 }
    );
}

#[cached(ttl = "60s")]
fn nothing() -> u32 {
    42
}

#[test]
fn a_fn_without_arguments_warms_its_one_key() {
    assert_eq!(nothing_cache().warm([()]), WarmReport { loaded: 1, already_present: 0, failed: 0 });
    assert_eq!(
        nothing_cache().warm([(), ()]),
        WarmReport { loaded: 0, already_present: 1, failed: 0 }
    );
}
