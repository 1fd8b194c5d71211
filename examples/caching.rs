//! A slow lookup made fast: a price service that takes 20ms per call, memoized with
//! `#[cached]`, hit by 8 threads asking for a few hot products at once.
//!
//! ```text
//! cargo run --release --example caching
//! ```

use std::time::{Duration, Instant};

use perf_runtime::{cached, profile};

/// Pretends to ask a remote pricing service.
#[profile(name = "pricing.fetch")]
#[cached(ttl = "5m", capacity = 1_000, name = "pricing.cache")]
fn price(sku: &str, quantity: u32) -> Result<u64, String> {
    std::thread::sleep(Duration::from_millis(20));
    if sku.is_empty() {
        return Err("empty sku".into());
    }
    let unit = sku.bytes().map(u64::from).sum::<u64>();
    Ok(unit * u64::from(quantity))
}

fn main() {
    let skus = ["apple", "pear", "plum", "fig"];
    let started = Instant::now();
    std::thread::scope(|s| {
        for t in 0..8 {
            s.spawn(move || {
                for i in 0..50 {
                    let sku = skus[(t + i) % skus.len()];
                    price(sku, 1 + (i % 2) as u32).expect("known sku");
                }
            });
        }
    });
    let _ = price("", 1); // an error: returned to the caller, never cached
    println!(
        "400 lookups of 8 distinct keys in {:?} (uncached, they would take {:?} on 8 threads)",
        started.elapsed(),
        Duration::from_millis(20) * 400 / 8,
    );
    price_cache().invalidate(&("apple".to_owned(), 1));
    let report = perf_runtime::report();
    let cache = report.cache("pricing.cache").expect("the cache was used");
    println!(
        "\nhit rate {:.1}%, {} loads for {} calls, {} callers waited for another's load",
        cache.hit_rate * 100.0,
        cache.loads,
        cache.hits + cache.misses,
        cache.coalesced,
    );
}
