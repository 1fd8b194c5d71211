//! Warm up, calibrate, subtract the loop's own cost, sample.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::bencher::Bencher;
use super::entry::BenchEntry;

/// How long to warm up and measure, and how many samples to take.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    pub(crate) warmup: Duration,
    pub(crate) time: Duration,
    pub(crate) samples: u32,
}

impl Settings {
    /// About 2.5s a benchmark: a third of criterion's default (3s warm-up, 5s measuring).
    pub(crate) const DEFAULT: Self =
        Self { warmup: Duration::from_millis(500), time: Duration::from_secs(2), samples: 50 };
    /// `--quick`: a smoke test, not a measurement to publish.
    pub(crate) const QUICK: Self =
        Self { warmup: Duration::from_millis(50), time: Duration::from_millis(200), samples: 20 };

    pub(crate) fn for_entry(self, e: &BenchEntry) -> Self {
        let pick =
            |ns: u64, default: Duration| if ns == 0 { default } else { Duration::from_nanos(ns) };
        Self {
            warmup: pick(e.warmup_ns, self.warmup),
            time: pick(e.time_ns, self.time),
            samples: if e.samples == 0 { self.samples } else { e.samples },
        }
    }
}

pub(crate) struct Measured {
    /// Time of one iteration in each sample, ns, the harness's own cost taken out.
    pub(crate) samples: Vec<f64>,
    pub(crate) iters_per_sample: u64,
}

/// Nanoseconds the sampling loop itself costs per iteration, on the entry's empty body: the
/// fastest of five batches, after one to warm up.
fn loop_overhead_ns(empty: fn(&mut Bencher)) -> f64 {
    let mut b = Bencher::new();
    b.run(empty, 1_000_000);
    (0..5).map(|_| b.run(empty, 1_000_000).as_nanos() as f64 / 1e6).fold(f64::INFINITY, f64::min)
}

/// Nanoseconds of one `Instant::now()` pair, the clock's own cost in each sample: the fastest
/// of a few batches, as for the loop, since a batch the machine stalled would make the runner
/// take out more than the clock costs.
fn clock_overhead_ns() -> f64 {
    static OVERHEAD: OnceLock<f64> = OnceLock::new();
    *OVERHEAD.get_or_init(|| {
        (0..5)
            .map(|_| {
                let start = Instant::now();
                for _ in 0..20_000 {
                    std::hint::black_box(Instant::now().elapsed());
                }
                start.elapsed().as_nanos() as f64 / 20_000.0
            })
            .fold(f64::INFINITY, f64::min)
    })
}

pub(crate) fn measure(
    entry: &BenchEntry,
    settings: Settings,
    progress: &mut dyn FnMut(&str),
) -> Measured {
    let mut b = Bencher::new();
    progress("warming up");
    // Grow the batch until the warm-up time is spent; the last batch estimates one iteration.
    let started = Instant::now();
    let mut iters = 1u64;
    let mut per_iter_ns;
    loop {
        let t = b.run(entry.run, iters);
        per_iter_ns = t.as_nanos() as f64 / iters as f64;
        if started.elapsed() >= settings.warmup {
            break;
        }
        if t < settings.warmup / 20 {
            iters = iters.saturating_mul(2);
        }
    }
    // Each sample lasts `time / samples`, far above the clock's resolution.
    let iters = if entry.iterations > 0 {
        entry.iterations
    } else {
        let sample_ns = settings.time.as_nanos() as f64 / f64::from(settings.samples);
        (sample_ns / per_iter_ns.max(0.01)).clamp(1.0, 1e12) as u64
    };
    let (loop_ns, clock_ns) = (loop_overhead_ns(entry.empty), clock_overhead_ns());
    let mut samples = Vec::with_capacity(settings.samples as usize);
    for i in 0..settings.samples {
        if i % 10 == 0 {
            progress(&format!("sample {i}/{} of {iters} iterations", settings.samples));
        }
        let t = b.run(entry.run, iters).as_nanos() as f64;
        samples.push(((t - clock_ns) / iters as f64 - loop_ns).max(0.0));
    }
    Measured { samples, iters_per_sample: iters }
}
