use perf_runtime::retry;
#[retry(backoff = exponential(base = "10ms", factor = 0.5))]
fn f() -> Result<(), ()> {
    Ok(())
}
fn main() {}
