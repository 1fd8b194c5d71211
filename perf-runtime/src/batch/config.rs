//! One `#[batched]` fn's settings, written by the macro as a `const`.

use crate::record::site_name::{SelfName, site_name};

/// How one batcher gathers keys; every value was checked at compile time.
#[derive(Debug, Clone, Copy)]
pub struct BatchConfig {
    /// `module_path!()` of the batch fn.
    pub module: &'static str,
    /// The batch fn's name.
    pub func: &'static str,
    /// `name = "..."`, replacing `module::fn`.
    pub name: Option<&'static str>,
    /// Source file of the batch fn.
    pub file: &'static str,
    /// Line of its attribute.
    pub line: u32,
    /// Distinct keys that close a batch at once.
    pub max_batch: u32,
    /// How long the first key of a batch waits for others, in ns.
    pub window_ns: u64,
    /// Batch calls running at once; 0 for no limit.
    pub max_in_flight: u32,
}

impl BatchConfig {
    pub(crate) fn name(&self, self_name: SelfName) -> String {
        site_name(self.name, self.module, self.func, self_name)
    }
}
