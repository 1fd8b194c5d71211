//! `warm` with `l2 = "redis"`, against a private `redis-server` (see `support/`): keys in Redis
//! but not in memory are `already_present`, fill memory, and are not computed. A binary of its
//! own, since the Redis configuration is the process's.

#[allow(dead_code)]
#[path = "support/redis_server.rs"]
mod support;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use perf_runtime::cache::WarmReport;
use perf_runtime::cache::redis::{RedisOptions, configure};
use perf_runtime::{CacheReport, Report, cached};
use support::TestRedis;

fn cache(name: &str) -> CacheReport {
    Report::collect().cache(name).cloned().unwrap_or_else(|| panic!("no cache {name}"))
}

static DOUBLES: AtomicUsize = AtomicUsize::new(0);

#[cached(ttl = "60s", l2 = "redis")]
fn double(id: u32) -> u32 {
    DOUBLES.fetch_add(1, SeqCst);
    id * 2
}

static TRIPLES: AtomicUsize = AtomicUsize::new(0);

#[cached(ttl = "60s", engine = "fast", l2 = "redis")]
async fn triple(id: u32) -> u32 {
    TRIPLES.fetch_add(1, SeqCst);
    id * 3
}

/// One test: the two fns share the process's Redis configuration.
#[test]
#[cfg_attr(no_redis_server, ignore = "needs redis-server: apt-get install redis-server")]
fn keys_only_in_redis_are_already_present_and_fill_memory() {
    let Some(server) = TestRedis::start(&[]) else { return };
    let namespace = format!("warm{}", std::process::id());
    configure(
        &server.url(),
        RedisOptions { namespace: Some(namespace), ..RedisOptions::default() },
    )
    .unwrap();

    // No call before: the first key goes alone and connects, so that the others find Redis.
    let first = double_cache().warm(0..100);
    assert_eq!(first, WarmReport { loaded: 100, already_present: 0, failed: 0 });
    for id in 0..100 {
        double_cache().invalidate_l1(&id);
    }
    assert_eq!(double_cache().entry_count(), 0);
    let second = double_cache().warm(0..150);
    assert_eq!(second, WarmReport { loaded: 50, already_present: 100, failed: 0 });
    assert_eq!(DOUBLES.load(SeqCst), 150);
    assert_eq!(double_cache().entry_count(), 150, "Redis' values filled memory");
    assert_eq!(double(7), 14);
    // The look in Redis counts no hit or miss: the report shows the 150 loads' own misses
    // (in memory, then in Redis) and the call's hit.
    let c = cache(&format!("{}::double", module_path!()));
    assert_eq!(
        (c.warmed, c.loads, c.hits, c.misses, c.l2_hits, c.l2_misses),
        (150, 150, 1, 150, 0, 150),
        "{c:?}"
    );

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build();
    rt.unwrap().block_on(async {
        // Async callers connect on their own runtime, here by the first key.
        let first = triple_cache().warm(0..100).await;
        assert_eq!(first, WarmReport { loaded: 100, already_present: 0, failed: 0 });
        for id in 0..100 {
            triple_cache().invalidate_l1(&id).await;
        }
        let second = triple_cache().warm(0..150).await;
        assert_eq!(second, WarmReport { loaded: 50, already_present: 100, failed: 0 });
        assert_eq!(TRIPLES.load(SeqCst), 150);
        assert_eq!(triple_cache().entry_count().await, 150);
    });
    assert_eq!(cache(&format!("{}::triple", module_path!())).warmed, 150);
}
