use perf_runtime::cached;

#[cached(ttl = "1m", engine = "quick")]
fn unknown(x: u32) -> u32 { x }

#[cached(ttl = "1m", engine = "fast", tti = "10s", policy = "tinylfu")]
fn moka_only(x: u32) -> u32 { x }

fn main() {
    unknown(1);
    moka_only(1);
}
