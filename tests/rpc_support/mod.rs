//! Shared harness of the XML-RPC and HTTP tests (`tests/rpc_*.rs`).
//!
//! A [`Daemon`] is one supervisord (ours or Python's) on a temporary config with a UNIX socket
//! and an inet server with Basic auth. [`Daemon::drive`] runs a list of steps through Python's
//! `xmlrpc.client` (`driver.py`, using Supervisor's own transport as supervisorctl does) and
//! returns what each step gave, normalised so two daemons' answers compare with `==`.
//! [`raw`] sends bytes and reads one HTTP response, for what a well-behaved client never sends.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

#[path = "../common/mod.rs"]
mod common;

/// Our supervisord.
pub const OURS: &str = env!("CARGO_BIN_EXE_supervisord");
/// Python's supervisord (the reference).
pub const PYTHON_SUPERVISORD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/.venv/bin/supervisord");
/// The venv's Python, which has Supervisor's client modules.
pub const PYTHON: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/.venv/bin/python");
/// The step driver.
pub const DRIVER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/rpc_support/driver.py");

/// The inet server's credentials.
pub const USER: &str = "user";
/// The inet server's password.
pub const PASSWORD: &str = "123";

/// Polls `cond` every 10 ms until it holds or `timeout` passes (then panics naming `what`).
pub fn wait_until(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running daemon on a temporary config.
pub struct Daemon {
    /// Temporary directory holding the config, socket and logs.
    pub dir: tempfile::TempDir,
    /// The inet server's port.
    pub port: u16,
    /// Which binary runs.
    pub bin: &'static str,
    child: Option<Child>,
}

/// The config: both servers, a main log, and `programs` (where `{dir}` is the directory).
pub fn config(dir: &Path, port: u16, programs: &str) -> String {
    let d = dir.display();
    format!(
        "[unix_http_server]\nfile={d}/s.sock\n\n\
         [inet_http_server]\nport=127.0.0.1:{port}\nusername={USER}\npassword={PASSWORD}\n\n\
         [supervisord]\nlogfile={d}/supervisord.log\npidfile={d}/supervisord.pid\n\
         childlogdir={d}\nloglevel=info\nidentifier=supervisor\n\n\
         [rpcinterface:supervisor]\n\
         supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n",
    ) + &programs.replace("{dir}", &d.to_string())
}

impl Daemon {
    /// Starts `bin` on a fresh config and waits until its socket answers.
    pub fn start(bin: &'static str, programs: &str) -> Daemon {
        let dir = tempfile::Builder::new().prefix("rpc").tempdir().unwrap();
        let port = free_port();
        let conf = dir.path().join("supervisord.conf");
        std::fs::write(&conf, config(dir.path(), port, programs)).unwrap();
        let child = Command::new(bin)
            .arg("-n")
            .arg("-c")
            .arg(&conf)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start supervisord");
        let d = Daemon {
            dir,
            port,
            bin,
            child: Some(child),
        };
        let sock = d.sock();
        wait_until("the daemon's socket", Duration::from_secs(30), || {
            UnixStream::connect(&sock).is_ok()
        });
        d
    }

    /// The UNIX socket.
    pub fn sock(&self) -> PathBuf {
        self.dir.path().join("s.sock")
    }

    /// The config file.
    pub fn conf(&self) -> PathBuf {
        self.dir.path().join("supervisord.conf")
    }

    /// Rewrites the config's programs (for reread tests).
    pub fn rewrite(&self, programs: &str) {
        std::fs::write(self.conf(), config(self.dir.path(), self.port, programs)).unwrap();
    }

    /// Runs `steps` through Python's client over the UNIX socket.
    pub fn drive(&self, steps: &[Value]) -> Vec<Value> {
        self.drive_via(&format!("unix://{}", self.sock().display()), None, steps)
    }

    /// Runs `steps` over TCP with the given credentials (`None`: send none).
    pub fn drive_tcp(&self, creds: Option<(&str, &str)>, steps: &[Value]) -> Vec<Value> {
        self.drive_via(&format!("http://127.0.0.1:{}", self.port), creds, steps)
    }

    fn drive_via(&self, url: &str, creds: Option<(&str, &str)>, steps: &[Value]) -> Vec<Value> {
        let mut replace = serde_json::Map::new();
        replace.insert(self.dir.path().display().to_string(), json!("<DIR>"));
        let spec = json!({
            "url": url,
            "username": creds.map(|c| c.0),
            "password": creds.map(|c| c.1),
            "replace": replace,
            "steps": steps,
        });
        let mut child = Command::new(PYTHON)
            .arg(DRIVER)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run the driver");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(spec.to_string().as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "driver failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let results: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(results.len(), steps.len());
        results
    }

    /// Whether the daemon process is still running.
    pub fn alive(&mut self) -> bool {
        match &mut self.child {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Waits for the daemon to exit by itself.
    pub fn wait_exit(&mut self) {
        wait_until("the daemon to exit", Duration::from_secs(30), || {
            !self.alive()
        });
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            common::terminate(&mut c, Duration::from_secs(20));
        }
    }
}

/// Starts our daemon and Python's on the same programs, in parallel.
pub fn both(programs: &str) -> (Daemon, Daemon) {
    let p = programs.to_string();
    let python = std::thread::spawn(move || Daemon::start(PYTHON_SUPERVISORD, &p));
    let ours = Daemon::start(OURS, programs);
    (ours, python.join().unwrap())
}

/// A call step.
pub fn call(method: &str, params: Value) -> Value {
    json!({"call": method, "params": params})
}

/// A step that waits until `namespec` is in `state`.
pub fn wait_state(namespec: &str, state: &str) -> Value {
    json!({"wait": namespec, "state": state, "timeout": 30})
}

/// One HTTP response as raw parts.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The status code.
    pub status: u16,
    /// Headers, names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    /// The body (de-chunked when chunked and complete).
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The first header named `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one response from `stream` (Content-Length bodies only, or until EOF).
pub fn read_response(stream: &mut impl Read) -> RawResponse {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(0) => panic!(
                "connection closed in the head: {:?}",
                String::from_utf8_lossy(&buf)
            ),
            Ok(_) => buf.push(byte[0]),
            Err(e) => panic!("read failed: {e}"),
        }
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (k, v) = l.split_once(':').unwrap();
            (k.trim().to_ascii_lowercase(), v.trim().to_string())
        })
        .collect();
    let length = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .map(|(_, v)| v.parse::<usize>().unwrap());
    let mut body = Vec::new();
    match length {
        Some(n) => {
            body.resize(n, 0);
            stream.read_exact(&mut body).unwrap();
        }
        None => {
            let _ = stream.read_to_end(&mut body);
        }
    }
    RawResponse {
        status,
        headers,
        body,
    }
}

/// Sends `request` on a new UNIX-socket connection and reads one response.
pub fn raw(sock: &Path, request: &[u8]) -> RawResponse {
    let mut s = UnixStream::connect(sock).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    // A refused request may be answered before all of it is written.
    let _ = s.write_all(request);
    read_response(&mut s)
}

/// A POST of `body` to `/RPC2` (HTTP/1.1, no keep-alive requested).
pub fn post(body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "POST /RPC2 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\n\
         Connection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

/// A `methodCall` body with `params` as raw `<param>` XML.
pub fn method_call(name: &str, params: &str) -> Vec<u8> {
    format!(
        "<?xml version='1.0'?>\n<methodCall>\n<methodName>{name}</methodName>\n\
         <params>\n{params}</params>\n</methodCall>\n"
    )
    .into_bytes()
}

/// Whether the daemon still answers `getState` with RUNNING on its UNIX socket.
pub fn still_serving(sock: &Path) -> bool {
    let r = raw(sock, &post(&method_call("supervisor.getState", "")));
    r.status == 200 && String::from_utf8_lossy(&r.body).contains("RUNNING")
}
