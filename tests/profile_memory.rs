//! Allocations and CPU time per call: the counting allocator installed as the global one, read
//! around each profiled call (each poll, for an `async fn`).

use std::hint::black_box;
use std::time::Duration;

use perf_runtime::alloc::Counting;
use perf_runtime::{FunctionReport, Report, profile};

#[path = "support/schema.rs"]
mod schema;

#[global_allocator]
static ALLOC: Counting<std::alloc::System> = Counting::new(std::alloc::System);

fn entry(name: &str) -> FunctionReport {
    let name = format!("{}::{name}", module_path!());
    let report = Report::collect();
    report.function(&name).cloned().unwrap_or_else(|| panic!("no entry {name} in {report:#?}"))
}

#[profile]
fn with_capacity() -> usize {
    let v: Vec<u64> = Vec::with_capacity(1000);
    black_box(v).capacity()
}

#[profile]
fn nothing(x: u64) -> u64 {
    black_box(x) * 2
}

#[profile]
fn parent() -> usize {
    let s = black_box(String::from("x")).len(); // one allocation of 1 byte
    s + with_capacity_nested()
}

#[profile]
fn with_capacity_nested() -> usize {
    Vec::<u64>::with_capacity(1000).capacity()
}

#[test]
fn exact_counts_per_call_and_nested_calls_count_in_their_parent() {
    for _ in 0..100 {
        with_capacity();
        nothing(3);
        parent();
    }
    let w = entry("with_capacity");
    assert_eq!((w.calls, w.alloc_count_mean, w.alloc_count_p99), (100, Some(1.0), Some(1)));
    assert_eq!(w.alloc_bytes_mean, Some(8000.0));
    // Percentiles come from a histogram with 3 significant digits: 8000 reads as 8000..=8003.
    assert!((8000..=8003).contains(&w.alloc_bytes_p99.unwrap()));
    assert_eq!((w.alloc_bytes_total, w.net_bytes_total), (Some(800_000), Some(0)));
    let n = entry("nothing");
    assert_eq!((n.alloc_count_mean, n.alloc_bytes_total), (Some(0.0), Some(0)));
    let p = entry("parent");
    assert_eq!((p.alloc_count_mean, p.alloc_bytes_mean), (Some(2.0), Some(8001.0)));
    assert!(Report::collect().alloc_counting);
}

#[profile]
async fn allocates_ten() -> usize {
    let mut kept = Vec::with_capacity(10); // 1
    for i in 0..9 {
        kept.push(Box::new(i)); // 9
        tokio::task::yield_now().await;
    }
    kept.len()
}

#[profile]
async fn allocates_none() -> u64 {
    let mut sum = 0;
    for i in 0..9 {
        sum += black_box(i);
        tokio::task::yield_now().await;
    }
    sum
}

#[test]
fn interleaved_tasks_on_one_thread_keep_their_own_counts() {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        // The scheduler grows its list of deferred wakers the first time a task yields, inside
        // that task's poll: let it happen to a task nobody profiles.
        tokio::spawn(tokio::task::yield_now()).await.unwrap();
        for _ in 0..50 {
            let a = tokio::spawn(allocates_ten());
            let b = tokio::spawn(allocates_none());
            let (a, b) = (a.await.unwrap(), b.await.unwrap());
            assert_eq!((a, b), (9, 36));
        }
    });
    let (a, b) = (entry("allocates_ten"), entry("allocates_none"));
    assert_eq!((a.calls, b.calls), (50, 50));
    assert_eq!((a.alloc_count_mean, a.alloc_count_p99), (Some(10.0), Some(10)));
    assert_eq!((b.alloc_count_mean, b.alloc_count_p99), (Some(0.0), Some(0)));
}

#[profile]
fn spawns_a_thread(allocations: usize) -> usize {
    std::thread::spawn(move || {
        for i in 0..allocations {
            black_box(Box::new(i));
        }
        allocations
    })
    .join()
    .unwrap()
}

#[test]
fn a_thread_spawned_inside_a_call_is_not_counted_against_it() {
    for _ in 0..5 {
        assert_eq!(spawns_a_thread(10_000), 10_000);
    }
    let f = entry("spawns_a_thread");
    // Spawning itself allocates a few blocks in the caller; the 10,000 boxes are the thread's.
    let p99 = f.alloc_count_p99.unwrap();
    assert!(p99 < 100, "{p99} allocations counted against the caller");
}

/// This thread's CPU time, read independently of perf-runtime.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: a valid out-pointer and a clock id the platform defines.
    assert_eq!(unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) }, 0);
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Burns 5ms of this thread's CPU time, however long that takes on a busy machine.
#[profile(cpu = true)]
fn spins_5ms() {
    let start = thread_cpu();
    while thread_cpu() - start < Duration::from_millis(5) {
        black_box(0);
    }
}

#[profile(cpu = true)]
fn sleeps_5ms() {
    std::thread::sleep(Duration::from_millis(5));
}

#[test]
fn cpu_time_per_call() {
    for _ in 0..20 {
        spins_5ms();
        sleeps_5ms();
    }
    let (spin, sleep) = (entry("spins_5ms"), entry("sleeps_5ms"));
    let p50 = spin.cpu_p50_ns.unwrap() as f64 / 1e6;
    assert!((4.0..=6.0).contains(&p50), "spinning 5ms of CPU recorded {p50}ms");
    assert!(spin.cpu_total_ns.unwrap() <= spin.total_ns + 1_000_000);
    let slept = sleep.cpu_p50_ns.unwrap() as f64 / 1e6;
    assert!(slept < 1.0, "sleeping recorded {slept}ms of CPU");
    assert!(sleep.cpu_share.unwrap() < 0.2);
    assert!(spin.alloc_count_mean.is_some());
}

#[profile(cpu = true)]
fn allocates_and_burns() -> usize {
    black_box(vec![1u8; 100]).len()
}

#[test]
fn alloc_and_cpu_fields_validate_against_the_schema_and_read_back() {
    allocates_and_burns();
    let report = Report::collect();
    let json = serde_json::from_str::<serde_json::Value>(&report.to_json()).unwrap();
    schema::assert_valid(&json);
    let back: Report = serde_json::from_value(json).unwrap();
    assert_eq!(back, report);
    assert!(back.process.peak_rss_bytes.unwrap() > 0);
    assert!(back.process.threads.unwrap() >= 1);
}

#[profile(name = "memory.exported", cpu = true)]
fn exported() -> usize {
    black_box(vec![0u8; 64]).len()
}

#[test]
fn allocations_and_cpu_reach_prometheus() {
    exported();
    let text = perf_runtime::export::prometheus();
    for family in ["perf_allocations_total", "perf_allocated_bytes_total", "perf_cpu_seconds_total"]
    {
        assert!(text.contains(&format!("# TYPE {family} counter")), "{family}");
    }
    assert!(text.contains("perf_allocations_total{fn=\"memory.exported\"} 1\n"), "{text}");
    assert!(text.contains("perf_allocated_bytes_total{fn=\"memory.exported\"} 64\n"));
    let from_report = Report::collect().to_prometheus();
    assert!(from_report.contains("perf_allocated_bytes_total{fn=\"memory.exported\"} 64\n"));
}
