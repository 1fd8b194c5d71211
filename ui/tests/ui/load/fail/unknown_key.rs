use perf_runtime::load;
#[load(concurrency = 4, users = 10)]
async fn f() {}
fn main() {}
