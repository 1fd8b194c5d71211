//! The open loop: a timetable thread starts request `i` at its due time, whatever the
//! latency of the ones before it; each request's latency counts from its due time.
//!
//! The timetable runs on a blocking-pool thread with `std::thread::sleep` (tens of µs late on
//! Linux) rather than as a task on tokio's 1ms timer wheel, which would start requests half
//! a millisecond late on average. Requests run as tasks on the runtime. When `max_in_flight`
//! are outstanding, the timetable waits for one to finish: the next request starts late, is
//! counted in `late_starts`, and its lateness is in its latency, so nothing is hidden.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use super::outcome::{LoadOutcome, call};
use super::run::Plan;
use super::shard::Shard;
use super::spec::Stop;
use super::timetable::Timetable;

/// Runs the load; returns the late starts.
pub(crate) async fn run<F, Fut>(
    plan: &Plan,
    f: Arc<F>,
    rate: u64,
    max_in_flight: u32,
    shards: Arc<Vec<Box<Shard>>>,
) -> u64
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: LoadOutcome,
{
    let slots = Arc::new(Semaphore::new(max_in_flight as usize));
    let handle = tokio::runtime::Handle::current();
    let plan_ = *plan;
    let late = tokio::task::spawn_blocking({
        let slots = slots.clone();
        move || timetable(&plan_, &f, rate, &slots, &shards, &handle)
    })
    .await
    .expect("perf load: the timetable thread does not panic");
    // Every request has finished when all the slots are free again.
    let _all = slots.acquire_many(max_in_flight).await;
    late
}

fn timetable<F, Fut>(
    plan: &Plan,
    f: &Arc<F>,
    rate: u64,
    slots: &Arc<Semaphore>,
    shards: &Arc<Vec<Box<Shard>>>,
    handle: &tokio::runtime::Handle,
) -> u64
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: LoadOutcome,
{
    let table = Timetable::new(rate, plan.ramp_ns);
    let warmup_ns = (plan.count_from - plan.start).as_nanos() as u64;
    let (mut counted_requests, mut late) = (0u64, 0u64);
    // Set by a wait for a slot, until the timetable is caught up again: the requests it
    // reaches past their due time meanwhile are late starts too, though slots are free by then.
    let mut behind = false;
    for i in 0u64.. {
        let due_ns = table.due_ns(i);
        let counted = due_ns >= warmup_ns;
        match plan.stop {
            Stop::Nanos(d) if due_ns >= warmup_ns + d => break,
            Stop::Requests(n) if counted && counted_requests >= n => break,
            _ => {}
        }
        let due = plan.start + Duration::from_nanos(due_ns);
        let now = Instant::now();
        if due > now {
            behind = false;
            std::thread::sleep(due - now);
        }
        let permit = match slots.clone().try_acquire_owned() {
            Ok(permit) => {
                late += u64::from(counted && behind);
                permit
            }
            Err(_) => {
                behind = true;
                late += u64::from(counted);
                handle
                    .block_on(slots.clone().acquire_owned())
                    .expect("the semaphore is never closed")
            }
        };
        let (f, shards, timeout, count_from) =
            (f.clone(), shards.clone(), plan.timeout, plan.count_from);
        handle.spawn(async move {
            let started = Instant::now();
            let outcome = call(&*f, i, timeout).await;
            let done = Instant::now();
            if counted {
                let ns = |d: Duration| d.as_nanos() as u64;
                shards[0].record_shared(
                    outcome,
                    ns(done - due),
                    ns(done - started),
                    ns(started.saturating_duration_since(due)),
                    ns(done - count_from),
                );
            }
            drop(permit);
        });
        counted_requests += u64::from(counted);
    }
    late
}
