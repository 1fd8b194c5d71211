use perf_runtime::retry;
#[retry(backoff = fixed("200 msec"))]
fn f() -> Result<(), ()> {
    Ok(())
}
fn main() {}
