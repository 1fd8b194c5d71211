use perf_runtime::retry;
#[derive(Debug)]
struct MyError;
#[retry(timeout = "2s")]
async fn f() -> Result<(), MyError> {
    Ok(())
}
fn main() {}
