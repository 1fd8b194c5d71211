//! One `static` per `#[timeout]` fn, and the call under its deadline.

use std::sync::OnceLock;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use super::stats::{self, TimeoutStats};
use super::{Elapsed, FromElapsed};
use crate::record::site_name::{SelfName, site_name};

/// A `#[timeout]` fn's call site, in a `static` inside the fn body.
#[derive(Debug)]
pub struct TimeoutSite {
    module: &'static str,
    func: &'static str,
    custom_name: Option<&'static str>,
    file: &'static str,
    line: u32,
    timeout_ns: u64,
    stats: OnceLock<&'static TimeoutStats>,
}

impl std::fmt::Debug for TimeoutStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimeoutStats").field("name", &self.name).finish_non_exhaustive()
    }
}

impl TimeoutSite {
    /// Built at compile time; bound to its stats on the first call.
    pub const fn new(
        module: &'static str,
        func: &'static str,
        custom_name: Option<&'static str>,
        file: &'static str,
        line: u32,
        timeout_ns: u64,
    ) -> Self {
        Self { module, func, custom_name, file, line, timeout_ns, stats: OnceLock::new() }
    }

    #[inline(always)]
    fn stats(&'static self, self_name: SelfName) -> &'static TimeoutStats {
        match self.stats.get() {
            Some(stats) => stats,
            None => self.register(self_name),
        }
    }

    #[cold]
    #[inline(never)]
    fn register(&'static self, self_name: SelfName) -> &'static TimeoutStats {
        crate::export::first_use();
        let name = site_name(self.custom_name, self.module, self.func, self_name);
        self.stats.get_or_init(|| stats::stats_for(&name, self.file, self.line, self.timeout_ns))
    }

    /// Runs the fn's body under the deadline: past it, the body's future is dropped and the
    /// call returns `E::from(Elapsed)`, marked as a refusal for an enclosing `#[retry]`.
    pub async fn run<T, E: FromElapsed>(
        &'static self,
        self_name: SelfName,
        body: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        let after = Duration::from_nanos(self.timeout_ns);
        let result = tokio::time::timeout(after, body).await;
        let stats = self.stats(self_name);
        stats.calls.fetch_add(1, Relaxed);
        match result {
            Ok(result) => result,
            Err(_) => {
                stats.elapsed.fetch_add(1, Relaxed);
                let name: &'static str = stats.name.as_ref();
                crate::rejection::mark();
                Err(E::from_elapsed(Elapsed { name, after }))
            }
        }
    }
}
