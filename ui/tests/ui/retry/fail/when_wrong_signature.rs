use perf_runtime::retry;
fn is_transient(e: String) -> bool {
    e.is_empty()
}
#[retry(when = is_transient)]
fn f() -> Result<(), String> {
    Ok(())
}
fn main() {}
