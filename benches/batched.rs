//! `#[batched]` against the two ways Rust code batches today: a hand-written batcher (an mpsc
//! channel and a timer task that gathers up to `max_batch` keys or `window`, then answers each
//! caller on a oneshot) and the `dataloader` crate's `non_cached::Loader`. Each serves 100,000
//! single-key calls from 64 tasks on a 2-worker tokio runtime, with `max_batch = 64` and a 2 ms
//! window, and a batch fn that returns at once (a `HashMap` of the keys), so what is measured
//! is the gathering. `batch_fn_direct` makes the same 100,000 keys into the same batches by
//! hand, with no gathering: the difference per call is the gathering's own cost.
//!
//! Memory per waiting key is measured by `benches/batched_memory.rs`.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use perf_runtime::batched;
use tokio::sync::{mpsc, oneshot};

const CALLS: u64 = 100_000;
const TASKS: u64 = 64;
const MAX_BATCH: usize = 64;
const WINDOW: Duration = Duration::from_millis(2);

fn work(keys: &[u64]) -> HashMap<u64, u64> {
    keys.iter().map(|&k| (k, black_box(k * 2))).collect()
}

#[batched(one = "ours", max_batch = 64, window = "2ms")]
async fn ours_many(keys: Vec<u64>) -> HashMap<u64, u64> {
    work(&keys)
}

type Request = (u64, oneshot::Sender<Option<u64>>);

/// The batcher people write by hand: one task owns the queue and runs one batch at a time.
#[derive(Clone)]
struct Hand(mpsc::UnboundedSender<Request>);

impl Hand {
    fn spawn() -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel::<Request>();
        tokio::spawn(async move {
            let mut batch: Vec<Request> = Vec::with_capacity(MAX_BATCH);
            while let Some(first) = rx.recv().await {
                batch.push(first);
                let window = tokio::time::sleep(WINDOW);
                tokio::pin!(window);
                while batch.len() < MAX_BATCH {
                    tokio::select! {
                        biased;
                        next = rx.recv() => match next {
                            Some(r) => batch.push(r),
                            None => break,
                        },
                        () = &mut window => break,
                    }
                }
                let keys: Vec<u64> = batch.iter().map(|(k, _)| *k).collect();
                let values = work(&keys);
                for (k, reply) in batch.drain(..) {
                    let _ = reply.send(values.get(&k).copied());
                }
            }
        });
        Self(tx)
    }

    async fn load(&self, key: u64) -> Option<u64> {
        let (tx, rx) = oneshot::channel();
        self.0.send((key, tx)).ok()?;
        rx.await.ok().flatten()
    }
}

struct Work;

impl dataloader::BatchFn<u64, u64> for Work {
    async fn load(&mut self, keys: &[u64]) -> HashMap<u64, u64> {
        work(keys)
    }
}

type Loader = dataloader::non_cached::Loader<u64, u64, Work>;

/// 64 tasks, each making its share of the 100,000 calls one after another.
async fn run<F, Fut>(load: F) -> Duration
where
    F: Fn(u64) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Option<u64>> + Send,
{
    let start = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let load = load.clone();
            tokio::spawn(async move {
                let mut k = t;
                while k < CALLS {
                    assert_eq!(load(k).await, Some(k * 2));
                    k += TASKS;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    start.elapsed()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

fn bench(c: &mut Criterion) {
    let rt = runtime();
    let mut g = c.benchmark_group("batched/100k_calls_64_tasks");
    g.sample_size(10).measurement_time(Duration::from_secs(8)).warm_up_time(Duration::from_secs(1));
    g.throughput(Throughput::Elements(CALLS));
    g.bench_function("batched", |b| {
        b.iter_custom(|iters| {
            (0..iters).map(|_| rt.block_on(run(|k| async move { ours(k).await.unwrap() }))).sum()
        })
    });
    g.bench_function("hand_written", |b| {
        let hand = rt.block_on(async { Hand::spawn() });
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    let hand = hand.clone();
                    rt.block_on(run(move |k| {
                        let hand = hand.clone();
                        async move { hand.load(k).await }
                    }))
                })
                .sum()
        })
    });
    g.bench_function("dataloader", |b| {
        let loader: Loader = Loader::new(Work).with_max_batch_size(MAX_BATCH);
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    let loader = loader.clone();
                    rt.block_on(run(move |k| {
                        let loader = loader.clone();
                        async move { Some(loader.load(k).await) }
                    }))
                })
                .sum()
        })
    });
    g.bench_function("batch_fn_direct", |b| {
        let keys: Vec<u64> = (0..CALLS).collect();
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    rt.block_on(async {
                        let start = Instant::now();
                        for chunk in keys.chunks(MAX_BATCH) {
                            black_box(ours_many(chunk.to_vec()).await);
                        }
                        start.elapsed()
                    })
                })
                .sum()
        })
    });
    g.finish();
    let report = perf_runtime::Report::collect();
    if let Some(b) = report.batcher(&format!("{}::ours_many", module_path!())) {
        eprintln!(
            "#[batched]: {} calls in {} batches, {:.1} keys per batch (max {}), key wait p50 {} ns p99 {} ns",
            b.calls,
            b.batch_calls,
            b.keys_per_batch_mean,
            b.keys_per_batch_max,
            b.key_wait_p50_ns,
            b.key_wait_p99_ns
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
