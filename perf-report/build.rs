//! For the tests only: whether Chromium is on PATH. Without it the browser test
//! (`tests/chromium.rs`) is compiled `#[ignore]`d with the install line as its reason, so a
//! normal `cargo test` lists it as ignored instead of passing it without running; `-- --ignored`
//! runs it anyway. Under `CI=true` it is never ignored: a missing Chromium fails it. Nothing in
//! the `perf-report` binary depends on this.
//!
//! Installing Chromium changes a PATH directory, which makes cargo run this script again.

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=CI");
    println!("cargo::rerun-if-env-changed=PATH");
    println!("cargo::rustc-check-cfg=cfg(no_chromium)");
    let dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).filter(|d| d.is_dir()).collect())
        .unwrap_or_default();
    let found = ["chromium", "chromium-browser"]
        .iter()
        .flat_map(|program| dirs.iter().map(move |d| d.join(program)))
        .find(|p| executable(p));
    match found {
        Some(found) => println!("cargo::rerun-if-changed={}", found.display()),
        None if std::env::var("CI").as_deref() == Ok("true") => {}
        None => {
            println!("cargo::rustc-cfg=no_chromium");
            for dir in &dirs {
                println!("cargo::rerun-if-changed={}", dir.display());
            }
        }
    }
}

#[cfg(unix)]
fn executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn executable(path: &Path) -> bool {
    path.with_extension("exe").is_file()
}
