//! Saved results under `target/perf-baselines/NAME.json`, to compare later runs with.

use std::path::PathBuf;

use super::result::BenchResult;

/// `$CARGO_TARGET_DIR`, else the `target` directory the running binary is in, else `./target`.
fn dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).or_else(|| {
        let exe = std::env::current_exe().ok()?;
        exe.ancestors().find(|p| p.file_name().is_some_and(|n| n == "target")).map(PathBuf::from)
    });
    target.unwrap_or_else(|| PathBuf::from("target")).join("perf-baselines")
}

pub(crate) fn path(name: &str) -> PathBuf {
    dir().join(format!("{name}.json"))
}

/// Merges `results` into the baseline `name` (other benchmarks' entries are kept).
pub(crate) fn save(name: &str, results: &[BenchResult]) -> std::io::Result<PathBuf> {
    let mut all = load(name).unwrap_or_default();
    for r in results {
        all.retain(|old: &BenchResult| old.name != r.name);
        let mut r = r.clone();
        r.baseline = None;
        all.push(r);
    }
    let path = path(name);
    std::fs::create_dir_all(path.parent().expect("a file in a directory"))?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, crate::report::json::to_string_pretty(&all)?)?;
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

pub(crate) fn load(name: &str) -> Option<Vec<BenchResult>> {
    crate::report::json::from_slice(&std::fs::read(path(name)).ok()?).ok()
}
