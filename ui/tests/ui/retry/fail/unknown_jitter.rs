use perf_runtime::retry;
#[retry(jitter = "random")]
fn f() -> Result<(), ()> {
    Ok(())
}
fn main() {}
