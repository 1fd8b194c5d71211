use perf_runtime::cached;

#[cached(ttl = "1m", tags = ["product:{idx}", "all:{}", "ok:{{literal}}:{id:?}"])]
fn unknown(id: u32) -> u32 { id }

#[cached(ttl = "1m", tags = "product:{id}")]
fn not_a_list(id: u32) -> u32 { id }

#[cached(ttl = "1m", tags = [])]
fn empty(id: u32) -> u32 { id }

fn main() {
    unknown(1);
    not_a_list(1);
    empty(1);
}
