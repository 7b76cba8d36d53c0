//! The one harness of the integration tests (`tests/it/`): every area (`api_*`, `config_*`, `ctl_*`,
//! `daemon_*`, `events_*`, `metrics`, `rpc_*`, `web_*`, `compat_*`) starts daemons, waits and
//! cleans up through this module, so there is one way to do each:
//!
//! - [`wait`] — [`wait_until`](wait::wait_until) / [`wait_for`](wait::wait_for), always
//!   `(timeout, what, condition)`; nothing sleeps a fixed time to "let things settle".
//! - [`port`] — [`free_port`](port::free_port).
//! - [`process`] — [`terminate`](process::terminate) (SIGTERM, grace, SIGKILL) and `/proc`
//!   helpers (children, context switches, RSS).
//! - [`config`] — the config writer every daemon's `supervisord.conf` comes from.
//! - [`daemon`] — [`Daemon`](daemon::Daemon), ours or Python's supervisord on a generated config,
//!   started by one builder, driven over XML-RPC, stopped when dropped.
//! - [`ctl`], [`rpc`] (+ `driver.py`), [`events`], [`sse`], [`api`] (+ `api_conformance.py`),
//!   [`metrics`] (+ `metrics.py`) — what the supervisorctl, XML-RPC, event, JSON API and metrics
//!   areas add on top (golden-run comparison, Python's `xmlrpc.client` driver, listeners, an
//!   event stream client, JSON requests and the OpenAPI check, scrapes parsed by Prometheus's
//!   parser).
//!
//! The Python reference is `$SUPERVISOR_RS_VENV`, else `<repo>/.venv` (made by `scripts/venv`).

pub mod api;
pub mod config;
pub mod ctl;
pub mod daemon;
pub mod events;
pub mod metrics;
pub mod port;
pub mod process;
pub mod rpc;
pub mod sse;
pub mod wait;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub use daemon::{Daemon, Kind};
pub use port::free_port;
pub use wait::{wait_for, wait_until, TIMEOUT};

/// Our supervisord.
pub const SUPERVISORD: &str = env!("CARGO_BIN_EXE_supervisord");
/// Our supervisorctl.
pub const SUPERVISORCTL: &str = env!("CARGO_BIN_EXE_supervisorctl");
/// Our echo_supervisord_conf.
pub const ECHO_SUPERVISORD_CONF: &str = env!("CARGO_BIN_EXE_echo_supervisord_conf");

/// The repository root.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The Python reference's venv: `$SUPERVISOR_RS_VENV`, else `<repo>/.venv`.
pub fn venv() -> &'static Path {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| {
        std::env::var_os("SUPERVISOR_RS_VENV")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo().join(".venv"))
    })
}

/// `name` in the venv's `bin/` (a path that lives for the whole test run).
fn venv_bin(cell: &'static OnceLock<String>, name: &str) -> &'static str {
    cell.get_or_init(|| {
        let path = venv().join("bin").join(name);
        assert!(
            path.is_file(),
            "the Python reference {} is missing: run scripts/venv (or set SUPERVISOR_RS_VENV)",
            path.display()
        );
        path.display().to_string()
    })
}

/// The venv's `bin/` directory (superlance's scripts).
pub fn venv_bin_dir() -> &'static str {
    static P: OnceLock<String> = OnceLock::new();
    P.get_or_init(|| venv().join("bin").display().to_string())
}

/// The venv's Python (Supervisor's modules; helper programs that need signal handling).
pub fn python() -> &'static str {
    static P: OnceLock<String> = OnceLock::new();
    venv_bin(&P, "python")
}

/// Runs the Python script `script` of the test venv with `input` as JSON on its stdin, and
/// returns the JSON it prints (the drivers that speak to a daemon through Python's clients).
pub fn python_json(script: &str, input: &serde_json::Value) -> serde_json::Value {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(python())
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("run {script}: {e}"));
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(input.to_string().as_bytes())
        .expect("write the driver's input");
    let out = child.wait_with_output().expect("wait for the driver");
    assert!(
        out.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the driver prints JSON")
}

/// Python's supervisord 4.3.0, the reference.
pub fn py_supervisord() -> &'static str {
    static P: OnceLock<String> = OnceLock::new();
    venv_bin(&P, "supervisord")
}

/// Python's supervisorctl.
pub fn py_supervisorctl() -> &'static str {
    static P: OnceLock<String> = OnceLock::new();
    venv_bin(&P, "supervisorctl")
}

/// Python's echo_supervisord_conf.
pub fn py_echo_supervisord_conf() -> &'static str {
    static P: OnceLock<String> = OnceLock::new();
    venv_bin(&P, "echo_supervisord_conf")
}

/// A new temporary directory named after `prefix`.
pub fn tempdir(prefix: &str) -> tempfile::TempDir {
    tempfile::Builder::new().prefix(prefix).tempdir().unwrap()
}

/// Writes an executable shell script into `dir`.
pub fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}
