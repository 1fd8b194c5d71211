use perf_runtime::timeout;
#[timeout("2 fortnights", name = "", after = "1s")]
async fn f() -> Result<(), ()> {
    Ok(())
}
#[timeout(name = "no deadline")]
async fn g() -> Result<(), ()> {
    Ok(())
}
#[timeout("0ms")]
async fn h() -> Result<(), ()> {
    Ok(())
}
#[timeout("1s")]
async fn unit() {}
fn main() {}
