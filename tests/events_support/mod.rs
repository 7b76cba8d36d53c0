//! Shared harness of the event tests (`tests/events_*.rs`): a daemon (ours or Python's) on a
//! temporary config, a recording event listener, and an XML-RPC helper.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../common/mod.rs"]
mod common;

/// Our supervisord.
pub const OURS: &str = env!("CARGO_BIN_EXE_supervisord");
/// Python's supervisord.
pub const PYTHON_SUPERVISORD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/.venv/bin/supervisord");
/// The reference venv's Python (for listeners and RPC calls).
pub const PYTHON: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/.venv/bin/python");
/// The reference venv's bin directory (superlance's scripts).
pub const VENV_BIN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/.venv/bin");

/// A listener that records every envelope it receives, one JSON string per line, reading
/// stdin as text exactly as `supervisor.childutils` does (`len` counts characters).
pub const RECORDER: &str = r#"
import io, json, sys
out = open(sys.argv[1], 'a', encoding='utf-8')
stdin = io.TextIOWrapper(sys.stdin.buffer, encoding='utf-8', newline='')
while True:
    sys.stdout.write('READY\n'); sys.stdout.flush()
    line = stdin.readline()
    if not line:
        break
    headers = dict(x.split(':', 1) for x in line.split())
    payload = stdin.read(int(headers['len']))
    out.write(json.dumps(line + payload) + '\n'); out.flush()
    sys.stdout.write('RESULT 2\nOK'); sys.stdout.flush()
"#;

/// Runs one XML-RPC call through Python's `xmlrpc.client` on a UNIX socket; returns the
/// result as JSON text, or `Err` with the fault.
pub const RPC: &str = r#"
import json, sys, xmlrpc.client
from supervisor.xmlrpc import SupervisorTransport
sock, method, args = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
proxy = xmlrpc.client.ServerProxy('http://127.0.0.1', SupervisorTransport('', '', 'unix://' + sock))
try:
    print(json.dumps(getattr(proxy, method)(*args)))
except xmlrpc.client.Fault as f:
    print('FAULT %s %s' % (f.faultCode, f.faultString)); sys.exit(1)
"#;

/// Polls `cond` every 20 ms until it holds or `timeout` passes (then panics naming `what`).
pub fn wait_until(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        if Instant::now() > deadline {
            panic!("timed out waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A running daemon on a temporary config.
pub struct Daemon {
    /// Temporary directory holding the config, socket, logs and scripts.
    pub dir: tempfile::TempDir,
    /// The config file.
    pub conf: PathBuf,
    bin: String,
    child: Option<Child>,
}

/// The `[supervisord]`, server and RPC sections; `sections` is appended.
pub fn config_text(dir: &Path, sections: &str) -> String {
    format!(
        "[unix_http_server]\nfile={d}/s.sock\n\n\
         [supervisord]\nlogfile={d}/supervisord.log\npidfile={d}/supervisord.pid\n\
         childlogdir={d}\nloglevel=info\nidentifier=golden\n\n\
         [rpcinterface:supervisor]\n\
         supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n\
         [supervisorctl]\nserverurl=unix://{d}/s.sock\n\n{sections}",
        d = dir.display()
    )
}

impl Daemon {
    /// A temporary directory for a daemon; write scripts there before [`Daemon::start_in`].
    pub fn dir() -> tempfile::TempDir {
        tempfile::Builder::new().prefix("events").tempdir().unwrap()
    }

    /// Writes the config (`sections` after the common part, `{dir}` replaced by the temporary
    /// directory) and starts `bin` in the foreground, waiting until it answers.
    pub fn start_in(dir: tempfile::TempDir, bin: &str, sections: &str) -> Daemon {
        let conf = dir.path().join("supervisord.conf");
        let sections = sections.replace("{dir}", &dir.path().display().to_string());
        std::fs::write(&conf, config_text(dir.path(), &sections)).unwrap();
        let child = Command::new(bin)
            .arg("-n")
            .arg("-c")
            .arg(&conf)
            .env(
                "PATH",
                format!("{VENV_BIN}:{}", std::env::var("PATH").unwrap_or_default()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start supervisord");
        let d = Daemon {
            dir,
            conf,
            bin: bin.to_string(),
            child: Some(child),
        };
        let sock = d.sock();
        wait_until("the daemon's socket", Duration::from_secs(20), || {
            std::os::unix::net::UnixStream::connect(&sock).is_ok()
        });
        d
    }

    /// The UNIX socket path.
    pub fn sock(&self) -> PathBuf {
        self.dir.path().join("s.sock")
    }

    /// A file in the daemon's directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Calls `method` with JSON `args` through Python's XML-RPC client.
    pub fn rpc(&self, method: &str, args: &str) -> Result<String, String> {
        let out = Command::new(PYTHON)
            .arg("-c")
            .arg(RPC)
            .arg(self.sock())
            .arg(method)
            .arg(args)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if out.status.success() {
            Ok(text)
        } else {
            Err(format!("{text}{}", String::from_utf8_lossy(&out.stderr)))
        }
    }

    /// The state name of process `namespec`.
    pub fn state(&self, namespec: &str) -> String {
        let info = self
            .rpc("supervisor.getProcessInfo", &format!("[\"{namespec}\"]"))
            .unwrap_or_default();
        let v: serde_json::Value = serde_json::from_str(&info).unwrap_or_default();
        v["statename"].as_str().unwrap_or_default().to_string()
    }

    /// Waits until process `namespec` is in state `statename`.
    pub fn wait_state(&self, namespec: &str, statename: &str, timeout: Duration) {
        wait_until(&format!("{namespec} to be {statename}"), timeout, || {
            self.state(namespec) == statename
        });
    }

    /// The daemon's main log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.path("supervisord.log")).unwrap_or_default()
    }

    /// Rewrites the config's sections (for reloadConfig).
    pub fn rewrite(&self, sections: &str) {
        let sections = sections.replace("{dir}", &self.dir.path().display().to_string());
        std::fs::write(&self.conf, config_text(self.dir.path(), &sections)).unwrap();
    }

    /// Which daemon this is (for messages).
    pub fn bin(&self) -> &str {
        &self.bin
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            common::terminate(&mut c, Duration::from_secs(15));
        }
    }
}

/// One envelope as a listener received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// Header tokens, in order.
    pub headers: Vec<(String, String)>,
    /// The payload text.
    pub payload: String,
}

impl Envelope {
    /// A header's value.
    pub fn get(&self, key: &str) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {key} in {self:?}"))
    }

    /// A header's integer value.
    pub fn num(&self, key: &str) -> i64 {
        self.get(key).parse().unwrap()
    }
}

/// Reads what the recorder wrote to `path`.
pub fn read_records(path: &Path) -> Vec<Envelope> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(|l| {
            let full: String = serde_json::from_str(l).unwrap();
            let (line, payload) = full.split_once('\n').unwrap();
            let headers = line
                .split(' ')
                .map(|t| {
                    let (k, v) = t.split_once(':').unwrap();
                    (k.to_string(), v.to_string())
                })
                .collect();
            Envelope {
                headers,
                payload: payload.to_string(),
            }
        })
        .collect()
}
