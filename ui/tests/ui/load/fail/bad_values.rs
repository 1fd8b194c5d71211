use perf_runtime::load;
#[load(rate = 0, duration = "10 seconds", timeout = 5, budget = "p99 < 50ms, slow < 1%")]
async fn f() {}
fn main() {}
