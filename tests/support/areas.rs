//! The guard every integration-test binary runs: each `tests/it/*.rs` file is declared as a
//! module in `tests/it/main.rs`, so no area is silently left out of the build. Shared by path
//! with the library crates' `tests/it/main.rs`.

use std::path::Path;

/// Panics naming the first file of `it_dir` that `it_dir/main.rs` does not declare.
pub fn assert_every_area_declared(it_dir: &Path) {
    let main = std::fs::read_to_string(it_dir.join("main.rs")).unwrap();
    for entry in std::fs::read_dir(it_dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if let Some(area) = name.strip_suffix(".rs").filter(|a| *a != "main") {
            assert!(
                main.contains(&format!("\nmod {area};\n")),
                "{}/{name} is not declared in its main.rs",
                it_dir.display()
            );
        }
    }
}
