use perf_runtime::retry;
#[retry(backoff = exponentail(base = "10ms"))]
fn f() -> Result<(), ()> {
    Ok(())
}
fn main() {}
