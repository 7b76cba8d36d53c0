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
mod plugin_hints;
mod runtime_program;
mod scale;
mod section_eventlistener;
mod section_fcgi_program;
mod section_group;
mod section_http_servers;
mod section_include;
mod section_program;
mod section_rpcinterface;
mod section_supervisorctl;
mod section_supervisord;

#[path = "../../../../tests/support/areas.rs"]
mod areas;

/// Every `tests/it/*.rs` file is declared as a module above, so no test is silently left out.
#[test]
fn every_area_is_compiled() {
    areas::assert_every_area_declared(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it"),
    );
}
