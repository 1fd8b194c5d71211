use perf_runtime::bulkhead;
#[bulkhead(max_wait = "50ms")]
fn no_bound() -> Result<(), ()> {
    Ok(())
}
#[bulkhead(max_concurrent = 1)]
fn unit() {}
#[bulkhead(max_concurrent = 1)]
fn not_result() -> Option<u32> {
    Some(1)
}
#[bulkhead(max_concurrent = 1)]
const fn constant() -> Result<(), ()> {
    Ok(())
}
#[bulkhead(max_concurrent = 1)]
struct NotAFn;
fn main() {}
