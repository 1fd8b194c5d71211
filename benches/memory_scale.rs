//! Resident memory of 1,000 profiled fns called by 1, 4, 16 and 64 threads (issue #23), and
//! what a call costs meanwhile. Prints two tables: every thread with a shard of its own
//! (`PERF_THREAD_SHARDS=64`, what a machine with 16 cores or more sees up to 64 threads), and
//! this machine's default (4 shards per core per fn; threads past that share striped shards).
//!
//! `cargo bench -p perf-benches --bench memory_scale`

#[path = "support/thousand_fns.rs"]
mod thousand_fns;

use std::time::Instant;

use thousand_fns::{CALLS, call_all, call_all_on, plain_on, resident_bytes};

fn main() {
    if std::env::var_os("PERF_MEMORY_SCALE_RUN").is_some() {
        return table();
    }
    let me = std::env::current_exe().expect("the bench's own path");
    for (title, shards) in [("every thread its own shard", Some("64")), ("default cap", None)] {
        println!("\n1,000 profiled fns, {CALLS} calls per fn per thread: {title}");
        let mut run = std::process::Command::new(&me);
        run.env("PERF_MEMORY_SCALE_RUN", "1").env_remove("PERF_THREAD_SHARDS");
        if let Some(n) = shards {
            run.env("PERF_THREAD_SHARDS", n);
        }
        assert!(run.status().expect("the bench runs itself").success());
    }
}

fn table() {
    let Some(_) = resident_bytes() else {
        return println!("no /proc/self/status: resident memory cannot be read here");
    };
    // Thread stacks and allocator arenas for 64 threads, paid before measuring.
    plain_on(64);
    let start = resident_bytes().unwrap();
    // A shard, once made, is reused by the next thread, so growth since `start` after T
    // threads is what T threads cost.
    println!("{:>8} {:>16} {:>12} {:>14}", "threads", "resident growth", "per fn", "ns per call");
    for threads in [1, 4, 16, 64] {
        let began = Instant::now();
        call_all_on(threads);
        let ns = began.elapsed().as_nanos() as f64;
        let calls = (threads as u64 * 1_000 * CALLS) as f64;
        let parallel = threads.min(std::thread::available_parallelism().map_or(1, |n| n.get()));
        let growth = resident_bytes().unwrap().saturating_sub(start);
        println!(
            "{threads:>8} {:>12.1} MiB {:>8.1} KiB {:>14.1}",
            growth as f64 / (1 << 20) as f64,
            growth as f64 / 1_000.0 / 1024.0,
            ns * parallel as f64 / calls,
        );
    }
    // One thread again, its shards made: the steady per-call cost.
    let began = Instant::now();
    call_all();
    let ns = began.elapsed().as_nanos() as f64 / (1_000 * CALLS) as f64;
    println!("one thread, shards made: {ns:.1} ns per call (1,000 fns in turn)");
}
