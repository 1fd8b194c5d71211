//! Memory per entry of a full `#[cached]` cache, `u64 → u64`, 1M entries, fast engine against
//! moka: the bytes still allocated after the fill (a counting allocator, on the only thread that
//! touches the cache), and the growth of the resident set. Each engine fills in a process of its
//! own (this binary again), so that neither inherits the other's freed pages.
//!
//! `cargo bench -p perf-benches --bench cache_memory`

use std::alloc::System;
use std::process::Command;

use perf_runtime::alloc::{Counting, thread_counts};
use perf_runtime::cached;

#[global_allocator]
static ALLOC: Counting<System> = Counting::new(System);

const ENTRIES: u64 = 1_000_000;

#[cached(ttl = "1h", capacity = 1_000_000, engine = "fast")]
fn fast(x: u64) -> u64 {
    x
}

#[cached(ttl = "1h", capacity = 1_000_000)]
fn moka(x: u64) -> u64 {
    x
}

/// Resident set size in bytes, from `/proc/self/statm`.
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    pages * 4096
}

fn live() -> i64 {
    let c = thread_counts();
    c.allocated as i64 - c.freed as i64
}

fn fill(engine: &str) {
    let f: fn(u64) -> u64 = if engine == "fast" { fast } else { moka };
    // The cache itself is built by the first call: measured from before it.
    let (live_before, rss_before) = (live(), rss());
    for x in 0..ENTRIES {
        f(x);
    }
    let entries =
        if engine == "fast" { fast_cache().entry_count() } else { moka_cache().entry_count() };
    let (bytes, resident) = (live() - live_before, rss() as i64 - rss_before as i64);
    println!(
        "{engine:>5}: {entries} entries, {:.1} bytes/entry allocated, {:.1} bytes/entry resident",
        bytes as f64 / entries as f64,
        resident as f64 / entries as f64,
    );
}

fn main() {
    if let Ok(engine) = std::env::var("PERF_CACHE_MEMORY_ENGINE") {
        return fill(&engine);
    }
    for engine in ["fast", "moka"] {
        let status = Command::new(std::env::current_exe().unwrap())
            .env("PERF_CACHE_MEMORY_ENGINE", engine)
            .status()
            .unwrap();
        assert!(status.success());
    }
}
