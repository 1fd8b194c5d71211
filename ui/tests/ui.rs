//! Compile-time behaviour of every attribute: `ui/<attr>/pass` must build and run,
//! `ui/<attr>/fail` must fail with exactly the `.stderr` next to it.
//! Regenerate with `TRYBUILD=overwrite cargo test -p perf-ui --test ui` after checking the
//! new output.
//!
//! The cases build against this package's dependencies only (see `ui/Cargo.toml`).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/*/pass/*.rs");
    t.compile_fail("tests/ui/*/fail/*.rs");
}
