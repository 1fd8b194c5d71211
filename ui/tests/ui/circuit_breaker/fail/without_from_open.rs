use perf_runtime::circuit_breaker;
#[derive(Debug)]
struct MyError;
#[circuit_breaker]
fn f() -> Result<(), MyError> {
    Ok(())
}
fn main() {}
