use perf_runtime::retry;
#[retry(timeout = "2s")]
fn f() -> Result<(), ()> {
    Ok(())
}
fn main() {}
