use perf_runtime::retry;
#[retry(attempts = 0, jitter = "lots", budget = -1.0, retries = 2)]
fn f() -> Result<(), ()> {
    Ok(())
}
fn main() {}
