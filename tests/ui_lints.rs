//! The code the attributes generate is lint-clean. `#![deny(warnings)]` in each UI pass case
//! holds it to rustc's lints (trybuild, `ui/tests/ui.rs`); here the one-line cases, which also set
//! `clippy::pedantic`, are compiled as modules, so that `cargo clippy --all-targets -- -D
//! warnings` holds the generated code of every form to clippy's pedantic lints. Each case's
//! `main` runs as a test.

#[rustfmt::skip]
#[path = "../ui/tests/ui/profile/pass/one_line_forms.rs"]
mod profile;

#[rustfmt::skip]
#[path = "../ui/tests/ui/retry/pass/one_line_forms.rs"]
mod retry;

#[rustfmt::skip]
#[path = "../ui/tests/ui/cached/pass/one_line_forms.rs"]
mod cached;

#[rustfmt::skip]
#[path = "../ui/tests/ui/load/pass/one_line_forms.rs"]
mod load;

#[rustfmt::skip]
#[path = "../ui/tests/ui/bench/pass/one_line_forms.rs"]
mod bench;

#[test]
fn profile_one_line_forms() {
    profile::main();
}

#[test]
fn retry_one_line_forms() {
    retry::main();
}

#[test]
fn cached_one_line_forms() {
    cached::main();
}

#[test]
fn load_one_line_forms() {
    load::main();
}

#[test]
fn bench_one_line_forms() {
    bench::main();
}
