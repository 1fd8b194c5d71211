use perf_runtime::rate_limit;

#[rate_limit(rate = "10/d")]
fn unknown_unit() -> Result<(), ()> {
    Ok(())
}

#[rate_limit(burst = 3)]
fn no_rate() -> Result<(), ()> {
    Ok(())
}

#[rate_limit(rate = "10/s", on_limit = "reject", max_wait = "10ms", max_keys = 10, fallback = "allow")]
fn conflicting() -> Result<(), ()> {
    Ok(())
}

fn main() {}
