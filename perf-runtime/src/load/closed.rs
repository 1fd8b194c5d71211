//! The closed loop: `concurrency` workers, each calling again as soon as its call returns.
//! One clock read per request: a call's end is the next call's start.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use super::outcome::{LoadOutcome, call};
use super::run::Plan;
use super::shard::Shard;
use super::spec::Stop;

pub(crate) async fn run<F, Fut>(
    plan: &Plan,
    f: Arc<F>,
    concurrency: u32,
    shards: Arc<Vec<Box<Shard>>>,
) where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: LoadOutcome,
{
    let tickets = Arc::new((AtomicU64::new(0), AtomicU64::new(0)));
    let workers: Vec<_> = (0..concurrency)
        .map(|k| {
            let (f, shards, tickets, plan) = (f.clone(), shards.clone(), tickets.clone(), *plan);
            tokio::spawn(async move {
                let ramp = plan.ramp_ns as u128 * u128::from(k) / u128::from(concurrency);
                if ramp > 0 {
                    tokio::time::sleep_until(
                        (plan.start + Duration::from_nanos(ramp as u64)).into(),
                    )
                    .await;
                }
                let shard = &shards[k as usize % shards.len()];
                let owned = shards.len() == concurrency as usize;
                worker(&plan, &*f, (k, concurrency), (shard, owned), &tickets).await;
            })
        })
        .collect();
    for w in workers {
        // A worker never unwinds from the fn (`call` catches); nothing else in it panics.
        let _ = w.await;
    }
}

async fn worker<F, Fut>(
    plan: &Plan,
    f: &F,
    (k, concurrency): (u32, u32),
    (shard, owned): (&Shard, bool),
    tickets: &(AtomicU64, AtomicU64),
) where
    F: Fn(u64) -> Fut,
    Fut: Future,
    Fut::Output: LoadOutcome,
{
    let (seqs, counted_tickets) = tickets;
    let mut start = Instant::now();
    let mut n = 0u64;
    let mut last_done = None;
    loop {
        let counted = start >= plan.count_from;
        let seq = match plan.stop {
            Stop::Nanos(_) => {
                if start >= plan.end {
                    break;
                }
                u64::from(k) + n * u64::from(concurrency)
            }
            Stop::Requests(total) => {
                if counted && counted_tickets.fetch_add(1, Relaxed) >= total {
                    break;
                }
                seqs.fetch_add(1, Relaxed)
            }
        };
        let outcome = call(f, seq, plan.timeout).await;
        let done = Instant::now();
        if counted {
            let latency = (done - start).as_nanos() as u64;
            shard.record_closed(owned, outcome, latency);
            last_done = Some(done);
        }
        start = done;
        n += 1;
        // A fn that never waits would otherwise keep its thread from the other workers.
        tokio::task::coop::consume_budget().await;
    }
    if let Some(done) = last_done {
        shard.done_at((done - plan.count_from).as_nanos() as u64);
    }
}
