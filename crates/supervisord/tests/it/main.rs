//! The daemon library's integration tests: one test binary, one module per area (`logs_*`,
//! `spawn_*`, `pidproxy_*`), so `cargo nextest run -p supervisord -E 'test(/logs_capture/)'`
//! selects an area. The harness is `tests/support/`.
//!
//! The benchmarks (`logs_bench`, `spawn_bench`) are `#[ignore = "benchmark"]` tests: run one with
//! `cargo test --release -p supervisord --test it -- --ignored --exact --nocapture
//! spawn_bench::prepare_and_spawn_costs`.
//!
//! `tests/reaper_exits.rs` stays a binary of its own: the reaper calls `waitpid(-1)`, which
//! collects *any* child of the test process, so under `cargo test` (all tests of a binary in one
//! process) it would steal the children of the spawn and pidproxy tests.
//!
//! A new area is a new file here plus its `mod` line below (`every_area_is_compiled` checks).

#[path = "../support/mod.rs"]
mod support;

mod logs_autolog;
mod logs_bench;
mod logs_capture;
mod logs_daemon_log;
mod logs_flood;
mod logs_logfile;
mod pidproxy_signals;
mod spawn_bench;
mod spawn_process;

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
