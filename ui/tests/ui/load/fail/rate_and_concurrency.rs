use perf_runtime::load;
#[load(concurrency = 4, rate = 100, max_in_flight = 10)]
async fn f() {}
#[load(concurrency = 4, max_in_flight = 10, duration = "1s", requests = 10)]
async fn g() {}
fn main() {}
