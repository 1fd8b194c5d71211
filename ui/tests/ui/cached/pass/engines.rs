// Every form of the fast engine that moka accepts too: async, Result, a method, no handle,
// and its handle's type. Without a warning: an `async fn` whose body is one expression once
// tripped `unused_braces` in every attribute.
#![deny(warnings)]
use perf_runtime::cache::{AsyncCache, Fast, SyncCache};
use perf_runtime::cached;

#[cached(ttl = "1m", engine = "fast", capacity = 100)]
fn sync(x: u32) -> Result<u32, String> {
    Ok(x)
}

#[cached(ttl = "1m", engine = "fast")]
async fn later(x: u32) -> Option<u32> {
    Some(x)
}

#[cached(ttl = "1m", engine = "fast", tags = ["item:{x}", "all"])]
async fn tagged(x: u32, r#type: &str) -> Result<u32, String> {
    Ok(x + r#type.len() as u32)
}

struct Repo;

impl Repo {
    #[cached(ttl = "1m", engine = "fast", key = id, handle = false)]
    fn get(&self, id: u32) -> u32 {
        id
    }

    #[cached(ttl = "1m", key = id, tags = ["repo:{id}"])]
    fn tagged(&self, id: u32) -> u32 {
        id
    }
}

#[cached(ttl = "1m", engine = "moka")]
fn moka(x: u32) -> u32 {
    x
}

#[perf_runtime::profile]
async fn profiled(x: u32) -> Option<u32> {
    Some(x)
}

#[perf_runtime::retry(attempts = 2)]
async fn retried(x: u32) -> Result<u32, String> {
    Ok(x)
}

#[perf_runtime::retry(attempts = 2)]
fn retried_sync(x: u32) -> Result<u32, String> {
    Ok(x)
}

fn main() {
    let _ = (profiled(1), retried(1), retried_sync(1));
    let _: &'static SyncCache<u32, u32, Fast> = sync_cache();
    let _: &'static AsyncCache<u32, u32, Fast> = later_cache();
    let _: &'static SyncCache<u32, u32> = moka_cache();
    let _ = (sync(1), later(1), Repo.get(1), moka(1), tagged(1, "t"), Repo.tagged(1));
}
