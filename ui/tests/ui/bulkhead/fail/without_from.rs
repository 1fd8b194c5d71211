use perf_runtime::bulkhead;
#[derive(Debug)]
struct MyError;
#[bulkhead(max_concurrent = 1)]
fn sync_call() -> Result<(), MyError> {
    Ok(())
}
#[bulkhead(max_concurrent = 1)]
async fn async_call() -> Result<(), MyError> {
    Ok(())
}
fn main() {}
