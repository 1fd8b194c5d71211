//! One `static` per `#[bulkhead]` fn: its limits, and its bulkhead bound on first use.

use std::sync::OnceLock;
use std::time::Duration;

use super::Full;
use super::gate::{Gate, Meta, Permit};
use super::registry;
use crate::record::site_name::{SelfName, site_name};

/// A `#[bulkhead]` fn's call site, in a `static` inside the fn body.
#[derive(Debug)]
pub struct BulkheadSite {
    module: &'static str,
    func: &'static str,
    custom_name: Option<&'static str>,
    file: &'static str,
    line: u32,
    max_concurrent: u32,
    max_wait_ns: u64,
    gate: OnceLock<&'static Gate>,
}

impl BulkheadSite {
    /// Built at compile time; bound to its bulkhead on the first call.
    #[allow(clippy::too_many_arguments)]
    pub const fn new(
        module: &'static str,
        func: &'static str,
        custom_name: Option<&'static str>,
        file: &'static str,
        line: u32,
        max_concurrent: u32,
        max_wait_ns: u64,
    ) -> Self {
        Self {
            module,
            func,
            custom_name,
            file,
            line,
            max_concurrent,
            max_wait_ns,
            gate: OnceLock::new(),
        }
    }

    #[inline(always)]
    fn gate(&'static self, self_name: SelfName) -> &'static Gate {
        match self.gate.get() {
            Some(gate) => gate,
            None => self.register(self_name),
        }
    }

    #[cold]
    #[inline(never)]
    fn register(&'static self, self_name: SelfName) -> &'static Gate {
        crate::export::first_use();
        let name = site_name(self.custom_name, self.module, self.func, self_name);
        let meta = Meta { file: self.file, line: self.line };
        let max_wait = Duration::from_nanos(self.max_wait_ns);
        self.gate.get_or_init(|| registry::gate_for(&name, self.max_concurrent, max_wait, meta))
    }

    /// Enters a sync call: a permit to hold until it returns, or the refusal.
    #[inline(always)]
    pub fn enter(&'static self, self_name: SelfName) -> Result<Permit, Full> {
        self.gate(self_name).acquire()
    }

    /// Enters an async call, waiting without holding the thread.
    #[cfg(feature = "tokio")]
    #[inline(always)]
    pub async fn enter_async(&'static self, self_name: SelfName) -> Result<Permit, Full> {
        self.gate(self_name).acquire_async().await
    }
}
