#![deny(warnings)]
// The loader `warm` calls, without a warning, in the shapes a key can take: through a re-export
// with `crate = "..."` (beside a local item named like the runtime), no arguments, a part named
// twice, borrowed arguments, an `async fn`, and under `#[profile]`.
mod perf_runtime {}

mod reexport {
    pub use ::perf_runtime as perf;
}

use reexport::perf::cache::WarmReport;
use reexport::perf::{cached, profile};

#[cached(ttl = "1m", crate = "crate::reexport::perf")]
fn renamed(x: u32) -> u32 {
    x
}

#[cached(ttl = "1m", crate = "crate::reexport::perf")]
async fn renamed_async(name: &str, bytes: &[u8]) -> Option<usize> {
    Some(name.len() + bytes.len())
}

#[cached(ttl = "1m")]
fn unit() -> u8 {
    1
}

#[cached(ttl = "1m", key = (a, a))]
fn twice(a: u32) -> u32 {
    a
}

#[profile]
#[cached(ttl = "1m", warm_concurrency = 2)]
fn profiled(x: u32) -> Result<u32, String> {
    Ok(x)
}

fn main() {
    let one = WarmReport { loaded: 1, already_present: 0, failed: 0 };
    assert_eq!(renamed_cache().warm([1]), one);
    assert_eq!(unit_cache().warm([()]), one);
    assert_eq!(twice_cache().warm([(2, 2)]), one);
    assert_eq!(profiled_cache().warm([3]), one);
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let key = ("ab".to_owned(), vec![1, 2, 3]);
    assert_eq!(rt.block_on(renamed_async_cache().warm([key])), one);
    assert_eq!(rt.block_on(renamed_async("ab", &[1, 2, 3])), Some(5));
    assert_eq!(profiled(3), Ok(3));
}
