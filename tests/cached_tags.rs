//! `#[cached(tags = [...])]` and `cache::invalidate_tag` in memory, on both engines: what an
//! invalidation removes, and loads racing it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

use perf_runtime::cache::invalidate_tag;
use perf_runtime::cached;

static PRICES: AtomicUsize = AtomicUsize::new(0);
static STOCKS: AtomicUsize = AtomicUsize::new(0);

#[cached(ttl = "10m", tags = ["product:{id}", "tenant:{tenant}"])]
fn price(tenant: &str, id: u64) -> u64 {
    PRICES.fetch_add(1, SeqCst);
    id * 100 + tenant.len() as u64
}

#[cached(ttl = "10m", engine = "fast", tags = ["product:{id}"])]
fn stock(id: u64) -> Option<u64> {
    STOCKS.fetch_add(1, SeqCst);
    Some(id + 1)
}

#[test]
fn a_tag_removes_every_fn_s_entries_for_it_and_nothing_else() {
    for id in [7, 8] {
        price("acme", id);
        stock(id);
    }
    price("zeta", 7);
    assert_eq!(price_cache().entry_count(), 3);
    assert_eq!(stock_cache().entry_count(), 2);

    assert_eq!(invalidate_tag("product:7"), 3, "acme and zeta prices, and the stock of 7");
    assert_eq!((price_cache().entry_count(), stock_cache().entry_count()), (1, 1));
    let (prices, stocks) = (PRICES.load(SeqCst), STOCKS.load(SeqCst));
    price("acme", 8);
    stock(8);
    assert_eq!((PRICES.load(SeqCst), STOCKS.load(SeqCst)), (prices, stocks), "8 is still cached");
    price("acme", 7);
    stock(7);
    assert_eq!((PRICES.load(SeqCst), STOCKS.load(SeqCst)), (prices + 1, stocks + 1));

    // Another tag of the same entries, and a tag nobody carries.
    assert_eq!(invalidate_tag("tenant:acme"), 2);
    assert_eq!(invalidate_tag("tenant:nobody"), 0);
    assert_eq!(price_cache().entry_count(), 0);
    // An entry invalidated by key leaves its tags: the tag finds nothing more.
    stock(9);
    stock_cache().invalidate(&9);
    assert_eq!(invalidate_tag("product:9"), 0);
}

static STARTED: AtomicBool = AtomicBool::new(false);
static RACED: AtomicUsize = AtomicUsize::new(0);

/// Signals that its body has begun, then takes a varying little while to return.
fn racing_body(key: u64) -> u64 {
    RACED.fetch_add(1, SeqCst);
    STARTED.store(true, SeqCst);
    std::thread::sleep(Duration::from_micros(key % 7 * 30));
    key
}

#[cached(ttl = "10m", tags = ["race:{key}"])]
fn racing_moka(key: u64) -> u64 {
    racing_body(key)
}

#[cached(ttl = "10m", engine = "fast", tags = ["race:{key}"])]
fn racing_fast(key: u64) -> u64 {
    racing_body(key)
}

/// A load whose body began before `invalidate_tag` was called never leaves its entry behind,
/// wherever in the load the invalidation lands.
fn race(f: fn(u64) -> u64) {
    for key in 0..300 {
        STARTED.store(false, SeqCst);
        std::thread::scope(|s| {
            s.spawn(|| f(key));
            while !STARTED.load(SeqCst) {
                std::hint::spin_loop();
            }
            // Vary where the invalidation lands: during the body, at the store, after it.
            for _ in 0..(key % 5) * 200 {
                std::hint::spin_loop();
            }
            invalidate_tag(&format!("race:{key}"));
        });
        let runs = RACED.load(SeqCst);
        f(key);
        assert_eq!(RACED.load(SeqCst), runs + 1, "key {key}: the raced entry survived");
    }
}

#[test]
fn a_load_racing_an_invalidation_of_its_tag_does_not_survive_it() {
    race(racing_moka);
    race(racing_fast);
}

static FETCHES: AtomicUsize = AtomicUsize::new(0);

#[cached(ttl = "10m", tags = ["order:{id}"])]
async fn order(id: u64) -> u64 {
    FETCHES.fetch_add(1, SeqCst);
    id
}

#[tokio::test]
async fn the_async_twin_removes_async_fns_entries() {
    order(1).await;
    order(2).await;
    assert_eq!(perf_runtime::cache::invalidate_tag_async("order:1").await, 1);
    order(1).await;
    order(2).await;
    assert_eq!(FETCHES.load(SeqCst), 3, "1 loaded again, 2 still cached");
}
