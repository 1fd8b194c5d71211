//! `#[profile]`: a `static` call site per annotated fn, the guard that times a sync call, the
//! future that times an async one, and the per-name stats they record into.

pub(crate) mod adaptive;
pub(crate) mod callsite;
pub(crate) mod future;
pub(crate) mod guard;
pub(crate) mod registry;
pub(crate) mod sample;
pub(crate) mod shard;
pub(crate) mod slow;
pub(crate) mod stats;
pub(crate) mod usage;
