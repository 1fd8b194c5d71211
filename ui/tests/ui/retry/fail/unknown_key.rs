use perf_runtime::retry;
#[retry(max_attempts = 3)]
fn f() -> Result<(), ()> {
    Ok(())
}
fn main() {}
