use perf_runtime::rate_limit;

// Refusing needs a `Result` to return.
#[rate_limit(rate = "10/s")]
fn counts() -> u32 {
    1
}

// A bounded wait ends in a refusal too.
#[rate_limit(rate = "10/s", on_limit = "wait", max_wait = "5ms")]
fn nothing() {}

#[rate_limit(rate = "10/s", on_limit = "wait", scope = "redis", fallback = "deny")]
fn denied() -> Vec<u8> {
    Vec::new()
}

#[rate_limit(rate = "10/s")]
const fn constant() -> Result<(), ()> {
    Ok(())
}

fn main() {}
