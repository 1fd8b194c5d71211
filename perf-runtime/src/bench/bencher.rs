use std::hint::black_box;
use std::time::{Duration, Instant};

/// Handed to a benchmark's body by the runner: runs the measured closure a given number of times
/// and times it.
#[derive(Debug)]
pub struct Bencher {
    iters: u64,
    elapsed: Duration,
    #[cfg(feature = "tokio")]
    runtime: Option<tokio::runtime::Runtime>,
}

impl Bencher {
    pub(crate) fn new() -> Self {
        Self {
            iters: 1,
            elapsed: Duration::ZERO,
            #[cfg(feature = "tokio")]
            runtime: None,
        }
    }

    pub(crate) fn run(&mut self, entry: fn(&mut Bencher), iters: u64) -> Duration {
        self.iters = iters;
        self.elapsed = Duration::ZERO;
        entry(self);
        self.elapsed
    }

    /// Times `iters` calls of `f`; the results go through `black_box` so none is optimized away.
    #[inline(never)]
    pub fn iter<R>(&mut self, mut f: impl FnMut() -> R) {
        let start = Instant::now();
        for _ in 0..self.iters {
            black_box(f());
        }
        self.elapsed = start.elapsed();
    }

    /// Times `iters` awaited calls of `f` on a current-thread tokio runtime the runner owns.
    #[cfg(feature = "tokio")]
    #[inline(never)]
    pub fn iter_async<F: std::future::Future>(&mut self, mut f: impl FnMut() -> F) {
        let runtime = self.runtime.get_or_insert_with(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("perf: cannot start the tokio runtime for async benchmarks")
        });
        let iters = self.iters;
        self.elapsed = runtime.block_on(async {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(f().await);
            }
            start.elapsed()
        });
    }
}
