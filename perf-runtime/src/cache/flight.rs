//! Single flight: while one caller loads a key, others that miss the same key wait for its
//! value instead of running the fn again.
//!
//! If the load returns nothing cacheable (an `Err`, a `None`) or panics, the waiters are woken
//! with nothing and each runs its own call: nobody hangs, nobody gets another caller's error
//! (so `E` needs no `Clone`), and a panic poisons nothing.

use std::hash::{BuildHasher, Hash};
use std::sync::{Arc, Mutex};

use dashmap::DashMap;
use dashmap::mapref::entry::Entry;
use event_listener::{Event, Listener};

use crate::record::lock;

pub(crate) struct Flights<K, V, S> {
    map: DashMap<K, Arc<Flight<V>>, S>,
}

pub(crate) struct Flight<V> {
    /// `None` while loading; then `Some(value)` or `Some(None)` when there is nothing to share.
    outcome: Mutex<Option<Option<V>>>,
    done: Event,
}

/// What a caller that missed does next.
pub(crate) enum Role<'a, K: Hash + Eq, V, S: BuildHasher + Clone> {
    /// Load, then [`Leader::finish`].
    Leader(Leader<'a, K, V, S>),
    /// Wait for the leader with [`Flight::wait`] or [`Flight::wait_async`].
    Waiter(Arc<Flight<V>>),
}

/// The one caller loading a key. Dropping it unfinished (the load panicked) wakes the waiters
/// with nothing.
pub(crate) struct Leader<'a, K: Hash + Eq, V, S: BuildHasher + Clone> {
    flights: &'a Flights<K, V, S>,
    key: Option<K>,
    flight: Arc<Flight<V>>,
}

impl<K: Hash + Eq + Clone, V: Clone, S: BuildHasher + Clone> Flights<K, V, S> {
    pub(crate) fn new(hasher: S) -> Self {
        Self { map: DashMap::with_hasher(hasher) }
    }

    pub(crate) fn join(&self, key: &K) -> Role<'_, K, V, S> {
        match self.map.entry(key.clone()) {
            Entry::Occupied(e) => Role::Waiter(e.get().clone()),
            Entry::Vacant(e) => {
                let flight = Arc::new(Flight { outcome: Mutex::new(None), done: Event::new() });
                e.insert(flight.clone());
                Role::Leader(Leader { flights: self, key: Some(key.clone()), flight })
            }
        }
    }
}

impl<K: Hash + Eq, V: Clone, S: BuildHasher + Clone> Leader<'_, K, V, S> {
    /// Shares `value` (after the caller has put it in the cache) and ends the flight.
    pub(crate) fn finish(mut self, value: Option<&V>) {
        self.end(|| value.cloned());
    }
}

impl<K: Hash + Eq, V, S: BuildHasher + Clone> Leader<'_, K, V, S> {
    fn end(&mut self, value: impl FnOnce() -> Option<V>) {
        if let Some(key) = self.key.take() {
            self.flights.map.remove(&key);
            // Out of the map, the flight gains no more waiters (they clone it under the map's
            // lock): with none, nobody needs a copy of the value.
            if Arc::strong_count(&self.flight) > 1 {
                *lock(&self.flight.outcome) = Some(value());
                self.flight.done.notify(usize::MAX);
            }
        }
    }
}

impl<K: Hash + Eq, V, S: BuildHasher + Clone> Drop for Leader<'_, K, V, S> {
    fn drop(&mut self) {
        self.end(|| None);
    }
}

impl<V: Clone> Flight<V> {
    fn outcome(&self) -> Option<Option<V>> {
        lock(&self.outcome).clone()
    }

    /// The leader's value, or `None` if this caller must load on its own.
    pub(crate) fn wait(&self) -> Option<V> {
        loop {
            let listener = self.done.listen();
            if let Some(outcome) = self.outcome() {
                return outcome;
            }
            listener.wait();
        }
    }

    pub(crate) async fn wait_async(&self) -> Option<V> {
        loop {
            let listener = self.done.listen();
            if let Some(outcome) = self.outcome() {
                return outcome;
            }
            listener.await;
        }
    }
}
