//! The JSON API tests' part of the harness (`api_*`): requests to `/api/v1/…` over the UNIX
//! socket (no credentials) or the inet server (with or without them), answers parsed as JSON,
//! and [`Daemon::conformance`], which runs a list of requests through
//! `api_conformance.py` to check each answer against the daemon's own OpenAPI document.

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{json, Value};

use super::daemon::Daemon;
use super::python_json;
use super::rpc::{raw, read_response, RawResponse, PASSWORD, USER};

/// The JSON API tests' programs: `cat` (echoes its stdin to its log), a group `g` of two sleepers, a stopped sleeper, a
/// program that exits at once and one whose command does not exist (and that logs nowhere).
pub const PROGRAMS: &str = "\
[program:cat]
command=cat

[program:a]
command=sleep 1000

[program:b]
command=sleep 1000

[group:g]
programs=a,b

[program:idle]
command=sleep 1000
autostart=false

[program:quick]
command=/bin/sh -c \"exit 3\"
autostart=false
startsecs=1
startretries=0

[program:nocmd]
command=/nonexistent/command
autostart=false
stdout_logfile=NONE
stderr_logfile=NONE
";

/// The conformance driver.
pub const CONFORMANCE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/support/api_conformance.py"
);

/// One answer of the JSON API.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The raw response.
    pub raw: RawResponse,
}

impl Reply {
    /// The body as JSON (panics, with the body, if it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.raw.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}",
                String::from_utf8_lossy(&self.raw.body)
            )
        })
    }

    /// A header (name in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.raw.header(name)
    }

    /// `(status, error code)` of an error answer.
    pub fn error(&self) -> (u16, String) {
        let body = self.json();
        let code = body["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("not an error body: {body}"))
            .to_string();
        assert!(
            body["error"]["message"].is_string(),
            "an error has a message: {body}"
        );
        (self.status, code)
    }
}

/// The bytes of one HTTP/1.1 request that closes the connection after the answer.
fn request_bytes(method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if method == "POST" || !body.is_empty() {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

impl Daemon {
    /// `method path` over the UNIX socket; a body is sent as `application/json`.
    pub fn api(&self, method: &str, path: &str, body: Option<&str>) -> Reply {
        match body {
            Some(b) => self.api_raw(
                method,
                path,
                &[("Content-Type", "application/json")],
                b.as_bytes(),
            ),
            None => self.api_raw(method, path, &[], b""),
        }
    }

    /// `GET path` over the UNIX socket, expecting `200` and JSON.
    pub fn api_get(&self, path: &str) -> Value {
        let reply = self.api("GET", path, None);
        assert_eq!(
            reply.status,
            200,
            "GET {path}: {}",
            String::from_utf8_lossy(&reply.raw.body)
        );
        reply.json()
    }

    /// `POST path` with a JSON body over the UNIX socket, expecting `200` and JSON.
    pub fn api_post(&self, path: &str, body: &str) -> Value {
        let reply = self.api("POST", path, Some(body));
        assert_eq!(
            reply.status,
            200,
            "POST {path}: {}",
            String::from_utf8_lossy(&reply.raw.body)
        );
        reply.json()
    }

    /// Any request over the UNIX socket, headers and body as given.
    pub fn api_raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        let raw = raw(&self.sock, &request_bytes(method, path, headers, body));
        Reply {
            status: raw.status,
            raw,
        }
    }

    /// Any request over the inet server, with its credentials when `auth`.
    pub fn api_tcp(&self, method: &str, path: &str, headers: &[(&str, &str)], auth: bool) -> Reply {
        let credentials = self.basic_auth();
        let mut all: Vec<(&str, &str)> = headers.to_vec();
        if auth {
            all.push(("Authorization", &credentials));
        }
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let _ = s.write_all(&request_bytes(method, path, &all, b""));
        let raw = read_response(&mut s);
        Reply {
            status: raw.status,
            raw,
        }
    }

    /// Runs `steps` through the conformance driver over the inet server; returns its report
    /// (`failures`, `covered`, `operations`).
    pub fn conformance(&self, steps: &[Value]) -> Value {
        let spec = json!({
            "url": self.http_url(),
            "username": USER,
            "password": PASSWORD,
            "steps": steps,
        });
        python_json(CONFORMANCE, &spec)
    }
}

/// An XML-RPC value as the JSON the API answers for it (to compare the two APIs' answers).
pub fn to_json(v: &supervisor_xmlrpc::Value) -> Value {
    use supervisor_xmlrpc::Value as X;
    match v {
        X::Int(i) => json!(i),
        X::I8(i) => json!(i),
        X::Bool(b) => json!(b),
        X::String(s) => json!(s),
        X::Double(d) => json!(d),
        X::Array(items) => Value::Array(items.iter().map(to_json).collect()),
        X::Struct(s) => Value::Object(s.iter().map(|(k, v)| (k.to_string(), to_json(v))).collect()),
        X::Nil => Value::Null,
        other => panic!("no JSON for {}", other.type_name()),
    }
}
