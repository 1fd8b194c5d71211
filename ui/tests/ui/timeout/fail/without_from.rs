use perf_runtime::timeout;
#[derive(Debug)]
struct MyError;
#[timeout("200ms")]
async fn call() -> Result<(), MyError> {
    Ok(())
}
fn main() {}
