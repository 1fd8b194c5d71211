//! 1,000 profiled fns, and resident memory: what memory per fn × thread is measured on (issue
//! #23). Shared by `benches/memory_scale.rs` and `tests/profile_memory_scale.rs` (`#[path]`).

use std::hint::black_box;

#[macro_use]
#[path = "tens.rs"]
mod tens;

/// Calls per fn per thread.
pub const CALLS: u64 = 100;

macro_rules! leaf {
    () => {
        #[perf_runtime::profile]
        #[inline(never)]
        pub fn f(x: u64) -> u64 {
            std::hint::black_box(x).wrapping_mul(31)
        }

        pub fn call_all() {
            for i in 0..crate::thousand_fns::CALLS {
                std::hint::black_box(f(i));
            }
        }
    };
}

macro_rules! hundred {
    () => {
        tens!(leaf);
    };
}

macro_rules! thousand {
    () => {
        tens!(hundred);
    };
}

pub mod thousand {
    tens!(thousand);
}

/// Calls every one of the 1,000 fns [`CALLS`] times.
pub fn call_all() {
    thousand::call_all();
}

/// [`call_all`] on each of `threads` threads, all alive at once.
pub fn call_all_on(threads: usize) {
    let barrier = std::sync::Barrier::new(threads);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                barrier.wait();
                call_all();
                // Held until every thread is done, so no shard is handed back and reused.
                barrier.wait();
            });
        }
    });
}

/// The same threads running the same loop over plain fns, each allocating once as any real
/// thread does (so that the allocator's per-thread arenas exist): what starting them costs, to
/// take away from [`call_all_on`]'s growth.
pub fn plain_on(threads: usize) {
    let barrier = std::sync::Barrier::new(threads);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                barrier.wait();
                black_box(Vec::<u8>::with_capacity(4096));
                let mut sum = 0u64;
                for i in 0..1_000 * CALLS {
                    sum = sum.wrapping_add(black_box(i).wrapping_mul(31));
                }
                black_box(sum);
                barrier.wait();
            });
        }
    });
}

/// Resident memory of this process in bytes (`VmRSS`); `None` where there is no `/proc`.
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Resident growth in bytes of `call_all_on(threads)` after `plain_on` the same threads.
#[allow(dead_code)] // the test's, not the bench's
pub fn growth(threads: usize) -> Option<u64> {
    plain_on(threads);
    let before = resident_bytes()?;
    call_all_on(threads);
    Some(resident_bytes()?.saturating_sub(before))
}
