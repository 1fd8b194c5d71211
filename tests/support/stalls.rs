//! How long this machine keeps a ready thread waiting, measured while a test runs: a bound on
//! the delays a call under test may suffer for reasons that are not the code under test (the
//! rest of the suite, or another build, on the same cores).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub struct Stalls {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Duration>,
}

impl Stalls {
    /// Starts a thread that sleeps 1ms at a time and keeps the longest it overslept.
    pub fn measure() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut longest = Duration::ZERO;
            while !flag.load(Relaxed) {
                let started = Instant::now();
                std::thread::sleep(Duration::from_millis(1));
                longest = longest.max(started.elapsed().saturating_sub(Duration::from_millis(1)));
            }
            longest
        });
        Self { stop, thread }
    }

    /// The longest stall seen since [`measure`](Self::measure).
    pub fn longest(self) -> Duration {
        self.stop.store(true, Relaxed);
        self.thread.join().unwrap()
    }
}
