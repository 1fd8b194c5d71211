use perf_runtime::rate_limit;
#[rate_limit(rate = "0/s", burst = 0, limit = 3, on_limit = "later", scope = "cloud", max_keys = 0)]
fn f() -> Result<(), ()> {
    Ok(())
}
fn main() {}
