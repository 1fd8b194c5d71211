//! Every form of `tests/ui/cached/pass`, written on one line, adds no warning to a
//! `#![deny(warnings)]` crate, nor a `clippy::pedantic` one (the root package's `tests/ui_lints.rs`).
#![deny(warnings)]
#![warn(clippy::pedantic)]
use perf_runtime::cache::WarmReport;
use perf_runtime::cached;

#[cached(ttl = "1m")] fn sync(x: u32) -> u32 { x }
#[cached(ttl = "1m")] fn unit() -> u8 { 1 }
#[cached(ttl = "1m", capacity = 100, tti = "30s", policy = "lru", name = "one_line.all")] fn all(x: u32) -> u32 { x }
#[cached(ttl = "1m", engine = "fast", capacity = 100)] fn fast(x: u32) -> Result<u32, String> { Ok(x) }
#[cached(ttl = "1m", result = true)] fn result(x: u32) -> Result<u32, String> { if x == 0 { return Err("zero".into()); } Ok(x) }
#[cached(ttl = "1m", option = true, cache_none = true)] fn option(x: u32) -> Option<u32> { x.checked_sub(1) }
#[cached(ttl = "1m", key = (a, a))] fn twice(a: u32) -> u32 { a }
#[cached(ttl = "1m", key = a, key_type = u32)] fn keyed(a: u32, _ignored: &str) -> u32 { a }
#[cached(ttl = "1m", tags = ["item:{x}", "all"])] fn tagged(x: u32, r#type: &str) -> u32 { x + u32::try_from(r#type.len()).unwrap_or(0) }
#[cached(ttl = "1m", warm_concurrency = 2, crate = "perf_runtime")] fn with_crate(x: u32) -> u32 { x }
#[cached(ttl = "1m")] fn borrowed(name: &str, bytes: &[u8]) -> usize { name.len() + bytes.len() }
#[cached(ttl = "1m")] async fn later(x: u32) -> Option<u32> { Some(x) }
#[cached(ttl = "1m", engine = "fast")] async fn later_fast(x: u32) -> Result<u32, String> { Ok(x) }
#[cached(ttl = "1m", engine = "fast", tags = ["item:{x}"])] async fn later_tagged(x: u32) -> u32 { x }
#[perf_runtime::profile] #[cached(ttl = "1m")] fn profiled(x: u32) -> Result<u32, String> { Ok(x) }
#[cached(ttl = "1m")] #[perf_runtime::retry(attempts = 2)] fn retried(x: u32) -> Result<u32, String> { Ok(x) }

pub struct Repo;

impl Repo {
    #[cached(ttl = "1m", key = id)] fn get(&self, id: u32) -> u32 { id }
    #[cached(ttl = "1m", engine = "fast", key = id, handle = false)] fn get_fast(&self, id: u32) -> u32 { id }
    #[cached(ttl = "1m", key = id, tags = ["repo:{id}"])] fn tagged(&self, id: u32) -> u32 { id }
}

trait Store { fn find(&self, id: u32) -> String; }

impl Store for Repo {
    #[cached(ttl = "1m", key = id, handle = false, name = "one_line.find")] fn find(&self, id: u32) -> String { id.to_string() }
}

pub fn main() {
    assert_eq!((sync(1), unit(), all(1), twice(2), keyed(3, "x"), with_crate(4)), (1, 1, 1, 2, 3, 4));
    assert_eq!((fast(1), result(1), option(1), profiled(1), retried(1)), (Ok(1), Ok(1), Some(0), Ok(1), Ok(1)));
    assert!(result(0).is_err());
    assert_eq!((tagged(1, "ab"), borrowed("ab", &[1])), (3, 3));
    assert_eq!((Repo.get(1), Repo.get_fast(1), Repo.tagged(1), Repo.find(1)), (1, 1, 1, "1".to_owned()));
    assert_eq!(sync_cache().warm([7]), WarmReport { loaded: 1, already_present: 0, failed: 0 });
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        assert_eq!(later(1).await, Some(1));
        assert_eq!(later_fast(1).await, Ok(1));
        assert_eq!(later_tagged(1).await, 1);
    });
}
