use perf_runtime::cached;

#[cached(ttl = "1m", warm_concurrency = 0)]
fn zero(x: u32) -> u32 { x }

#[cached(ttl = "1m", warm_concurrency = "8")]
fn text(x: u32) -> u32 { x }

#[cached(ttl = "1m", warm_concurrency = 8, handle = false)]
fn no_handle(x: u32) -> u32 { x }

fn main() {
    let _ = (zero(1), text(1), no_handle(1));
}
