use std::time::Duration;

use crate::record::site_name::{SelfName, site_name};

/// How one `#[cached]` fn's cache is built; written by the macro as a `const`.
#[derive(Debug, Clone, Copy)]
pub struct CacheConfig {
    /// `module_path!()` of the fn.
    pub module: &'static str,
    /// The fn's name.
    pub func: &'static str,
    /// `name = "..."`, replacing `module::fn`.
    pub name: Option<&'static str>,
    /// Time to live of an entry, in ns.
    pub ttl_ns: u64,
    /// Time to idle, in ns; 0 for none.
    pub tti_ns: u64,
    /// Maximum number of entries.
    pub capacity: u64,
    /// Eviction policy.
    pub policy: Policy,
    /// `l2 = "redis"`: Redis behind the in-memory cache.
    pub l2: bool,
    /// `l1_ttl`: a shorter time to live in memory than in Redis, in ns; 0 for `ttl`.
    pub l1_ttl_ns: u64,
    /// `lock = true`: one process loads a key that Redis misses, the others wait for it.
    pub lock: bool,
    /// Hash of the key and value types: Redis entries of another schema are never read.
    pub schema: u64,
    /// `warm_concurrency`: keys `warm` loads at once; 0 for the default (the cores for a sync
    /// fn, 16 for an `async fn`).
    pub warm_concurrency: u32,
}

/// `policy = "lru"` (the default) or `policy = "tinylfu"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Least recently used: the cheapest reads, right when the working set fits.
    Lru,
    /// moka's TinyLFU admission: a better hit rate when scans or one-off keys would otherwise
    /// push hot entries out, at a higher cost per read.
    TinyLfu,
}

impl CacheConfig {
    pub(crate) fn name(&self, self_name: SelfName) -> String {
        site_name(self.name, self.module, self.func, self_name)
    }

    pub(crate) fn moka_policy(&self) -> moka::policy::EvictionPolicy {
        match self.policy {
            Policy::Lru => moka::policy::EvictionPolicy::lru(),
            Policy::TinyLfu => moka::policy::EvictionPolicy::tiny_lfu(),
        }
    }

    /// Time to live in memory.
    pub(crate) fn l1_ttl(&self) -> Duration {
        Duration::from_nanos(if self.l1_ttl_ns != 0 { self.l1_ttl_ns } else { self.ttl_ns })
    }

    /// Time to live in Redis.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn ttl(&self) -> Duration {
        Duration::from_nanos(self.ttl_ns)
    }

    pub(crate) fn tti(&self) -> Option<Duration> {
        (self.tti_ns != 0).then(|| Duration::from_nanos(self.tti_ns))
    }
}
