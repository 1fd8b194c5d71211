//! The `crate = ...` override, for crates that re-export perf-runtime under another name, and
//! a local item named like the runtime that generated code must not pick up.
mod perf_runtime {}

mod reexport {
    pub use ::perf_runtime as perf;
}

#[::perf_runtime::retry(crate = "crate::reexport::perf", backoff = none)]
fn f(x: u32) -> Result<u32, ()> {
    Ok(x)
}

fn main() {
    assert_eq!(f(1), Ok(1));
}
