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

#[path = "../../../../tests/support/areas.rs"]
mod areas;

/// Every `tests/it/*.rs` file is declared as a module above, so no test is silently left out.
#[test]
fn every_area_is_compiled() {
    areas::assert_every_area_declared(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it"),
    );
}
