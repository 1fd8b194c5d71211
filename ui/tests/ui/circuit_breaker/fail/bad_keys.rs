use perf_runtime::circuit_breaker;
#[derive(Debug)]
struct E;
impl From<perf_runtime::breaker::Open> for E {
    fn from(_: perf_runtime::breaker::Open) -> Self {
        E
    }
}
#[circuit_breaker(failure_rate = "150%", window = 0, min_calls = 0, open_for = "0s", half_open_calls = 5000, retries = 3)]
fn f() -> Result<(), E> {
    Ok(())
}
#[circuit_breaker(failure_rate = 50, window = "soon", slow = 1, when = "is_bad", name = "")]
fn g() -> Result<(), E> {
    Ok(())
}
#[circuit_breaker(window = 10, min_calls = 20, slow_rate = "80%", half_open_calls = "5")]
fn h() -> Result<(), E> {
    Ok(())
}
fn main() {}
