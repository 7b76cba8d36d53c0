//! The integration tests: one test binary (one link on CI instead of one per area), one module
//! per area, so a test's name says what it covers (`daemon_signals::…`) and
//! `cargo nextest run -E 'test(/daemon_signals/)'` selects an area. Every area uses the one
//! harness in `tests/support/`.
//!
//! A new area is a new file here plus its `mod` line below (a file without one is not compiled:
//! `every_area_is_compiled` checks).

#[path = "../support/mod.rs"]
mod support;

mod api_json;
mod api_openapi;
mod compat_ctl_daemons;
mod config_diff;
mod ctl_errors;
mod ctl_json;
mod ctl_lifecycle;
mod ctl_readonly;
mod ctl_update;
mod daemon_diff;
mod daemon_faults;
mod daemon_lifecycle;
mod daemon_logs;
mod daemon_signals;
mod daemon_startup;
mod echo_conf;
mod events_burst;
mod events_golden;
mod events_stream;
mod events_superlance;
mod hostile;
mod metrics;
mod rpc_compat;
mod rpc_http;
mod rpc_twiddler;
mod web_http;

#[path = "../support/areas.rs"]
mod areas;

/// Every `tests/it/*.rs` file is declared as a module above, so no test is silently left out.
#[test]
fn every_area_is_compiled() {
    areas::assert_every_area_declared(&support::repo().join("tests/it"));
}
