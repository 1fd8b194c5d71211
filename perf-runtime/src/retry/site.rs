//! One `static` per `#[retry]` fn: its policy, its budget, and its stats bound on first use.

use std::sync::OnceLock;

use super::backoff::Backoff;
use super::budget::Budget;
use super::jitter::Jitter;
use super::stats::{self, Meta, RetryStats};
pub use crate::record::site_name::SelfName;
use crate::record::site_name::site_name;

/// The attribute's arguments, checked and converted at compile time.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, first included; at least 1.
    pub attempts: u32,
    /// The delay schedule.
    pub backoff: Backoff,
    /// How delays are randomized.
    pub jitter: Jitter,
    /// Deadline over work and sleeps; 0 for none.
    pub max_elapsed_ns: u64,
    /// Per-attempt timeout of an `async fn`; 0 for none.
    pub timeout_ns: u64,
    /// Thousandths of a retry earned per first attempt; 0 for no budget.
    pub budget_milli: u64,
    /// Record attempt and call latencies.
    pub timed: bool,
    /// Whether the fn is `async` (report metadata).
    pub is_async: bool,
    /// Whether a protective layer's refusal (`Full`, `Elapsed`, `Open`, ...) goes to `when`
    /// like any error: only when the attribute gives its own `when`.
    pub retry_refusals: bool,
}

/// A `#[retry]` fn's call site, in a `static` inside the fn body.
#[derive(Debug)]
pub struct RetrySite {
    module: &'static str,
    func: &'static str,
    custom_name: Option<&'static str>,
    file: &'static str,
    line: u32,
    pub(crate) policy: &'static RetryPolicy,
    pub(crate) budget: Budget,
    stats: OnceLock<&'static RetryStats>,
}

impl RetrySite {
    /// Built at compile time; bound to its stats on the first call.
    pub const fn new(
        module: &'static str,
        func: &'static str,
        custom_name: Option<&'static str>,
        file: &'static str,
        line: u32,
        policy: &'static RetryPolicy,
    ) -> Self {
        Self {
            module,
            func,
            custom_name,
            file,
            line,
            policy,
            budget: Budget::new(),
            stats: OnceLock::new(),
        }
    }

    #[inline(always)]
    pub(crate) fn stats(&'static self, self_name: SelfName) -> &'static RetryStats {
        match self.stats.get() {
            Some(stats) => stats,
            None => self.register(self_name),
        }
    }

    #[cold]
    #[inline(never)]
    fn register(&'static self, self_name: SelfName) -> &'static RetryStats {
        crate::export::first_use();
        let name = site_name(self.custom_name, self.module, self.func, self_name);
        let meta = Meta {
            file: self.file,
            line: self.line,
            is_async: self.policy.is_async,
            max_attempts: self.policy.attempts,
            timed: self.policy.timed,
        };
        self.stats.get_or_init(|| stats::stats_for(&name, meta))
    }
}
