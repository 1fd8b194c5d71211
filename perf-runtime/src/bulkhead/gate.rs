//! One bulkhead: a count of calls inside, a bound on it, and one queue of waiters shared by
//! sync callers (parked on the queue with a deadline) and async ones (a future on it).
//!
//! Admission is a compare-and-swap on `in_flight`; a release is one decrement and, only when
//! someone waits, one notification. The queue is `event-listener`'s: a waiter registers
//! before it checks the count again, so a release between the two is never missed, and a
//! waiter dropped (a cancelled future) leaves the queue, passing on any wake-up it was given.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::SeqCst};
use std::time::{Duration, Instant};

use event_listener::{Event, Listener};
use hdrhistogram::Histogram;

use super::Full;
use crate::record::baseline::{Baseline, Subtract};
use crate::record::histogram::{self, AtomicHistogram};

/// Where a fn's bulkhead was declared; report metadata.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Meta {
    pub(crate) file: &'static str,
    pub(crate) line: u32,
}

pub(crate) struct Gate {
    pub(crate) name: &'static str,
    pub(crate) max_concurrent: u32,
    pub(crate) max_wait: Duration,
    pub(crate) meta: Meta,
    in_flight: AtomicU32,
    waiters: AtomicU32,
    max_in_flight: AtomicU32,
    admitted: AtomicU64,
    waited: AtomicU64,
    rejected: AtomicU64,
    /// How long each call that had to wait waited before it got in.
    wait_ns: AtomicHistogram,
    queue: Event,
    baseline: Baseline<Totals>,
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gate").field("name", &self.name).finish_non_exhaustive()
    }
}

/// A call inside the bulkhead; dropping it (the call returned, unwound or was cancelled) lets
/// the next one in.
#[must_use = "the permit is released when dropped"]
#[derive(Debug)]
pub struct Permit {
    gate: &'static Gate,
}

impl Drop for Permit {
    #[inline]
    fn drop(&mut self) {
        self.gate.release();
    }
}

/// Takes `waiters` back on every way out of a wait, cancellation included.
struct Waiting(&'static Gate);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.waiters.fetch_sub(1, SeqCst);
    }
}

impl Gate {
    pub(crate) fn new(
        name: &'static str,
        max_concurrent: u32,
        max_wait: Duration,
        meta: Meta,
    ) -> Self {
        Self {
            name,
            max_concurrent: max_concurrent.max(1),
            max_wait,
            meta,
            in_flight: AtomicU32::new(0),
            waiters: AtomicU32::new(0),
            max_in_flight: AtomicU32::new(0),
            admitted: AtomicU64::new(0),
            waited: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            wait_ns: AtomicHistogram::new(),
            queue: Event::new(),
            baseline: Baseline::new(),
        }
    }

    pub(crate) fn in_flight(&self) -> u32 {
        self.in_flight.load(SeqCst)
    }

    /// Lets the call in if fewer than `max_concurrent` are inside.
    #[inline(always)]
    fn try_acquire(&'static self) -> Option<Permit> {
        let mut n = self.in_flight.load(SeqCst);
        loop {
            if n >= self.max_concurrent {
                return None;
            }
            match self.in_flight.compare_exchange_weak(n, n + 1, SeqCst, SeqCst) {
                Ok(_) => break,
                Err(now) => n = now,
            }
        }
        if n + 1 > self.max_in_flight.load(SeqCst) {
            self.max_in_flight.fetch_max(n + 1, SeqCst);
        }
        self.admitted.fetch_add(1, SeqCst);
        Some(Permit { gate: self })
    }

    #[inline(always)]
    fn release(&self) {
        self.in_flight.fetch_sub(1, SeqCst);
        // SeqCst on both sides: either this load sees the waiter, or the waiter's check of
        // `in_flight` (made after it registered) sees this release.
        if self.waiters.load(SeqCst) != 0 {
            self.queue.notify_additional(1);
        }
    }

    /// A sync call: in at once, or after waiting on the queue up to `max_wait`.
    #[inline]
    pub(crate) fn acquire(&'static self) -> Result<Permit, Full> {
        match self.try_acquire() {
            Some(permit) => Ok(permit),
            None => self.wait(),
        }
    }

    #[cold]
    #[inline(never)]
    fn wait(&'static self) -> Result<Permit, Full> {
        let start = Instant::now();
        if self.max_wait.is_zero() {
            return Err(self.reject(Duration::ZERO));
        }
        let deadline = start + self.max_wait;
        self.waiters.fetch_add(1, SeqCst);
        let _waiting = Waiting(self);
        loop {
            let listener = self.queue.listen();
            if let Some(permit) = self.try_acquire() {
                return Ok(self.waited(permit, start.elapsed()));
            }
            if listener.wait_deadline(deadline).is_none() {
                return match self.try_acquire() {
                    Some(permit) => Ok(self.waited(permit, start.elapsed())),
                    None => Err(self.reject(start.elapsed())),
                };
            }
        }
    }

    /// An async call: in at once, or after waiting on the queue up to `max_wait` of tokio's
    /// clock, without holding a thread.
    #[cfg(feature = "tokio")]
    #[inline]
    pub(crate) async fn acquire_async(&'static self) -> Result<Permit, Full> {
        match self.try_acquire() {
            Some(permit) => Ok(permit),
            // Boxed: the wait's state (a timer) would otherwise grow every call's future.
            None => Box::pin(self.wait_async()).await,
        }
    }

    #[cfg(feature = "tokio")]
    async fn wait_async(&'static self) -> Result<Permit, Full> {
        let start = tokio::time::Instant::now();
        if self.max_wait.is_zero() {
            return Err(self.reject(Duration::ZERO));
        }
        let deadline = start + self.max_wait;
        self.waiters.fetch_add(1, SeqCst);
        let _waiting = Waiting(self);
        loop {
            let listener = self.queue.listen();
            if let Some(permit) = self.try_acquire() {
                return Ok(self.waited(permit, start.elapsed()));
            }
            if tokio::time::timeout_at(deadline, listener).await.is_err() {
                return match self.try_acquire() {
                    Some(permit) => Ok(self.waited(permit, start.elapsed())),
                    None => Err(self.reject(start.elapsed())),
                };
            }
        }
    }

    fn waited(&self, permit: Permit, waited: Duration) -> Permit {
        self.waited.fetch_add(1, SeqCst);
        self.wait_ns.record_shared(waited.as_nanos() as u64);
        permit
    }

    fn reject(&'static self, waited: Duration) -> Full {
        self.rejected.fetch_add(1, SeqCst);
        Full { name: self.name, max_concurrent: self.max_concurrent, waited }
    }

    fn current(&self) -> Totals {
        let mut wait_ns = histogram::empty();
        self.wait_ns.add_to(&mut wait_ns);
        Totals {
            admitted: self.admitted.load(SeqCst),
            waited: self.waited.load(SeqCst),
            rejected: self.rejected.load(SeqCst),
            wait_ns,
        }
    }

    /// What was recorded since the last reset, and the peak of calls inside since then.
    pub(crate) fn totals(&self) -> (Totals, u32) {
        (self.baseline.since(self.current()), self.max_in_flight.load(SeqCst))
    }

    /// Forgets the counts, and starts the peak again from the calls inside now.
    pub(crate) fn reset(&self) {
        self.baseline.reset(self.current());
        self.max_in_flight.store(self.in_flight.load(SeqCst), SeqCst);
    }
}

#[derive(Clone)]
pub(crate) struct Totals {
    pub(crate) admitted: u64,
    pub(crate) waited: u64,
    pub(crate) rejected: u64,
    pub(crate) wait_ns: Histogram<u64>,
}

impl Subtract for Totals {
    fn subtract(&mut self, base: &Totals) {
        self.admitted -= base.admitted;
        self.waited -= base.waited;
        self.rejected -= base.rejected;
        self.wait_ns.subtract(&base.wait_ns).expect("baseline is a subset");
    }
}
