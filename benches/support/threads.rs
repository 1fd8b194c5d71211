//! Shared by the bench targets (each includes it with `#[path]`).

use std::hint::black_box;
use std::time::{Duration, Instant};

/// Time for `iters` calls of `f` on each of `threads` threads started together: the slowest
/// thread's, so the result is the per-call cost under that much contention.
pub fn per_thread_time(threads: u64, iters: u64, f: fn(u64) -> u64) -> Duration {
    let barrier = std::sync::Barrier::new(threads as usize);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    let start = Instant::now();
                    for _ in 0..iters {
                        black_box(f(black_box(7)));
                    }
                    start.elapsed()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).max().unwrap()
    })
}
