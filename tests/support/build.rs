//! Build script of the root package (its tests): which external tools are on PATH (see
//! `perf-report/build_tools.rs`). A test that needs a missing one is listed as ignored with its
//! install line; under `CI=true` nothing is ignored.

#[path = "../../perf-report/build_tools.rs"]
mod build_tools;

fn main() {
    println!("cargo::rerun-if-changed=tests/support/build.rs");
    println!("cargo::rerun-if-changed=perf-report/build_tools.rs");
    build_tools::set_cfgs_for_missing(&[
        (&["redis-server"], "no_redis_server"),
        (&["promtool"], "no_promtool"),
        (&["prometheus"], "no_prometheus"),
        (&["chromium", "chromium-browser"], "no_chromium"),
    ]);
}
