//! Per-thread recording slots, for any kind of stats.
//!
//! A [`Sharded<S>`] gives each thread that records into it a shard `S` of its own, found
//! through one thread-local table indexed by the container's id: no map lookup, no lock, no
//! cache line shared with another thread. Shards hold single-writer counters (`counter.rs`) and
//! histograms (`histogram.rs`) that the report thread reads while their owner writes. A thread
//! that exits hands its shards back, and the next new thread reuses them, so memory follows the
//! number of live threads, not of threads ever started.

use std::cell::{Cell, UnsafeCell};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::record::lock;

/// Ids of every container, across all stats kinds: one thread-local table serves them all.
static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

pub(crate) struct Sharded<S: 'static> {
    id: usize,
    new_shard: Box<dyn Fn() -> S + Send + Sync>,
    /// Every shard ever handed out, for the report to sum.
    all: Mutex<Vec<&'static S>>,
    /// Shards of threads that have exited, ready for new threads.
    free: Mutex<Vec<&'static S>>,
    /// Recording target for threads whose thread-locals are already destroyed.
    shared: Mutex<Option<&'static S>>,
}

impl<S: Sync> Sharded<S> {
    pub(crate) fn new(new_shard: impl Fn() -> S + Send + Sync + 'static) -> Self {
        Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            new_shard: Box::new(new_shard),
            all: Mutex::default(),
            free: Mutex::default(),
            shared: Mutex::default(),
        }
    }

    /// Runs `record` on this thread's shard. Only this thread writes into it meanwhile.
    #[inline(always)]
    pub(crate) fn with<R>(&'static self, record: impl FnOnce(&S) -> R) -> R {
        // The container this thread used last: one read of a thread-local that has no
        // destructor, so no liveness check; most hot loops hit one container.
        let (id, shard) = LAST.get();
        if id == self.id {
            // SAFETY: `LAST` holds a shard of the container with id `id` (see `slow`), and is
            // cleared before this thread's table hands its shards back.
            return record(unsafe { &*shard.cast::<S>() });
        }
        self.slow(record)
    }

    #[inline(never)]
    fn slow<R>(&'static self, record: impl FnOnce(&S) -> R) -> R {
        let shard = LOCAL.try_with(|local| {
            // SAFETY: the borrow ends before this closure returns and nothing in it re-enters.
            let local = unsafe { &mut *local.get() };
            match local.0.get(self.id) {
                // SAFETY: slot `self.id` only ever holds a shard of `self`, an `S`.
                Some(Some((_, shard))) => unsafe { &*shard.cast::<S>() },
                _ => self.attach(local),
            }
        });
        match shard {
            Ok(shard) => {
                LAST.set((self.id, (shard as *const S).cast()));
                record(shard)
            }
            // A profiled fn called from another thread-local's destructor: this thread's table
            // is gone, so record under the container's own lock instead.
            Err(_) => {
                let mut shared = lock(&self.shared);
                record(shared.get_or_insert_with(|| self.acquire()))
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn attach(&'static self, local: &mut LocalShards) -> &'static S {
        super::alloc::untracked(|| self.attach_now(local))
    }

    fn attach_now(&'static self, local: &mut LocalShards) -> &'static S {
        if local.0.len() <= self.id {
            local.0.resize(self.id + 1, None);
        }
        let shard = self.acquire();
        local.0[self.id] = Some((self, (shard as *const S).cast()));
        shard
    }

    fn acquire(&self) -> &'static S {
        if let Some(shard) = lock(&self.free).pop() {
            return shard;
        }
        let shard: &'static S = Box::leak(Box::new((self.new_shard)()));
        lock(&self.all).push(shard);
        shard
    }

    /// Visits every shard, for the report to sum.
    pub(crate) fn for_each(&self, mut visit: impl FnMut(&S)) {
        for shard in lock(&self.all).iter() {
            visit(shard);
        }
    }
}

/// Lets a thread's table hand a shard back without knowing its type.
trait Release: Sync {
    fn release(&self, shard: *const ());
}

impl<S: Sync> Release for Sharded<S> {
    fn release(&self, shard: *const ()) {
        // SAFETY: the table stores shards next to the container they came from.
        lock(&self.free).push(unsafe { &*shard.cast::<S>() });
    }
}

type Slot = Option<(&'static dyn Release, *const ())>;

struct LocalShards(Vec<Slot>);

impl Drop for LocalShards {
    fn drop(&mut self) {
        // From here on this thread records through the containers' shared shards.
        LAST.set((usize::MAX, std::ptr::null()));
        for (owner, shard) in self.0.drain(..).flatten() {
            owner.release(shard);
        }
    }
}

thread_local! {
    static LOCAL: UnsafeCell<LocalShards> = const { UnsafeCell::new(LocalShards(Vec::new())) };
    static LAST: Cell<(usize, *const ())> = const { Cell::new((usize::MAX, std::ptr::null())) };
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use crate::record::counter::Counter;

    /// Records one more when its thread's thread-locals are destroyed, before or after the
    /// thread's table (the order is unspecified).
    struct RecordOnExit(&'static Sharded<Counter>);

    impl Drop for RecordOnExit {
        fn drop(&mut self) {
            self.0.with(|c| c.add(1));
        }
    }

    thread_local! {
        static ON_EXIT: RefCell<Option<RecordOnExit>> = const { RefCell::new(None) };
    }

    #[test]
    fn counts_stay_exact_across_thread_exits_and_late_destructors() {
        let counts: &'static Sharded<Counter> = Box::leak(Box::new(Sharded::new(Counter::default)));
        let other: &'static Sharded<Counter> = Box::leak(Box::new(Sharded::new(Counter::default)));
        for _ in 0..50 {
            let threads: Vec<_> = (0..4)
                .map(|_| {
                    std::thread::spawn(move || {
                        ON_EXIT.with(|g| *g.borrow_mut() = Some(RecordOnExit(counts)));
                        for i in 0..1000 {
                            counts.with(|c| c.add(1));
                            // Alternating containers moves the last-used one back and forth.
                            if i % 7 == 0 {
                                other.with(|c| c.add(1));
                            }
                        }
                    })
                })
                .collect();
            for t in threads {
                t.join().unwrap();
            }
        }
        let total = |s: &Sharded<Counter>| {
            let mut n = 0;
            s.for_each(|c| n += c.get());
            n
        };
        assert_eq!(total(counts), 50 * 4 * 1001);
        assert_eq!(total(other), 50 * 4 * 143);
    }
}
