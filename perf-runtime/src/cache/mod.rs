//! `#[cached]`: memoization, one cache per fn, with one load per key at a time.
//!
//! A sync fn gets a [`SyncCache`], an `async fn` an [`AsyncCache`]; the macro returns it from the
//! generated `<fn>_cache()` handle. Entries live in moka (`moka::sync::Cache`,
//! `moka::future::Cache`) or, with `engine = "fast"`, in quick_cache (see [`engine`]).
//! Cargo feature `cache` (on by default); without it this module holds only [`CacheReport`],
//! for the report's (empty) `caches` section.

#[cfg(feature = "cache")]
mod async_cache;
#[cfg(feature = "cache")]
mod block_on;
#[cfg(feature = "redis")]
mod coherence;
#[cfg(feature = "cache")]
mod config;
#[cfg(feature = "cache")]
mod core;
#[cfg(feature = "cache")]
pub mod engine;
#[cfg(feature = "cache")]
mod flight;
#[cfg(feature = "cache")]
mod kind;
#[cfg(feature = "redis")]
mod l2;
#[cfg(feature = "cache")]
mod record;
#[cfg(feature = "cache")]
mod registry;
mod report;
#[cfg(feature = "cache")]
mod stats;
#[cfg(feature = "cache")]
mod sync_cache;
#[cfg(feature = "cache")]
mod tags;
#[cfg(feature = "cache")]
pub(crate) mod warm;

#[cfg(feature = "cache")]
pub use async_cache::AsyncCache;
#[cfg(feature = "cache")]
pub use config::{CacheConfig, Policy};
#[cfg(feature = "cache")]
pub use engine::{Engine, Fast, Moka};
#[cfg(feature = "cache")]
pub use kind::{Kind, OptionKind, ResultKind, ValueKind};
#[cfg(feature = "cache")]
pub use registry::{invalidate_all, invalidate_tag, invalidate_tag_async};
pub use report::CacheReport;
#[cfg(feature = "cache")]
pub use sync_cache::SyncCache;
#[cfg(feature = "cache")]
pub use tags::MAX_TAGS;
#[cfg(feature = "cache")]
pub use warm::WarmReport;

#[cfg(feature = "cache")]
pub(crate) use registry::{collect, reset};

/// No cache without the `cache` feature: the report's section is empty.
#[cfg(not(feature = "cache"))]
pub(crate) fn collect() -> Vec<CacheReport> {
    Vec::new()
}

#[cfg(not(feature = "cache"))]
pub(crate) fn reset() {}

/// Redis as the second cache level of `#[cached(l2 = "redis")]` fns (cargo feature `redis`).
#[cfg(feature = "redis")]
pub mod redis {
    pub use crate::redis::{ConfigError, RedisOptions, address, configure, disable};
}
pub(crate) use report::write_table;

/// foldhash: the cheapest hasher moka and quick_cache accept that still resists collision floods
/// (randomly seeded per process).
#[cfg(feature = "cache")]
type Hasher = foldhash::fast::RandomState;
