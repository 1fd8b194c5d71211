use perf_runtime::rate_limit;

#[rate_limit(rate = "10/s")]
fn f() -> Result<(), String> {
    Ok(())
}

#[rate_limit(rate = "10/s", on_limit = "wait", max_wait = "1ms")]
async fn g() -> Result<u8, std::fmt::Error> {
    Ok(1)
}

fn main() {}
