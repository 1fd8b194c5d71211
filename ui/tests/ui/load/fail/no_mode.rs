use perf_runtime::load;
#[load(duration = "10s")]
async fn f() {}
fn main() {}
