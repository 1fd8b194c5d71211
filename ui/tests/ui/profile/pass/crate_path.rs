#![deny(warnings)]
// A crate that re-exports the runtime under another name points the macro at it with
// `crate = "..."`; a local item named `perf_runtime` does not confuse the expansion.

mod telemetry {
    pub use ::perf_runtime as perf;
}

mod perf_runtime {}

use telemetry::perf::profile as measure;

#[measure(crate = "telemetry::perf")]
fn through_reexport() -> u8 {
    1
}

#[measure]
fn through_renamed_import() -> u8 {
    2
}

// Names a user might pick do not collide with the generated ones.
#[measure]
fn shadowing(guard: u8, ret: u8, site: u8) -> u8 {
    let __perf_site = 0;
    guard + ret + site + __perf_site
}

fn main() {
    assert_eq!(through_reexport() + through_renamed_import(), 3);
    assert_eq!(shadowing(1, 2, 3), 6);
    let report = telemetry::perf::Report::collect();
    assert!(report.function(concat!(module_path!(), "::through_reexport")).is_some());
}
