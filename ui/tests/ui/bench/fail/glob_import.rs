// A glob import leaves `#[bench]` ambiguous with the prelude's unstable built-in: rustc says so
// and suggests the explicit import.
use perf_runtime::*;

#[bench]
fn f() -> u32 {
    1
}

fn main() {
    let _ = f();
}
