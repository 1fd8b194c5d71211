//! `tens!(inner)` expands to ten modules `m0`..`m9`, each holding `inner!()`, and a
//! `call_all()` that calls every module's `call_all()`. Nested (`inner` itself calling
//! `tens!`), it makes 100 or 1,000 profiled fns, each named by its module path: what the
//! benches and tests that need many fns build on (each includes this file with `#[path]` and
//! `#[macro_use]`, before the macros that use it).

macro_rules! tens {
    ($inner:ident) => {
        tens!(@ $inner m0 m1 m2 m3 m4 m5 m6 m7 m8 m9);
    };
    (@ $inner:ident $($m:ident)*) => {
        $(pub mod $m { $inner!(); })*
        pub fn call_all() {
            $($m::call_all();)*
        }
    };
}
