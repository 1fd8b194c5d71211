use perf_runtime::timeout;
#[timeout("200ms")]
fn blocking() -> Result<(), ()> {
    Ok(())
}
fn main() {}
