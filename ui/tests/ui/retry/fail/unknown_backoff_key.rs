use perf_runtime::retry;
#[retry(backoff = linear(base = "10ms", factor = 2.0))]
fn f() -> Result<(), ()> {
    Ok(())
}
fn main() {}
