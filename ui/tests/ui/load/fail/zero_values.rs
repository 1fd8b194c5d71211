// Every count and duration of a load must be above zero: zero would run nothing, or (a zero
// `timeout`) time every request out before it starts.
use perf_runtime::load;

#[load(concurrency = 0, requests = 0, timeout = "0ms")]
async fn closed() {}

#[load(rate = 0, max_in_flight = 0, duration = "0s")]
async fn open() {}

fn main() {}
