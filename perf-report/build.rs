//! For the tests only: whether Chromium is on PATH (see `build_tools.rs`). Without it the
//! browser test (`tests/chromium.rs`) is listed as ignored with its install line, and so is the
//! terminal test (`tests/top_tmux.rs`) without tmux. Nothing in the
//! `perf-report` binary depends on this.

#[path = "build_tools.rs"]
mod build_tools;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=build_tools.rs");
    build_tools::set_cfgs_for_missing(&[
        (&["chromium", "chromium-browser"], "no_chromium"),
        (&["tmux"], "no_tmux"),
    ]);
}
