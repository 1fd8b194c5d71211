//! Build script of the root package (its tests): which external tools are on PATH. A test that
//! needs a missing one is compiled `#[ignore]`d with the install line as its reason, so a normal
//! `cargo test` lists it as ignored instead of passing it without running; `-- --ignored` runs
//! it anyway. Under `CI=true` nothing is ignored: a missing tool fails its tests.
//!
//! Installing a tool changes a PATH directory, which makes cargo run this script again.

use std::path::{Path, PathBuf};

/// (program, the cfg set when it is missing).
const TOOLS: [(&str, &str); 3] = [
    ("redis-server", "no_redis_server"),
    ("promtool", "no_promtool"),
    ("prometheus", "no_prometheus"),
];

fn main() {
    println!("cargo::rerun-if-changed=tests/support/build.rs");
    println!("cargo::rerun-if-env-changed=CI");
    println!("cargo::rerun-if-env-changed=PATH");
    let names: Vec<&str> = TOOLS.iter().map(|(_, cfg)| *cfg).collect();
    println!("cargo::rustc-check-cfg=cfg({})", names.join(", "));
    let ci = std::env::var("CI").as_deref() == Ok("true");
    let dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).filter(|d| d.is_dir()).collect())
        .unwrap_or_default();
    let mut watch_dirs = false;
    for (program, cfg) in TOOLS {
        match dirs.iter().map(|d| d.join(program)).find(|p| executable(p)) {
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
