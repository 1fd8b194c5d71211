//! Per-thread recording slots, for any kind of stats.
//!
//! A [`Sharded<S>`] gives each thread that records into it a shard `S` of its own, found
//! through one thread-local table indexed by the container's id: no map lookup, no lock, no
//! cache line shared with another thread. Shards hold single-writer counters (`counter.rs`) and
//! a few bucket counters (`local_buckets.rs`) that the report thread reads while their owner
//! writes. A thread that exits hands its shards back, and the next new thread reuses them.
//!
//! A container hands out at most [`max_shards`] shards (4 per core by default): memory per fn
//! is bounded by the machine, not by how many threads a service starts. Threads beyond that
//! share a few striped shards, each behind a lock: exact, and slower only for them.

use std::cell::{Cell, UnsafeCell};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

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
    /// How many threads may have a shard of their own: [`max_shards`].
    cap: usize,
    /// For threads past `cap` and threads whose thread-locals are already destroyed.
    striped: OnceLock<Box<[Mutex<&'static S>]>>,
}

impl<S: Sync> Sharded<S> {
    pub(crate) fn new(new_shard: impl Fn() -> S + Send + Sync + 'static) -> Self {
        Self::with_cap(max_shards(), new_shard)
    }

    fn with_cap(cap: usize, new_shard: impl Fn() -> S + Send + Sync + 'static) -> Self {
        Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            cap,
            new_shard: Box::new(new_shard),
            all: Mutex::default(),
            free: Mutex::default(),
            striped: OnceLock::new(),
        }
    }

    /// Runs `record` on this thread's shard. Only this thread writes into it meanwhile.
    #[inline(always)]
    pub(crate) fn with<R>(&'static self, record: impl FnOnce(&S) -> R) -> R {
        // The container this thread used last in this container's slot of a small
        // direct-mapped cache: one read of a thread-local that has no destructor, so no
        // liveness check. Code that calls many profiled fns in turn (a whole impl profiled)
        // hits up to `RECENT` containers without going through the table.
        let (id, shard) = RECENT.with(|r| r[self.id % RECENT_SLOTS].get());
        if id == self.id {
            // SAFETY: each slot holds a shard of the container with id `id` (see `slow`), and
            // is cleared before this thread's table hands its shards back.
            return record(unsafe { &*shard.cast::<S>() });
        }
        self.slow(record)
    }

    #[inline(never)]
    fn slow<R>(&'static self, record: impl FnOnce(&S) -> R) -> R {
        let shard = LOCAL.try_with(|local| {
            // SAFETY: the borrow ends before this closure returns and nothing in it re-enters.
            let local = unsafe { &mut *local.get() };
            match local.0.get(self.id).copied() {
                None | Some(EMPTY) => self.attach(local),
                Some(STRIPED) => None,
                // SAFETY: slot `self.id` only ever holds a shard of `self`, an `S`.
                Some(shard) => Some(unsafe { &*shard.cast::<S>() }),
            }
        });
        match shard {
            Ok(Some(shard)) => {
                RECENT
                    .with(|r| r[self.id % RECENT_SLOTS].set((self.id, (shard as *const S).cast())));
                record(shard)
            }
            // Past the cap, or called from another thread-local's destructor once this
            // thread's table is gone: a striped shard, under its lock.
            Ok(None) | Err(_) => record(*lock(self.stripe())),
        }
    }

    #[cold]
    #[inline(never)]
    fn attach(&'static self, local: &mut LocalShards) -> Option<&'static S> {
        super::alloc::untracked(|| self.attach_now(local))
    }

    fn attach_now(&'static self, local: &mut LocalShards) -> Option<&'static S> {
        if local.0.len() <= self.id {
            local.0.resize(self.id + 1, EMPTY);
        }
        let shard = self.acquire();
        local.0[self.id] = match shard {
            Some(shard) => {
                let mut owners = lock(&OWNERS);
                if owners.len() <= self.id {
                    owners.resize(self.id + 1, None);
                }
                owners[self.id] = Some(self);
                (shard as *const S).cast()
            }
            None => STRIPED,
        };
        shard
    }

    /// A shard of its own for the calling thread, unless `cap` are out already.
    fn acquire(&self) -> Option<&'static S> {
        let mut all = lock(&self.all);
        if let Some(shard) = lock(&self.free).pop() {
            return Some(shard);
        }
        if all.len() >= self.cap {
            return None;
        }
        let shard = leak_padded((self.new_shard)());
        all.push(shard);
        Some(shard)
    }

    /// This thread's striped shard.
    fn stripe(&self) -> &Mutex<&'static S> {
        let stripes = self.striped.get_or_init(|| {
            let n = cores();
            let shards: Vec<_> = super::alloc::untracked(|| {
                (0..n).map(|_| Mutex::new(leak_padded((self.new_shard)()))).collect()
            });
            shards.into_boxed_slice()
        });
        &stripes[thread_number() % stripes.len()]
    }

    /// Visits every shard, for the report to sum.
    pub(crate) fn for_each(&self, mut visit: impl FnMut(&S)) {
        for shard in lock(&self.all).iter() {
            visit(shard);
        }
        for stripe in self.striped.get().into_iter().flat_map(|s| s.iter()) {
            visit(*lock(stripe));
        }
    }
}

/// How many threads get a shard of their own per container: `PERF_THREAD_SHARDS`, or 4 per
/// core (at least 8). Read once.
pub(crate) fn max_shards() -> usize {
    static MAX: OnceLock<usize> = OnceLock::new();
    *MAX.get_or_init(|| {
        let default = (4 * cores()).max(8);
        match std::env::var("PERF_THREAD_SHARDS") {
            Ok(v) => v.trim().parse().unwrap_or_else(|_| {
                eprintln!("perf: PERF_THREAD_SHARDS={v:?} is not a whole number; using {default}");
                default
            }),
            Err(_) => default,
        }
    })
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A number per thread, handed out in turn, to spread threads over the stripes.
fn thread_number() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static NUMBER: Cell<usize> = const { Cell::new(usize::MAX) };
    }
    NUMBER
        .try_with(|n| {
            if n.get() == usize::MAX {
                n.set(NEXT.fetch_add(1, Ordering::Relaxed));
            }
            n.get()
        })
        .unwrap_or(0)
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

/// A thread's shard of each container, by container id: [`EMPTY`] until the thread records
/// there, [`STRIPED`] past the cap. 8 bytes per container per thread.
struct LocalShards(Vec<*const ()>);

const EMPTY: *const () = std::ptr::null();
/// Never dereferenced: a shard pointer is aligned to [`PAD`], so it never equals this.
const STRIPED: *const () = std::ptr::dangling::<u8>().cast();

/// Every container that handed a shard to a thread, by id, for exiting threads to give their
/// shards back to.
static OWNERS: Mutex<Vec<Option<&'static dyn Release>>> = Mutex::new(Vec::new());

impl Drop for LocalShards {
    fn drop(&mut self) {
        // From here on this thread records through the containers' striped shards.
        RECENT.with(|r| r.iter().for_each(|slot| slot.set((usize::MAX, std::ptr::null()))));
        let owners = lock(&OWNERS);
        for (id, shard) in self.0.drain(..).enumerate() {
            if shard != EMPTY && shard != STRIPED {
                owners[id].expect("a container that handed out a shard").release(shard);
            }
        }
    }
}

/// Shards are padded to this and aligned on it, so that no two shards share a cache line, nor
/// the pair of lines the prefetcher pulls in together.
const PAD: usize = 128;
const BLOCK: usize = 4096;

/// Leaks `shard` into a block of the calling thread's (which records into it): 128-byte
/// aligned and padded, with no allocator header or alignment slack per shard.
fn leak_padded<S>(shard: S) -> &'static S {
    thread_local! {
        /// The free part of this thread's current block: (next, end) addresses.
        static FREE: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
    }
    let size = std::mem::size_of::<S>().next_multiple_of(PAD);
    assert!(std::mem::align_of::<S>() <= PAD && size <= BLOCK, "a shard fits a block");
    let place = FREE
        .try_with(|free| {
            let (mut next, mut end) = free.get();
            if end - next < size {
                let layout = std::alloc::Layout::from_size_align(BLOCK, PAD).expect("layout");
                // SAFETY: the layout has a non-zero size.
                let block = unsafe { std::alloc::alloc(layout) };
                if block.is_null() {
                    std::alloc::handle_alloc_error(layout);
                }
                (next, end) = (block as usize, block as usize + BLOCK);
            }
            free.set((next + size, end));
            next as *mut S
        })
        .unwrap_or_else(|_| {
            Box::into_raw(Box::new(Padded(std::mem::MaybeUninit::<S>::uninit()))).cast()
        });
    // SAFETY: `place` is aligned for `S`, sized for it and never handed out again.
    unsafe {
        place.write(shard);
        &*place
    }
}

/// A shard's room when its thread has no block any more.
#[repr(align(128))]
struct Padded<S>(std::mem::MaybeUninit<S>);

thread_local! {
    static LOCAL: UnsafeCell<LocalShards> = const { UnsafeCell::new(LocalShards(Vec::new())) };
    static RECENT: [Cell<(usize, *const ())>; RECENT_SLOTS] =
        const { [const { Cell::new((usize::MAX, std::ptr::null())) }; RECENT_SLOTS] };
}

/// Slots of the per-thread cache of recently used shards: 1 KiB per thread.
const RECENT_SLOTS: usize = 64;

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

    #[test]
    fn threads_past_the_cap_share_striped_shards_and_count_exactly() {
        let counts: &'static Sharded<Counter> =
            Box::leak(Box::new(Sharded::with_cap(3, Counter::default)));
        let barrier = std::sync::Barrier::new(16);
        std::thread::scope(|s| {
            for _ in 0..16 {
                s.spawn(|| {
                    // All alive at once, so no shard is handed back and reused meanwhile.
                    counts.with(|c| c.add(1));
                    barrier.wait();
                    for _ in 0..9_999 {
                        counts.with(|c| c.add(1));
                    }
                });
            }
        });
        let mut shards = 0;
        let mut total = 0;
        counts.for_each(|c| {
            shards += 1;
            total += c.get();
        });
        assert_eq!(total, 16 * 10_000);
        assert_eq!(shards, 3 + cores());
    }
}
