use perf_runtime::load;
#[load(concurrency = 4)]
async fn f(user: String) {
    let _ = user;
}
fn main() {}
