use perf_runtime::circuit_breaker;
#[circuit_breaker]
fn unit() {}
#[circuit_breaker]
fn option() -> Option<u32> {
    None
}
type Alias = u32;
#[circuit_breaker]
fn alias() -> Alias {
    1
}
#[circuit_breaker]
const fn konst() -> Result<(), ()> {
    Ok(())
}
#[circuit_breaker]
struct NotAFn;
fn main() {}
