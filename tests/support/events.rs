//! The event tests' part of the harness (`events_*`): the daemon config (ours or Python's),
//! a recording event listener, and an XML-RPC helper through Python's client.

use std::path::Path;
use std::process::Command;

use super::daemon::{Daemon, Kind};
use super::{python, venv_bin_dir};

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

/// A temporary directory for a daemon; write scripts there before [`start_in`].
pub fn dir() -> tempfile::TempDir {
    super::tempdir("events")
}

/// Writes the config (`sections` after the common part: UNIX socket, `loglevel=info`,
/// `identifier=golden`, a `[supervisorctl]` section; `{dir}` replaced by the directory) and
/// starts `kind`'s daemon in the foreground with the venv's scripts on its `PATH`, waiting until
/// it answers.
pub fn start_in(dir: tempfile::TempDir, kind: Kind, sections: &str) -> Daemon {
    Daemon::builder(sections)
        .kind(kind)
        .in_dir(dir)
        .config(|c| {
            c.childlogdir = "";
            c.loglevel = Some("info".into());
            c.identifier = Some("golden".into());
            c.supervisorctl = true;
        })
        .env(
            "PATH",
            &format!(
                "{}:{}",
                venv_bin_dir(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .grace(std::time::Duration::from_secs(15))
        .start()
}

impl Daemon {
    /// Calls `method` with JSON `args` through Python's XML-RPC client.
    pub fn rpc(&self, method: &str, args: &str) -> Result<String, String> {
        let out = Command::new(python())
            .arg("-c")
            .arg(RPC)
            .arg(&self.sock)
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
