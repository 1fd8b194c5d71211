//! `#[cached]` on `async fn`: one load for 200 concurrent tasks, and each waiter's own call
//! when the load fails. The suite runs once per engine (`mod moka`, `mod fast`).

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

use perf_runtime::{Report, cached};

/// The suite, for the engine `$engine`.
macro_rules! suite {
    ($engine:tt) => {
        use super::*;

        static LOADS: AtomicUsize = AtomicUsize::new(0);

        #[cached(ttl = "60s", engine = $engine)]
        async fn load(id: u32) -> String {
            LOADS.fetch_add(1, SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
            format!("item {id}")
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn two_hundred_tasks_on_one_cold_key_run_it_once() {
            let tasks: Vec<_> = (0..200).map(|_| tokio::spawn(load(7))).collect();
            for t in tasks {
                assert_eq!(t.await.unwrap(), "item 7");
            }
            assert_eq!(LOADS.load(SeqCst), 1);
            let report = Report::collect();
            let c = report.cache(&format!("{}::load", module_path!())).unwrap();
            assert_eq!((c.loads, c.hits + c.misses), (1, 200));
            assert_eq!(c.coalesced, c.misses - 1);
        }

        static FAILS: AtomicUsize = AtomicUsize::new(0);

        #[derive(Debug)]
        struct NotClone(usize);

        #[cached(ttl = "60s", engine = $engine)]
        async fn fails_first(id: u32) -> Result<u32, NotClone> {
            let n = FAILS.fetch_add(1, SeqCst);
            tokio::time::sleep(Duration::from_millis(30)).await;
            if n == 0 { Err(NotClone(n)) } else { Ok(id) }
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn when_the_load_fails_each_waiter_gets_its_own_outcome() {
            let tasks: Vec<_> = (0..20).map(|_| tokio::spawn(fails_first(1))).collect();
            let mut errs = 0;
            for t in tasks {
                match t.await.unwrap() {
                    Ok(v) => assert_eq!(v, 1),
                    Err(NotClone(n)) => {
                        assert_eq!(n, 0);
                        errs += 1;
                    }
                }
            }
            assert_eq!(errs, 1, "only the leader saw the error");
            let runs = FAILS.load(SeqCst);
            assert!(runs >= 2, "waiters ran their own calls: {runs}");
            assert_eq!(fails_first(1).await.unwrap(), 1);
            assert_eq!(FAILS.load(SeqCst), runs, "an Ok got cached");
        }

        static HANDLED: AtomicUsize = AtomicUsize::new(0);

        #[cached(ttl = "60s", engine = $engine)]
        async fn handled(key: u32, cache: u32, value: u32, result: u32) -> u32 {
            HANDLED.fetch_add(1, SeqCst);
            key + cache + value + result
        }

        #[tokio::test]
        async fn the_async_handle_and_argument_names_the_macro_might_have_taken() {
            assert_eq!(handled(1, 2, 3, 4).await, 10);
            assert_eq!(handled_cache().entry_count().await, 1);
            handled_cache().invalidate(&(1, 2, 3, 4)).await;
            assert_eq!(handled(1, 2, 3, 4).await, 10);
            assert_eq!(HANDLED.load(SeqCst), 2);
            handled_cache().insert((0, 0, 0, 0), 99).await;
            assert_eq!(handled(0, 0, 0, 0).await, 99);
            handled_cache().invalidate_all().await;
            assert_eq!(handled(0, 0, 0, 0).await, 0);
        }

        #[cached(ttl = "60s", engine = $engine)]
        async fn counted(id: u32) -> u32 {
            id * 2
        }

        #[cached(ttl = "60s", engine = $engine)]
        async fn counted_here(id: u32) -> u32 {
            id * 3
        }

        fn entries_of(name: &str) -> u64 {
            let report = Report::collect();
            report.cache(&format!("{}::{name}", module_path!())).unwrap().entries
        }

        // The report counts an async cache's entries after moka's maintenance, as it does a sync
        // cache's: without it, moka::future's count stays at 0 until some later call runs it.
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn the_report_counts_what_an_async_cache_holds() {
            for id in 0..5 {
                counted(id).await;
            }
            counted(0).await; // a hit adds nothing
            assert_eq!(entries_of("counted"), 5);
            counted_cache().invalidate(&3).await;
            assert_eq!(entries_of("counted"), 4);
        }

        // Collected from inside a current-thread runtime, where no other thread runs tasks.
        #[tokio::test(flavor = "current_thread")]
        async fn the_count_holds_on_a_current_thread_runtime_too() {
            for id in 0..3 {
                counted_here(id).await;
            }
            assert_eq!(entries_of("counted_here"), 3);
        }
    };
}

mod moka {
    suite!("moka");
}

mod fast {
    suite!("fast");
}
