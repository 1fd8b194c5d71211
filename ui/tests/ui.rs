//! Compile-time behaviour of every attribute: `ui/<attr>/fail` must fail with exactly the
//! `.stderr` next to it. The `ui/<attr>/pass` cases are test targets of the root package, each
//! built and run (see `ui/Cargo.toml`).
//! Regenerate with `TRYBUILD=overwrite cargo test -p perf-ui --test ui` after checking the
//! new output.
//!
//! The cases build against this package's dependencies only (see `ui/Cargo.toml`).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*/fail/*.rs");
}
