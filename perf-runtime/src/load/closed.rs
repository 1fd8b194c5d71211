//! The closed loop: `concurrency` workers, each calling again as soon as its call returns.
//! One clock read per request: a call's end is the next call's start.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use super::outcome::{LoadOutcome, call};
use super::run::Plan;
use super::shard::{ByThread, Shard};
use super::spec::Stop;
use crate::record::clock;

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
    let by_thread = Arc::new(ByThread::new(&shards));
    let workers: Vec<_> = (0..concurrency)
        .map(|k| {
            let (f, shards, tickets, plan) = (f.clone(), shards.clone(), tickets.clone(), *plan);
            let by_thread = by_thread.clone();
            tokio::spawn(async move {
                let ramp = plan.ramp_ns as u128 * u128::from(k) / u128::from(concurrency);
                if ramp > 0 {
                    tokio::time::sleep_until(
                        (plan.start + Duration::from_nanos(ramp as u64)).into(),
                    )
                    .await;
                }
                worker(&plan, &*f, (k, concurrency), (&shards, &by_thread), &tickets).await;
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
    (shards, by_thread): (&[Box<Shard>], &ByThread),
    tickets: &(AtomicU64, AtomicU64),
) where
    F: Fn(u64) -> Fut,
    Fut: Future,
    Fut::Output: LoadOutcome,
{
    let (seqs, counted_tickets) = tickets;
    // Raw clock ticks (the TSC where invariant): a fraction of `Instant::now()`'s cost, which
    // is most of a fast fn's overhead. Times are ns from the plan's start.
    let ns = |d: Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
    let (count_from_ns, end_ns) = (ns(plan.count_from - plan.start), ns(plan.end - plan.start));
    let base = clock::ticks();
    let base_ns = ns(Instant::now().saturating_duration_since(plan.start));
    let mut start = base;
    let mut n = 0u64;
    let mut last_done_ns = None;
    loop {
        let start_ns = base_ns + clock::nanos_between(base, start);
        let counted = start_ns >= count_from_ns;
        let seq = match plan.stop {
            Stop::Nanos(_) => {
                if start_ns >= end_ns {
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
        let done = clock::ticks();
        if counted {
            by_thread.record(shards, outcome, clock::nanos_between(start, done));
            last_done_ns = Some(base_ns + clock::nanos_between(base, done));
        }
        start = done;
        n += 1;
        // A fn that never waits would otherwise keep its thread from the other workers.
        tokio::task::coop::consume_budget().await;
    }
    if let Some(done_ns) = last_done_ns {
        shards[0].done_at(done_ns - count_from_ns);
    }
}
