//! Two levels of cache: moka in this process, Redis shared with every other process. Run it
//! twice: the first run computes and stores in Redis, the second finds the values there.
//!
//! ```text
//! cargo run --release --example redis_cache     # PERF_REDIS_URL defaults to redis://127.0.0.1:6379
//! cargo run --release --example redis_cache     # again: L2 hits
//! ```

use std::time::{Duration, Instant};

use perf_runtime::cache::redis::{self, RedisOptions};
use perf_runtime::cached;

/// A report that takes 30ms to build, shared by every process for 10 minutes; each process
/// keeps it in memory for 30s.
#[cached(ttl = "10m", l1_ttl = "30s", l2 = "redis", lock = true, name = "reports.daily")]
fn daily_report(day: u32) -> Vec<u64> {
    std::thread::sleep(Duration::from_millis(30));
    (0..8).map(|h| u64::from(day) * 100 + h).collect()
}

fn main() {
    let url = std::env::var("PERF_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into());
    let reachable = url
        .strip_prefix("redis://")
        .and_then(|rest| rest.split(['/', '@']).find(|part| part.contains(':')))
        .is_some_and(|addr| std::net::TcpStream::connect(addr).is_ok());
    if !reachable {
        eprintln!("no Redis at {url}: running with the in-memory level only (set PERF_REDIS_URL)");
    }
    let options = RedisOptions {
        namespace: Some(
            std::env::var("PERF_CACHE_NAMESPACE").unwrap_or_else(|_| "perf-example".into()),
        ),
        ..RedisOptions::default()
    };
    redis::configure(&url, options).expect("a valid Redis URL");

    let started = Instant::now();
    for day in 1..=5 {
        for _ in 0..20 {
            assert_eq!(daily_report(day)[0], u64::from(day) * 100);
        }
    }
    println!("100 calls over 5 days in {:?}", started.elapsed());
    let report = perf_runtime::report();
    let c = report.cache("reports.daily").expect("the cache was used");
    println!(
        "\nL1 hits {}, L2 hits {}, loads {} (Redis: {}). Run it again: the loads become L2 hits.",
        c.l1_hits, c.l2_hits, c.loads, c.l2
    );
}
