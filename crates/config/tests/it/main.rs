//! The config crate's integration tests: one test binary, one module per area (`errors`,
//! `expansion`, `ini_vs_python`, `section_*`), so `cargo nextest run -p supervisor-config -E
//! 'test(/section_program/)'` selects an area. The shared fixtures are `tests/support/`.
//!
//! A new area is a new file here plus its `mod` line below (`every_area_is_compiled` checks).

#[path = "../support/mod.rs"]
mod support;

mod errors;
mod expansion;
mod ini_vs_python;
mod section_eventlistener;
mod section_fcgi_program;
mod section_group;
mod section_http_servers;
mod section_include;
mod section_program;
mod section_rpcinterface;
mod section_supervisorctl;
mod section_supervisord;

/// Every `tests/it/*.rs` file is declared as a module above, so no test is silently left out.
#[test]
fn every_area_is_compiled() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it");
    let main = std::fs::read_to_string(dir.join("main.rs")).unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if let Some(area) = name.strip_suffix(".rs").filter(|a| *a != "main") {
            assert!(
                main.contains(&format!("\nmod {area};\n")),
                "tests/it/{name} is not declared in tests/it/main.rs"
            );
        }
    }
}
