//! One `static` per annotated fn: built at compile time, bound to its stats on the first call.

use std::sync::OnceLock;

use super::shard::{ALLOC_BYTES, ALLOC_COUNT, BUSY, CPU, WALL};
use super::stats::{FnStats, Meta};
use super::usage::{self, Mark, Usage};
use super::{adaptive, sample, slow};
use crate::record::site_name::{SelfName, site_name};
use crate::report::budget::Clause;

/// A profiled fn's call site. Generated code builds one in a `static` inside the fn body, so
/// it works in impls and traits and is shared by every instantiation of a generic fn.
#[derive(Debug)]
pub struct CallSite {
    module: &'static str,
    func: &'static str,
    custom_name: Option<&'static str>,
    file: &'static str,
    line: u32,
    slow_ns: u64,
    /// `sample = N`: time one call in N; 0 means the process default, [`adaptive::AUTO`]
    /// `sample = "auto"`.
    sample: u32,
    /// `cpu = true`: read the thread CPU clock around each call.
    cpu: bool,
    budget: &'static [Clause],
    stats: OnceLock<&'static FnStats>,
}

/// What one finished call that was not timed contributes.
pub(crate) struct Untimed {
    pub(crate) error: bool,
    pub(crate) panicked: bool,
}

/// What one finished call contributes.
pub(crate) struct Call {
    pub(crate) wall_ns: u64,
    /// What the call used, and which parts of it were measured ([`Mark::what`]).
    pub(crate) usage: (u8, Usage),
    pub(crate) busy_ns: Option<u64>,
    pub(crate) error: bool,
    pub(crate) panicked: bool,
    /// The call's time less that of its profiled callees (see `calls/`).
    pub(crate) self_ns: u64,
    pub(crate) busy_self_ns: Option<u64>,
}

impl CallSite {
    /// A site named `module::func` (or `module::Type::func` for methods). `slow_ns` of 0 means
    /// no slow threshold.
    pub const fn new(
        module: &'static str,
        func: &'static str,
        file: &'static str,
        line: u32,
        slow_ns: u64,
    ) -> Self {
        let custom_name = None;
        let (sample, cpu, budget) = (0, false, &[] as &[Clause]);
        let stats = OnceLock::new();
        Self { module, func, custom_name, file, line, slow_ns, sample, cpu, budget, stats }
    }

    /// A site with the name given to the attribute.
    pub const fn named(name: &'static str, file: &'static str, line: u32, slow_ns: u64) -> Self {
        let custom_name = Some(name);
        let (module, func, sample, cpu) = ("", "", 0, false);
        let budget: &[Clause] = &[];
        let stats = OnceLock::new();
        Self { module, func, custom_name, file, line, slow_ns, sample, cpu, budget, stats }
    }

    /// The site with `#[profile(budget = ...)]`'s clauses, which only reports read: a budget
    /// costs nothing per call.
    pub const fn with_budget(mut self, clauses: &'static [Clause]) -> Self {
        self.budget = clauses;
        self
    }

    /// Reads the thread CPU clock around each call (`#[profile(cpu = true)]`).
    pub const fn cpu(mut self) -> Self {
        self.cpu = true;
        self
    }

    /// The thread's counters that this site's calls read at entry.
    #[inline(always)]
    pub(crate) fn mark(&self) -> Mark {
        Mark::now(self.cpu)
    }

    /// Times one call in `every` (`#[profile(sample = N)]`); the others are counted only.
    pub const fn sample(mut self, every: u32) -> Self {
        self.sample = every;
        self
    }

    /// Times every call until they prove short and frequent, then one in N
    /// (`#[profile(sample = "auto")]`, the default of `#[profile]` on an `impl` or `mod`).
    pub const fn adaptive(mut self) -> Self {
        self.sample = adaptive::AUTO;
        self
    }

    #[inline(always)]
    pub(crate) fn stats(&'static self, self_name: SelfName, is_async: bool) -> &'static FnStats {
        match self.stats.get() {
            Some(stats) => stats,
            None => self.register(self_name, is_async),
        }
    }

    #[cold]
    #[inline(never)]
    fn register(&'static self, self_name: SelfName, is_async: bool) -> &'static FnStats {
        crate::alloc::untracked(|| self.register_now(self_name, is_async))
    }

    fn register_now(&'static self, self_name: SelfName, is_async: bool) -> &'static FnStats {
        crate::export::first_use();
        let name = site_name(self.custom_name, self.module, self.func, self_name);
        let (file, line, sample, cpu, budget) =
            (self.file, self.line, self.sample, self.cpu, self.budget);
        let meta = Meta { file, line, is_async, sample, cpu, budget };
        self.stats.get_or_init(|| super::registry::stats_for(&name, meta))
    }

    #[inline(always)]
    pub(crate) fn record(&'static self, self_name: SelfName, call: Call) {
        let stats = self.stats(self_name, call.busy_ns.is_some());
        let slow = self.slow_ns != 0 && call.wall_ns >= self.slow_ns;
        let hist = &stats.hist;
        stats.shards.with(|s| {
            s.calls.add(1);
            s.total_ns.add(call.wall_ns);
            s.self_ns.add(call.self_ns);
            if let Some(busy_self) = call.busy_self_ns {
                s.busy_self_ns.add(busy_self);
            }
            if self.sample == adaptive::AUTO {
                stats.adaptive.observe(s.calls.get(), s.total_ns.get());
            }
            s.buckets.record(WALL, call.wall_ns, &hist[WALL]);
            if let Some(busy) = call.busy_ns {
                s.busy_total_ns.add(busy);
                s.buckets.record(BUSY, busy, &hist[BUSY]);
            }
            if call.error {
                s.errors.add(1);
            }
            if call.panicked {
                s.panics.add(1);
            }
            if slow {
                s.slow_calls.add(1);
            }
            let (what, used) = call.usage;
            if what & usage::ALLOC != 0 {
                if used.allocs == 0 {
                    s.no_alloc_calls.add(1);
                } else {
                    s.buckets.record(ALLOC_COUNT, used.allocs, &hist[ALLOC_COUNT]);
                    s.buckets.record(ALLOC_BYTES, used.allocated, &hist[ALLOC_BYTES]);
                    s.alloc_count_total.add(used.allocs);
                    s.alloc_bytes_total.add(used.allocated);
                }
                if used.freed != 0 {
                    s.freed_bytes_total.add(used.freed);
                }
            }
            if what & usage::CPU != 0 {
                s.buckets.record(CPU, used.cpu_ns, &hist[CPU]);
                s.cpu_total_ns.add(used.cpu_ns);
            }
        });
        if slow {
            slow::observe(stats, call.wall_ns);
        }
    }

    /// Whether this call reads the clock: always, unless the fn is sampled and this call falls
    /// between two timed ones. A sync call that is not timed is counted here already, so that
    /// its return costs nothing unless it is an error (see [`count_outcome`](Self::count_outcome)).
    #[inline(always)]
    pub(crate) fn times_call(&'static self, self_name: SelfName, is_async: bool) -> bool {
        let every = match self.sample {
            adaptive::AUTO => self.stats(self_name, is_async).adaptive.every(),
            site => sample::every(site),
        };
        every <= 1 || self.sample_hit(self_name, is_async, every)
    }

    #[inline]
    fn sample_hit(&'static self, self_name: SelfName, is_async: bool, every: u32) -> bool {
        self.stats(self_name, is_async).shards.with(|s| match s.countdown.get() {
            0 => {
                s.countdown.set(sample::next_gap(every) - 1);
                true
            }
            left => {
                s.countdown.set(left - 1);
                if !is_async {
                    s.calls.add(1);
                }
                false
            }
        })
    }

    /// Counts a finished async call that was not timed: calls, errors and panics stay exact
    /// under sampling. (A future's call is counted when it completes, as cancelled ones are not
    /// calls.)
    #[inline]
    pub(crate) fn count_untimed(&'static self, self_name: SelfName, call: Untimed) {
        self.stats(self_name, true).shards.with(|s| {
            s.calls.add(1);
            s.errors.add(u64::from(call.error));
            s.panics.add(u64::from(call.panicked));
        });
    }

    /// Counts the error or panic of a sync call that was not timed (and was counted on entry).
    #[cold]
    pub(crate) fn count_outcome(&'static self, self_name: SelfName, call: Untimed) {
        self.stats(self_name, false).shards.with(|s| {
            s.errors.add(u64::from(call.error));
            s.panics.add(u64::from(call.panicked));
        });
    }

    pub(crate) fn record_cancelled(&'static self, self_name: SelfName) {
        self.stats(self_name, true).shards.with(|s| s.cancelled.add(1));
    }

    /// Counts an error for a site that has recorded its call already.
    pub(crate) fn record_error(&'static self) {
        if let Some(stats) = self.stats.get() {
            stats.shards.with(|s| s.errors.add(1));
        }
    }
}
