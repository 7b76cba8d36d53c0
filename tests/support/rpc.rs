//! The XML-RPC and HTTP tests' part of the harness (`rpc_*`).
//!
//! The daemon (ours or Python's) has a UNIX socket and an inet server with Basic auth.
//! [`Daemon::drive`] runs a list of steps through Python's `xmlrpc.client` (`driver.py`, using
//! Supervisor's own transport as supervisorctl does) and returns what each step gave,
//! normalised so two daemons' answers compare with `==`; [`compare`] runs the same steps on
//! both and reports every step whose answers differ (as [`Expect`] says they may). [`raw`]
//! sends bytes and reads one HTTP response, for what a well-behaved client never sends.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};

use super::daemon::{Builder, Daemon, Kind};
use super::python_json;

/// The step driver.
pub const DRIVER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/driver.py");

/// The inet server's credentials.
pub const USER: &str = "user";
/// The inet server's password.
pub const PASSWORD: &str = "123";

/// The RPC tests' daemon: both servers, `loglevel=info`, `identifier=supervisor`, child logs
/// in the directory, which is also its working directory.
pub fn builder(kind: Kind, programs: &str) -> Builder {
    Daemon::builder(programs)
        .kind(kind)
        .prefix("rpc")
        .inet(USER, PASSWORD, "")
        .config(|c| {
            c.childlogdir = "";
            c.loglevel = Some("info".into());
            c.identifier = Some("supervisor".into());
        })
        .cwd_in_dir()
        .ready_timeout(Duration::from_secs(30))
        .timeout(Duration::from_secs(30))
        .grace(Duration::from_secs(20))
}

/// Starts `kind`'s daemon on the RPC config and waits until it answers.
pub fn start(kind: Kind, programs: &str) -> Daemon {
    builder(kind, programs).start()
}

/// Starts our daemon and Python's on the same programs, in parallel.
pub fn both(programs: &str) -> (Daemon, Daemon) {
    let p = programs.to_string();
    let python = std::thread::spawn(move || start(Kind::Python, &p));
    let ours = start(Kind::Ours, programs);
    (ours, python.join().unwrap())
}

impl Daemon {
    /// Runs `steps` through Python's client over the UNIX socket.
    pub fn drive(&self, steps: &[Value]) -> Vec<Value> {
        self.drive_via(&format!("unix://{}", self.sock.display()), None, steps)
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
        let results: Vec<Value> = serde_json::from_value(python_json(DRIVER, &spec)).unwrap();
        assert_eq!(results.len(), steps.len());
        results
    }
}

/// A call step.
pub fn call(method: &str, params: Value) -> Value {
    json!({"call": method, "params": params})
}

/// A step that waits until `namespec` is in `state`.
pub fn wait_state(namespec: &str, state: &str) -> Value {
    json!({"wait": namespec, "state": state, "timeout": 30})
}

/// How one step's results are compared.
pub enum Expect {
    /// Exactly Python's result.
    Same,
    /// Python's result as a multiset (arrays whose order depends on timing).
    Unordered,
    /// We answer this (a documented fix); Python's answer is not compared.
    Ours(Value),
    /// Python's result with `key` added to every struct of the array (compat keys, Q36).
    PlusKey(&'static str),
    /// Python's result, except for the named process, a child that exits at once: Python reaps
    /// once right after spawning it, and whether the child has died by then is a race in Python
    /// itself. Caught there, it is a SPAWN_ERROR in process order; missed, it is OK (`wait`
    /// false) or a SPAWN_ERROR reported when it settles, after the others (`wait` true). Its
    /// row must be OK or SPAWN_ERROR, anywhere; every other row is compared in order.
    SpawnRace(&'static str),
}

/// A step whose result must be exactly Python's.
pub fn same(step: Value) -> (Value, Expect) {
    (step, Expect::Same)
}

fn sorted(v: &Value) -> Vec<String> {
    let mut items: Vec<String> = v
        .get("ok")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(Value::to_string).collect())
        .unwrap_or_default();
    items.sort();
    items
}

fn without_key(v: &Value, key: &str) -> Value {
    let mut v = v.clone();
    if let Some(rows) = v.get_mut("ok").and_then(Value::as_array_mut) {
        for row in rows {
            if let Some(obj) = row.as_object_mut() {
                obj.remove(key);
            }
        }
    }
    v
}

/// `v` with the row of process `name` moved to the end and its status blurred when it is one
/// of the two outcomes of the spawn race (see [`Expect::SpawnRace`]).
fn without_spawn_race(v: &Value, name: &str) -> Value {
    let mut v = v.clone();
    let spawn_error = format!("SPAWN_ERROR: {name}");
    for row in v
        .get_mut("ok")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        let Some(obj) = row.as_object_mut() else {
            continue;
        };
        if obj.get("name").and_then(Value::as_str) != Some(name) {
            continue;
        }
        let outcome = (
            obj.get("status").and_then(Value::as_i64),
            obj.get("description").and_then(Value::as_str),
        );
        if outcome == (Some(80), Some("OK")) || outcome == (Some(50), Some(spawn_error.as_str())) {
            obj.insert("status".into(), json!("OK or SPAWN_ERROR"));
            obj.insert("description".into(), json!("OK or SPAWN_ERROR"));
        }
    }
    if let Some(rows) = v.get_mut("ok").and_then(Value::as_array_mut) {
        let is_it = |r: &Value| r.get("name").and_then(Value::as_str) == Some(name);
        if let Some(pos) = rows.iter().position(is_it) {
            let row = rows.remove(pos);
            rows.push(row);
        }
    }
    v
}

/// Runs `steps` on both daemons (`drive` picks the transport) and reports every mismatch.
pub fn compare(
    ours: &Daemon,
    python: &Daemon,
    steps: Vec<(Value, Expect)>,
    drive: impl Fn(&Daemon, &[Value]) -> Vec<Value> + Sync,
) {
    let plain: Vec<Value> = steps.iter().map(|(s, _)| s.clone()).collect();
    let (got, want) = std::thread::scope(|scope| {
        let py = scope.spawn(|| drive(python, &plain));
        let got = drive(ours, &plain);
        (got, py.join().unwrap())
    });
    let mut problems = Vec::new();
    for (((step, expect), got), want) in steps.iter().zip(&got).zip(&want) {
        let ok = match expect {
            Expect::Same => got == want,
            Expect::Unordered => got.get("ok").is_some() && sorted(got) == sorted(want),
            Expect::Ours(v) => got == v,
            Expect::PlusKey(key) => {
                let has_key = got
                    .get("ok")
                    .and_then(Value::as_array)
                    .is_some_and(|rows| rows.iter().all(|r| r.get(*key).is_some()));
                has_key && without_key(got, key) == *want
            }
            Expect::SpawnRace(name) => {
                got.get("ok").is_some()
                    && without_spawn_race(got, name) == without_spawn_race(want, name)
            }
        };
        if !ok {
            problems.push(format!("step {step}\n   python: {want}\n   ours:   {got}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
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
