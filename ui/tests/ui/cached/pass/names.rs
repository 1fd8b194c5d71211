#![deny(warnings)]
// Arguments named like the macro's own locals, reference arguments keyed by their owned form,
// `Result` aliases, and a trait impl with `handle = false`.
use perf_runtime::cached;

#[cached(ttl = "1m")]
fn shadowing(key: u32, cache: &str, value: &[u8], result: Option<u8>) -> u32 {
    key + cache.len() as u32 + value.len() as u32 + u32::from(result.unwrap_or(0))
}

type Outcome<T> = std::result::Result<T, std::io::Error>;

#[cached(ttl = "1m", result = true)]
fn aliased(x: u32) -> Outcome<u32> {
    Ok(x)
}

#[cached(ttl = "1m")]
fn io_result(path: &std::path::Path) -> std::io::Result<u64> {
    Ok(path.as_os_str().len() as u64)
}

trait Store {
    fn get(&self, id: u32) -> String;
}

struct Memory;

impl Store for Memory {
    #[cached(ttl = "1m", key = id, handle = false, name = "memory.get")]
    fn get(&self, id: u32) -> String {
        id.to_string()
    }
}

/// The handle's type: the key is every argument, owned.
type ShadowingCache = perf_runtime::cache::SyncCache<(u32, String, Vec<u8>, Option<u8>), u32>;

fn main() {
    assert_eq!(shadowing(1, "ab", &[1, 2, 3], Some(4)), 10);
    let _: &'static ShadowingCache = shadowing_cache();
    assert_eq!(aliased(3).unwrap(), 3);
    assert_eq!(io_result(std::path::Path::new("abc")).unwrap(), 3);
    assert_eq!(Memory.get(5), "5");
    assert!(perf_runtime::cache::invalidate_all("memory.get"));
}
