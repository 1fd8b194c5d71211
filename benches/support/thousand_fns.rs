//! 1,000 profiled fns, and resident memory: what memory per fn × thread is measured on (issue
//! #23). Shared by `benches/memory_scale.rs` and `tests/profile_memory_scale.rs` (`#[path]`).

use std::hint::black_box;

type Fns = &'static [fn(u64) -> u64];

macro_rules! ten {
    ($($f:ident)*) => {
        $(
            #[perf_runtime::profile]
            #[inline(never)]
            pub fn $f(x: u64) -> u64 {
                std::hint::black_box(x).wrapping_mul(31)
            }
        )*
        pub const ALL: super::Fns = &[$($f),*];
    };
}

macro_rules! hundred {
    ($($m:ident)*) => {
        $( pub mod $m { ten!(f0 f1 f2 f3 f4 f5 f6 f7 f8 f9); } )*
        pub const ALL: &[super::Fns] = &[$($m::ALL),*];
    };
}

macro_rules! thousand {
    ($($m:ident)*) => {
        $( pub mod $m { use super::Fns; hundred!(a b c d e f g h i j); } )*
        pub const ALL: &[&[Fns]] = &[$($m::ALL),*];
    };
}

pub mod thousand {
    use super::Fns;
    thousand!(a b c d e f g h i j);
}

/// Calls every one of the 1,000 fns `calls` times.
pub fn call_all(calls: u64) -> u64 {
    let mut sum = 0u64;
    for group in thousand::ALL {
        for fns in *group {
            for f in *fns {
                for i in 0..calls {
                    sum = sum.wrapping_add(f(i));
                }
            }
        }
    }
    sum
}

/// `call_all(calls)` on each of `threads` threads, all alive at once.
pub fn call_all_on(threads: usize, calls: u64) {
    let barrier = std::sync::Barrier::new(threads);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                barrier.wait();
                black_box(call_all(calls));
                // Held until every thread is done, so no shard is handed back and reused.
                barrier.wait();
            });
        }
    });
}

/// The same threads running the same loop over plain fns: what starting them costs, to take
/// away from [`call_all_on`]'s growth.
pub fn plain_on(threads: usize, calls: u64) {
    let barrier = std::sync::Barrier::new(threads);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                barrier.wait();
                let mut sum = 0u64;
                for i in 0..1_000 * calls {
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

/// Resident growth in bytes of `call_all_on(threads, calls)` after `plain_on` the same threads.
#[allow(dead_code)] // the test's, not the bench's
pub fn growth(threads: usize, calls: u64) -> Option<u64> {
    plain_on(threads, calls);
    let before = resident_bytes()?;
    call_all_on(threads, calls);
    Some(resident_bytes()?.saturating_sub(before))
}
