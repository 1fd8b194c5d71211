//! Shared by the bench targets (each includes it with `#[path]`).

use std::hint::black_box;
use std::time::{Duration, Instant};

/// Time for `iters` calls of `f` on each of `threads` threads started together: the slowest
/// thread's, so the result is the per-call cost under that much contention.
pub fn per_thread_time(threads: u64, iters: u64, f: fn(u64) -> u64) -> Duration {
    timed(threads, iters, f, |_| 7)
}

/// [`per_thread_time`] with a key of each thread's own: thread `t` calls `f(7 + t)`.
#[allow(dead_code)] // not every bench target that includes this file uses it
pub fn per_thread_time_keyed(threads: u64, iters: u64, f: fn(u64) -> u64) -> Duration {
    timed(threads, iters, f, |t| 7 + t)
}

fn timed(threads: u64, iters: u64, f: fn(u64) -> u64, key: fn(u64) -> u64) -> Duration {
    let barrier = std::sync::Barrier::new(threads as usize);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let barrier = &barrier;
                s.spawn(move || {
                    let key = key(t);
                    barrier.wait();
                    let start = Instant::now();
                    for _ in 0..iters {
                        black_box(f(black_box(key)));
                    }
                    start.elapsed()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).max().unwrap()
    })
}
