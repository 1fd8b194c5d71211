//! One `static` per annotated fn: built at compile time, bound to its stats on the first call.

use std::sync::OnceLock;

use super::slow;
use super::stats::{FnStats, Meta};
use crate::record::site_name::{SelfName, site_name};

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
    stats: OnceLock<&'static FnStats>,
}

/// What one finished call contributes.
pub(crate) struct Call {
    pub(crate) wall_ns: u64,
    pub(crate) busy_ns: Option<u64>,
    pub(crate) error: bool,
    pub(crate) panicked: bool,
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
        Self { module, func, custom_name, file, line, slow_ns, stats: OnceLock::new() }
    }

    /// A site with the name given to the attribute.
    pub const fn named(name: &'static str, file: &'static str, line: u32, slow_ns: u64) -> Self {
        let custom_name = Some(name);
        Self { module: "", func: "", custom_name, file, line, slow_ns, stats: OnceLock::new() }
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
        crate::export::first_use();
        let name = site_name(self.custom_name, self.module, self.func, self_name);
        let meta = Meta { file: self.file, line: self.line, is_async };
        self.stats.get_or_init(|| super::registry::stats_for(&name, meta))
    }

    #[inline(always)]
    pub(crate) fn record(&'static self, self_name: SelfName, call: Call) {
        let stats = self.stats(self_name, call.busy_ns.is_some());
        let slow = self.slow_ns != 0 && call.wall_ns >= self.slow_ns;
        stats.shards.with(|s| {
            s.calls.add(1);
            s.total_ns.add(call.wall_ns);
            s.wall.record(call.wall_ns);
            if let Some(busy) = call.busy_ns {
                s.busy_total_ns.add(busy);
                s.busy.record(busy);
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
        });
        if slow {
            slow::observe(stats, call.wall_ns);
        }
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
