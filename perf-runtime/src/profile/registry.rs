//! The global table of profiled names.

use std::sync::LazyLock;

use dashmap::DashMap;

use super::stats::{FnStats, Meta};

static REGISTRY: LazyLock<DashMap<Box<str>, &'static FnStats>> = LazyLock::new(DashMap::new);

/// The stats for `name`, created on first use. Call sites with the same name share them.
///
/// Stats live for the rest of the program: there is one per profiled name, a number fixed by
/// the source code, and call sites keep `&'static` handles to them.
pub(crate) fn stats_for(name: &str, meta: Meta) -> &'static FnStats {
    if let Some(stats) = REGISTRY.get(name) {
        return *stats;
    }
    *REGISTRY
        .entry(name.into())
        .or_insert_with(|| Box::leak(Box::new(FnStats::new(name.into(), meta))))
}

/// Every registered fn, in no particular order.
pub(crate) fn all() -> Vec<&'static FnStats> {
    REGISTRY.iter().map(|e| *e.value()).collect()
}
