//! Load tests of an in-process async "service": a checkout that reads a cached product
//! (`#[cached]`), calls a flaky upstream (`#[retry]`) and writes under a shared lock. Runs a
//! closed loop (how much can it take?) and an open loop (what happens at 300 requests a
//! second?) and prints both tables.
//!
//! ```text
//! cargo run --release --example load
//! ```
//!
//! Every 200th write holds the lock for 100ms (a slow fsync, say). In the open loop the
//! requests queued behind it show it in their latency; with at most 16 in flight (16
//! connections, say), those due while all 16 wait start late, and their corrected latency
//! shows what their service time does not. See docs/load.md on coordinated omission.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use perf_runtime::{cached, load, retry};
use tokio::sync::Mutex;

static LEDGER: Mutex<u64> = Mutex::const_new(0);
static UPSTREAM_CALLS: AtomicU64 = AtomicU64::new(0);

#[cached(ttl = "1m", name = "service.product")]
async fn product(id: u64) -> String {
    tokio::time::sleep(Duration::from_millis(2)).await;
    format!("product {id}")
}

#[retry(attempts = 3, backoff = fixed("1ms"), jitter = "none", name = "service.payment")]
async fn payment(amount: u64) -> Result<u64, String> {
    tokio::time::sleep(Duration::from_micros(300)).await;
    if UPSTREAM_CALLS.fetch_add(1, Ordering::Relaxed) % 10 == 9 {
        return Err("payment provider busy".into());
    }
    Ok(amount)
}

async fn checkout(seq: u64) -> Result<(), String> {
    let item = product(seq % 50).await;
    let paid = payment(item.len() as u64).await?;
    let mut ledger = LEDGER.lock().await;
    if seq % 200 == 199 {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    *ledger += paid;
    Ok(())
}

#[load(concurrency = 32, duration = "3s", warmup = "500ms", name = "checkout.closed")]
async fn checkout_closed(seq: u64) -> Result<(), String> {
    checkout(seq).await
}

#[load(
    rate = 300,
    max_in_flight = 16,
    duration = "5s",
    ramp = "1s",
    timeout = "1s",
    name = "checkout.open",
    budget = "p99 < 500ms, errors < 1%"
)]
async fn checkout_open(seq: u64) -> Result<(), String> {
    checkout(seq).await
}

fn main() {
    for r in load::run("checkout.") {
        println!("{r}");
    }
}
