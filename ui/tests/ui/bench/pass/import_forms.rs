#![deny(warnings)]
// The two ways to name the attribute: imported by name, or by path. (A glob import is ambiguous
// with the prelude's built-in `bench`: see ../fail/glob_import.rs.)
mod by_name {
    use perf_runtime::bench;

    #[bench]
    pub fn by_name() -> u32 {
        1
    }
}

mod by_path {
    #[perf_runtime::bench(name = "forms/by_path")]
    pub fn by_path() -> u32 {
        2
    }
}

fn main() {
    assert_eq!(by_name::by_name() + by_path::by_path(), 3);
    let names: Vec<&str> = perf_runtime::bench::BENCHES.iter().map(|e| e.name).collect();
    for name in [concat!(module_path!(), "::by_name::by_name"), "forms/by_path"] {
        assert!(names.contains(&name), "{name} not in {names:?}");
    }
}
