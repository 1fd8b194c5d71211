use perf_runtime::bulkhead;
#[bulkhead(max_concurrent = 0, max_wait = "5 parsecs", name = "", limit = 3, crate = 7)]
fn f() -> Result<(), ()> {
    Ok(())
}
#[bulkhead(max_concurrent = "ten", max_concurrent = 2)]
fn g() -> Result<(), ()> {
    Ok(())
}
fn main() {}
