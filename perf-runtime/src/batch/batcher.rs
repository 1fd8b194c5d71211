//! The gathering: each one-key call joins the open batch; the batch's first caller leads it
//! (waits out the window, takes an in-flight slot, runs the batch call, hands out the values).
//!
//! No waiter can hang. A batch that has waiters always has a live leader: a leader dropped
//! while waiting hands the lead to the next live waiter, and one dropped during the batch call
//! (its future, with the batch call's, dropped) hands it over too, and the new leader runs the
//! call again. A panic in the batch call is caught and reaches every caller as an error. A
//! batch whose every caller is gone is forgotten. Callers hold the batch, not the batcher, so
//! memory is the open batches', whatever was cancelled.
//!
//! The leader is a caller, not a spawned task: the batch call may borrow what the caller
//! borrows (`&self` in a method), and no runtime handle is needed.

use std::future::{Future, poll_fn};
use std::hash::Hash;
use std::pin::pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::Poll;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::catch::CatchUnwind;
use super::config::BatchConfig;
use super::error::BatchError;
use super::one_batch::{Batch, Phase};
use super::output::BatchOutput;
use super::stats::{self, BatchStats, add};
use crate::record::lock;
use crate::record::site_name::SelfName;

/// The batcher of one `#[batched]` fn, in a `static` the macro writes.
pub struct Batcher<K, V, E> {
    config: BatchConfig,
    /// The batch new keys join; `None` between batches.
    open: Mutex<Option<Arc<Batch<K, V, E>>>>,
    /// `max_in_flight`'s permits.
    slots: Semaphore,
    stats: OnceLock<&'static BatchStats>,
}

impl<K, V, E> std::fmt::Debug for Batcher<K, V, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batcher").field("config", &self.config).finish_non_exhaustive()
    }
}

enum Wake<V, E> {
    Done(Result<Option<V>, BatchError<E>>),
    Lead,
}

impl<K, V, E> Batcher<K, V, E> {
    /// Built by the macro in a `static`.
    pub const fn new(config: BatchConfig) -> Self {
        Self {
            config,
            open: Mutex::new(None),
            slots: Semaphore::const_new(config.max_in_flight as usize),
            stats: OnceLock::new(),
        }
    }

    fn stats(&self, self_name: SelfName) -> &'static BatchStats {
        self.stats.get_or_init(|| stats::stats_for(&self.config.name(self_name), self.config))
    }
}

impl<K, V, E> Batcher<K, V, E>
where
    K: Hash + Eq + Clone,
    V: Clone,
{
    /// The value of `key`: gathered with the keys of concurrent calls into one `call`.
    /// `call` runs only if this caller ends up leading its batch.
    pub async fn load<F, Fut>(
        &'static self,
        self_name: SelfName,
        key: K,
        call: F,
    ) -> Result<Option<V>, BatchError<E>>
    where
        F: FnOnce(Vec<K>) -> Fut,
        Fut: Future,
        Fut::Output: BatchOutput<K, V, E>,
    {
        let stats = self.stats(self_name);
        let (batch, me) = self.join(stats, key);
        let mut member = Member { batcher: self, stats, batch: &batch, me, done: false };
        let woken = poll_fn(|cx| {
            let mut st = lock(&batch.state);
            if let Some(r) = st.result_for(me) {
                return Poll::Ready(Wake::Done(r));
            }
            if st.leader == Some(me) {
                return Poll::Ready(Wake::Lead);
            }
            st.set_waker(me, cx.waker());
            Poll::Pending
        })
        .await;
        let r = match woken {
            Wake::Done(r) => r,
            Wake::Lead => self.lead(stats, &batch, me, call).await,
        };
        member.done = true;
        r
    }

    fn join(&self, stats: &BatchStats, key: K) -> (Arc<Batch<K, V, E>>, usize) {
        let now = Instant::now();
        let mut open = lock(&self.open);
        add(&stats.calls, 1);
        // Sized for a full batch (bounded, as `max_batch` may be huge): no rehash while the
        // lock is held.
        let room = (self.config.max_batch as usize).min(1024);
        let batch = open.get_or_insert_with(|| Arc::new(Batch::new(now, room))).clone();
        let mut st = lock(&batch.state);
        let position = match st.index.get(&key) {
            Some(&p) => {
                add(&stats.deduplicated, 1);
                p
            }
            None => {
                let p = st.keys.len();
                st.index.insert(key.clone(), p);
                st.keys.push(key);
                p
            }
        };
        let me = st.waiters.len();
        st.waiters.push(super::one_batch::Waiter {
            position,
            joined: now,
            waker: None,
            live: true,
        });
        let leader = *st.leader.get_or_insert(me);
        if st.index.len() >= self.config.max_batch as usize {
            st.phase = Phase::Full;
            *open = None;
            if let Some(w) = st.waiters[leader].waker.take() {
                w.wake();
            }
        }
        drop(st);
        (batch, me)
    }

    async fn lead<F, Fut>(
        &self,
        stats: &BatchStats,
        batch: &Batch<K, V, E>,
        me: usize,
        call: F,
    ) -> Result<Option<V>, BatchError<E>>
    where
        F: FnOnce(Vec<K>) -> Fut,
        Fut: Future,
        Fut::Output: BatchOutput<K, V, E>,
    {
        let mut window = pin!(tokio::time::sleep_until(
            batch.opened + Duration::from_nanos(self.config.window_ns)
        ));
        poll_fn(|cx| {
            let mut st = lock(&batch.state);
            if !matches!(st.phase, Phase::Open) || window.as_mut().poll(cx).is_ready() {
                return Poll::Ready(());
            }
            st.set_waker(me, cx.waker());
            Poll::Pending
        })
        .await;
        let _slot = match self.config.max_in_flight {
            0 => None,
            _ => Some(self.slots.acquire().await.expect("the semaphore is never closed")),
        };
        let keys = self.seal(stats, batch);
        let len = keys.len();
        let started = Instant::now();
        let output = CatchUnwind::new(async move { call(keys).await }).await;
        let elapsed = started.elapsed();
        let mut st = lock(&batch.state);
        let result = match output {
            Ok(output) => output.into_values(len, |k| st.index.get(k).copied()).map_err(|e| {
                add(&stats.errors, 1);
                BatchError::Failed(Arc::new(e))
            }),
            Err(message) => {
                add(&stats.panics, 1);
                Err(BatchError::Panicked(message.into()))
            }
        };
        stats.batch_ns.record_shared(nanos(elapsed));
        st.phase = Phase::Done(result);
        st.leader = None;
        let wakers: Vec<_> = st.waiters.iter_mut().filter_map(|w| w.waker.take()).collect();
        let mine = st.result_for(me).expect("the batch is done");
        drop(st);
        wakers.into_iter().for_each(|w| w.wake());
        mine
    }

    /// Closes the batch to new keys and takes them for the batch call; for a batch whose
    /// call was dropped with its leader, the same keys again.
    fn seal(&self, stats: &BatchStats, batch: &Batch<K, V, E>) -> Vec<K> {
        let mut open = lock(&self.open);
        if open.as_deref().is_some_and(|b| std::ptr::eq(b, batch)) {
            *open = None;
        }
        let mut st = lock(&batch.state);
        drop(open);
        if let Phase::Sealed = st.phase {
            add(&stats.rerun, 1);
            let mut keys: Vec<Option<K>> = (0..st.index.len()).map(|_| None).collect();
            for (k, &p) in &st.index {
                keys[p] = Some(k.clone());
            }
            return keys.into_iter().flatten().collect();
        }
        st.phase = Phase::Sealed;
        let now = Instant::now();
        add(&stats.batch_calls, 1);
        add(&stats.keys, st.index.len() as u64);
        stats.keys_per_batch.record_shared(st.index.len() as u64);
        for w in &st.waiters {
            stats.key_wait_ns.record_shared(nanos(now - w.joined));
        }
        std::mem::take(&mut st.keys)
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// A caller's place in its batch; dropped before the caller has its value, it leaves.
struct Member<'a, K, V, E> {
    batcher: &'a Batcher<K, V, E>,
    stats: &'a BatchStats,
    batch: &'a Arc<Batch<K, V, E>>,
    me: usize,
    done: bool,
}

impl<K, V, E> Drop for Member<'_, K, V, E> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        add(&self.stats.cancelled, 1);
        let mut open = lock(&self.batcher.open);
        let mut st = lock(&self.batch.state);
        let me = self.me;
        st.waiters[me].live = false;
        st.waiters[me].waker = None;
        if matches!(st.phase, Phase::Done(_)) || st.leader != Some(me) {
            return;
        }
        match st.next_live(me) {
            Some(next) => {
                st.leader = Some(next);
                if let Some(w) = st.waiters[next].waker.take() {
                    w.wake();
                }
            }
            None => {
                st.leader = None;
                if open.as_ref().is_some_and(|b| Arc::ptr_eq(b, self.batch)) {
                    *open = None;
                }
            }
        }
    }
}
