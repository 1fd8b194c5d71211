//! perf-runtime without its default features: `#[profile]` and the report build alone, with no
//! other attribute's dependencies, and `#[cached]`, `#[retry]`, `#[bench]`, `#[batched]` and
//! `#[rate_limit]` are each one compile error that names its feature; `scope = "redis"` without
//! `redis` is one that names that feature. With any feature, no serde_json: its impls would reach
//! the user's type inference (tests/fixtures/inference compiles the idioms).
//!
//! trybuild builds its cases with the features of the package that runs them (`ui/`), so the
//! checks build small crates of their own with `cargo`, offline, pinned to this workspace's
//! Cargo.lock.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A crate at `CARGO_TARGET_TMPDIR/features/<name>` with `main` as its `src/main.rs`,
/// depending on perf-runtime with no default features.
fn make_crate(name: &str, main: &str) -> PathBuf {
    make_crate_with(name, main, "default-features = false")
}

/// The same, with `dependency` (such as `features = ["redis"]`) in perf-runtime's entry.
fn make_crate_with(name: &str, main: &str, dependency: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("features").join(name);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let runtime = root.join("perf-runtime");
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nperf-runtime = {{ path = {runtime:?}, {dependency} }}\n\n\
         [workspace]\n"
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(dir.join("src/main.rs"), main).unwrap();
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    dir
}

/// `cargo <args>` in `dir`, all such crates sharing one target directory.
fn cargo(dir: &Path, args: &[&str]) -> Output {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("features").join("target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    Command::new(cargo)
        .args(args)
        .args(["--offline", "--quiet"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .unwrap()
}

const PROFILE_ALONE: &str = r#"
#[perf_runtime::profile]
fn parse(s: &str) -> Result<u32, std::num::ParseIntError> {
    s.parse()
}

fn main() {
    assert!(parse("7").is_ok() && parse("x").is_err());
    let report = perf_runtime::Report::collect();
    let f = report.functions.iter().find(|f| f.name.ends_with("::parse")).unwrap();
    assert_eq!((f.calls, f.errors), (2, 1));
    assert!(report.caches.is_empty() && report.retries.is_empty() && report.benches.is_empty());
    println!("{report}");

    // With serde_json in the build, its `PartialEq<Value>` impls make this ambiguous (E0283).
    let bytes: &[u8] = b"abc";
    let mut v = Vec::new();
    v.extend(bytes.iter());
    assert!(&bytes[..] == &v[..]);
}
"#;

const EACH_ATTRIBUTE: &str = r#"
use perf_runtime::{batched, bench, cached, rate_limit, retry};

#[batched(one = "double")]
async fn doubles(keys: Vec<u64>) -> Vec<u64> {
    keys.into_iter().map(|k| k * 2).collect()
}

#[cached(ttl = "1m")]
fn square(x: u64) -> u64 {
    x * x
}

// The body as written still type-checks: `mut` and the pattern are the fn's own.
#[retry(attempts = 3)]
fn fetch(mut tries: u32, (a, b): (u32, u32)) -> Result<u32, String> {
    tries += a + b;
    Ok(tries)
}

#[bench]
fn noop() {}

#[rate_limit(rate = "10/s", key = user)]
fn limited(user: u32) -> Result<u32, String> {
    Ok(user)
}

fn main() {
    noop();
    let _ = limited(1);
    let _ = (square(2), fetch(1, (2, 3)), double(4), doubles(vec![4]));
}
"#;

#[test]
fn without_default_features() {
    let minimal = make_crate("profile_alone", PROFILE_ALONE);
    let out = cargo(&minimal, &["run"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("profile_alone::parse"), "{stdout}");
    let tree = cargo(&minimal, &["tree", "-e", "normal", "--prefix", "none"]);
    let tree = String::from_utf8_lossy(&tree.stdout);
    for absent in ["serde_json", "moka", "linkme", "tokio"] {
        assert!(!tree.contains(absent), "{absent} in a #[profile]-only build:\n{tree}");
    }

    let each = make_crate("each_attribute", EACH_ATTRIBUTE);
    let out = cargo(&each, &["build"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    for (attribute, feature) in [
        ("cached", "cache"),
        ("retry", "retry"),
        ("bench", "bench"),
        ("batched", "batched"),
        ("rate_limit", "limit"),
    ] {
        let message = format!("`#[{attribute}]` needs perf-runtime's `{feature}` feature");
        assert_eq!(stderr.matches(&message).count(), 1, "{message}:\n{stderr}");
    }
    // Those five and nothing else: the rest of the crate type-checks.
    assert!(stderr.contains("due to 5 previous errors"), "{stderr}");
}

/// Every feature that writes or reads JSON (the report, baselines, Redis values, `/report.json`)
/// does it without serde_json, and the endpoint is std alone (tiny_http's `ascii` crate had
/// `impl PartialEq<AsciiChar> for u8`); `cargo tree` resolves the graph without building it.
#[test]
fn no_feature_brings_serde_json() {
    let all = make_crate_with(
        "all_features",
        "fn main() {}\n",
        r#"features = ["json", "bench", "cache", "retry", "tokio", "redis-tls", "exporter", "batched", "limit"]"#,
    );
    let tree = cargo(&all, &["tree", "-e", "normal", "--prefix", "none"]);
    assert!(tree.status.success(), "{}", String::from_utf8_lossy(&tree.stderr));
    let tree = String::from_utf8_lossy(&tree.stdout);
    assert!(tree.contains("perf-runtime") && tree.contains("redis"), "{tree}");
    assert!(!tree.contains("serde_json"), "serde_json in perf-runtime's graph:\n{tree}");
    assert!(!tree.contains("ascii ") && !tree.contains("winnow"), "impls on std types:\n{tree}");
}

const LIMIT_WITHOUT_REDIS: &str = r#"
use perf_runtime::limit::Rejected;
use perf_runtime::rate_limit;

#[derive(Debug)]
struct Busy;

impl From<Rejected> for Busy {
    fn from(_: Rejected) -> Self {
        Busy
    }
}

#[rate_limit(rate = "10/s", scope = "redis")]
fn shared() -> Result<(), Busy> {
    Ok(())
}

#[rate_limit(rate = "10/s")]
fn local() -> Result<(), Busy> {
    Ok(())
}

fn main() {
    let _ = (shared(), local());
}
"#;

/// `scope = "redis"` without the `redis` feature: one error naming it, the rest type-checks.
#[test]
fn redis_scope_without_the_redis_feature() {
    let dir = make_crate_with(
        "limit_without_redis",
        LIMIT_WITHOUT_REDIS,
        r#"default-features = false, features = ["limit"]"#,
    );
    let out = cargo(&dir, &["build"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    let message = "`scope = \"redis\"` needs perf-runtime's `redis` feature";
    assert_eq!(stderr.matches(message).count(), 1, "{message}:\n{stderr}");
    assert!(stderr.contains("due to 1 previous error"), "{stderr}");
}
