//! One batch: the distinct keys gathered so far, who waits for them, and how far it got.

use std::collections::HashMap;
use std::sync::Mutex;
use std::task::Waker;

use tokio::time::Instant;

use super::error::BatchError;

pub(crate) struct Batch<K, V, E> {
    /// When its first key arrived: the window runs from here.
    pub(crate) opened: Instant,
    pub(crate) state: Mutex<State<K, V, E>>,
}

pub(crate) struct State<K, V, E> {
    /// Distinct keys in arrival order; the batch call takes them.
    pub(crate) keys: Vec<K>,
    /// Each distinct key's position in `keys`: the dedup, and where a map's value goes.
    pub(crate) index: HashMap<K, usize, foldhash::fast::RandomState>,
    /// One per call, by arrival.
    pub(crate) waiters: Vec<Waiter>,
    /// The waiter that runs the batch call. `None` only once nobody waits any more.
    pub(crate) leader: Option<usize>,
    pub(crate) phase: Phase<V, E>,
}

pub(crate) enum Phase<V, E> {
    /// Taking keys until the window ends.
    Open,
    /// `max_batch` distinct keys: no more join, the leader goes at once.
    Full,
    /// The batch call has its keys (or must run again for a dropped leader).
    Sealed,
    /// Each position's value, or the error every caller gets.
    Done(Result<Vec<Option<V>>, BatchError<E>>),
}

pub(crate) struct Waiter {
    pub(crate) position: usize,
    pub(crate) joined: Instant,
    pub(crate) waker: Option<Waker>,
    /// Still waiting: not dropped.
    pub(crate) live: bool,
}

impl<K, V, E> Batch<K, V, E> {
    /// A batch with room for `keys` distinct keys and as many callers before it grows.
    pub(crate) fn new(opened: Instant, keys: usize) -> Self {
        let state = State {
            keys: Vec::with_capacity(keys),
            index: HashMap::with_capacity_and_hasher(keys, Default::default()),
            waiters: Vec::with_capacity(keys),
            leader: None,
            phase: Phase::Open,
        };
        Self { opened, state: Mutex::new(state) }
    }
}

impl<K, V, E> State<K, V, E> {
    /// The live waiter after `from` (wrapping), to take over from a dropped leader.
    pub(crate) fn next_live(&self, from: usize) -> Option<usize> {
        let n = self.waiters.len();
        (1..n).map(|step| (from + step) % n).find(|&i| self.waiters[i].live)
    }

    pub(crate) fn set_waker(&mut self, me: usize, waker: &Waker) {
        let slot = &mut self.waiters[me].waker;
        if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
            *slot = Some(waker.clone());
        }
    }
}

impl<K, V: Clone, E> State<K, V, E> {
    /// Waiter `me`'s result once the batch is done.
    pub(crate) fn result_for(&self, me: usize) -> Option<Result<Option<V>, BatchError<E>>> {
        match &self.phase {
            Phase::Done(Ok(values)) => Some(Ok(values[self.waiters[me].position].clone())),
            Phase::Done(Err(e)) => Some(Err(e.clone())),
            _ => None,
        }
    }
}
