use perf_runtime::load;
#[load(concurrency = 4)]
async fn f(seq: u64, extra: u32) {
    let _ = (seq, extra);
}
fn main() {}
