//! Which external tools are on PATH, for the build scripts of packages whose tests need them
//! (`perf-report/build.rs`, and the root package's `tests/support/build.rs`, which includes
//! this file with `#[path]`). A test that needs a missing tool is compiled `#[ignore]`d with the
//! install line as its reason, so a normal `cargo test` lists it as ignored instead of passing
//! it without running; `-- --ignored` runs it anyway. Under `CI=true` nothing is ignored: a
//! missing tool fails its tests.
//!
//! Installing a tool changes a PATH directory, which makes cargo run the script again.

use std::path::{Path, PathBuf};

/// For each (names the tool may have, cfg set when none is found): sets the cfg, and tells cargo
/// when to look again.
pub fn set_cfgs_for_missing(tools: &[(&[&str], &str)]) {
    println!("cargo::rerun-if-env-changed=CI");
    println!("cargo::rerun-if-env-changed=PATH");
    let names: Vec<&str> = tools.iter().map(|(_, cfg)| *cfg).collect();
    println!("cargo::rustc-check-cfg=cfg({})", names.join(", "));
    let ci = std::env::var("CI").as_deref() == Ok("true");
    let dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).filter(|d| d.is_dir()).collect())
        .unwrap_or_default();
    let mut watch_dirs = false;
    for (programs, cfg) in tools {
        let found = programs
            .iter()
            .flat_map(|program| dirs.iter().map(move |d| d.join(program)))
            .find(|p| executable(p));
        match found {
            Some(found) => println!("cargo::rerun-if-changed={}", found.display()),
            None if ci => {}
            None => {
                println!("cargo::rustc-cfg={cfg}");
                watch_dirs = true;
            }
        }
    }
    if watch_dirs {
        for dir in &dirs {
            println!("cargo::rerun-if-changed={}", dir.display());
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
