//! `#[cached]`: memoization on moka, one cache per fn, with one load per key at a time.
//!
//! A sync fn gets a [`SyncCache`] (`moka::sync::Cache`), an `async fn` an [`AsyncCache`]
//! (`moka::future::Cache`); the macro returns it from the generated `<fn>_cache()` handle.

mod async_cache;
mod block_on;
mod config;
mod core;
mod flight;
mod kind;
#[cfg(feature = "redis")]
mod l2;
mod record;
mod registry;
mod report;
mod stats;
mod sync_cache;

pub use async_cache::AsyncCache;
pub use config::{CacheConfig, Policy};
pub use kind::{Kind, OptionKind, ResultKind, ValueKind};
pub use registry::invalidate_all;
pub use report::CacheReport;
pub use sync_cache::SyncCache;

pub(crate) use registry::{collect, reset};

/// Redis as the second cache level of `#[cached(l2 = "redis")]` fns (cargo feature `redis`).
#[cfg(feature = "redis")]
pub mod redis {
    pub use crate::redis::{ConfigError, RedisOptions, address, configure, disable};
}
pub(crate) use report::write_table;

/// foldhash: the cheapest hasher moka accepts that still resists collision floods
/// (randomly seeded per process).
type Hasher = foldhash::fast::RandomState;
