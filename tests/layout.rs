//! examples/ and benches/ are packages whose manifests list their targets one by one (their
//! own examples/ and benches/ directories would be examples/examples/, benches/benches/): a file
//! left out of the list would never build or run, so each one must be there.

use std::path::Path;

#[test]
fn every_example_and_bench_file_is_a_target_of_its_package() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in ["examples", "benches"] {
        let manifest = std::fs::read_to_string(root.join(dir).join("Cargo.toml")).unwrap();
        let targets: Vec<&str> = manifest
            .lines()
            .filter_map(|l| l.strip_prefix("path = \"")?.strip_suffix('"'))
            .collect();
        for file in std::fs::read_dir(root.join(dir)).unwrap() {
            let name = file.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".rs") {
                assert!(
                    targets.contains(&name.as_str()),
                    "{dir}/{name} is not a target in {dir}/Cargo.toml, so it never builds or runs"
                );
            }
        }
    }
}
