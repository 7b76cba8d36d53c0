//! The `/metrics` tests' part of the harness: a scrape through Python's `http.client`, parsed by
//! `prometheus_client`'s text parser (`metrics.py`), so what we check is what Prometheus reads.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

use super::daemon::Daemon;
use super::python;

/// The scraper.
const SCRAPER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/metrics.py");

/// One sample as the parser read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The sample's name (`…_total` for a counter).
    pub name: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// Its value.
    pub value: f64,
}

/// One family as the parser read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    /// The family name (the parser drops a counter's `_total`).
    pub name: String,
    /// `counter`, `gauge`, … (`unknown` without a `# TYPE` line).
    pub kind: String,
    /// The `# HELP` text (empty without one).
    pub help: String,
    /// Its samples.
    pub samples: Vec<Sample>,
}

/// One answer of `/metrics`.
#[derive(Debug, Clone)]
pub struct Scrape {
    /// The HTTP status.
    pub status: u16,
    /// The `Content-Type` header.
    pub content_type: String,
    /// The body.
    pub text: String,
    /// The parsed families (empty unless a 200 answer to a GET).
    pub families: Vec<Family>,
}

/// How to ask.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The path.
    pub path: &'a str,
    /// Send the inet server's credentials.
    pub auth: bool,
    /// Over the daemon's UNIX socket instead of its inet server.
    pub unix: bool,
}

/// `GET /metrics` on the inet server, with credentials; change fields with `..GET`.
pub const GET: Request<'static> = Request {
    method: "GET",
    path: "/metrics",
    auth: true,
    unix: false,
};

impl Scrape {
    /// Every sample named `name` (the sample's own name, `…_total` included).
    pub fn samples<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Sample> + 'a {
        self.families
            .iter()
            .flat_map(|f| &f.samples)
            .filter(move |s| s.name == name)
    }

    /// The value of the sample `name` whose labels include `labels`, if there is one.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.samples(name)
            .find(|s| {
                labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|s| s.value)
    }

    /// The value of a process's sample (labels `group` = `name` = `process`, plus `extra`).
    pub fn of(&self, name: &str, process: &str, extra: &[(&str, &str)]) -> Option<f64> {
        let mut labels = vec![("group", process), ("name", process)];
        labels.extend_from_slice(extra);
        self.value(name, &labels)
    }
}

/// `GET /metrics` on `d`'s inet server with its credentials; panics unless the answer is 200 and
/// parses.
pub fn scrape(d: &Daemon) -> Scrape {
    let s = request(d, GET);
    assert_eq!(s.status, 200, "{}", s.text);
    s
}

/// Sends `req` to `d` and parses a 200 answer; panics if the parser refuses it.
pub fn request(d: &Daemon, req: Request<'_>) -> Scrape {
    let mut spec = json!({"method": req.method, "path": req.path});
    if req.unix {
        spec["unix"] = json!(d.sock.display().to_string());
    } else {
        spec["port"] = json!(d.port);
    }
    if req.auth && !req.unix {
        let (user, password) = d.credentials();
        spec["auth"] = json!([user, password]);
    }
    let mut child = Command::new(python())
        .arg(SCRAPER)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the scraper");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(spec.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "scraper failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = v["text"].as_str().unwrap_or_default().to_string();
    assert!(
        v["parse_error"].is_null(),
        "prometheus_client refused the text: {}\n{text}",
        v["parse_error"]
    );
    Scrape {
        status: v["status"].as_u64().unwrap() as u16,
        content_type: v["content_type"].as_str().unwrap_or_default().to_string(),
        families: v["families"]
            .as_array()
            .map(|a| a.iter().map(family).collect())
            .unwrap_or_default(),
        text,
    }
}

fn family(v: &Value) -> Family {
    Family {
        name: v["name"].as_str().unwrap().to_string(),
        kind: v["type"].as_str().unwrap().to_string(),
        help: v["help"].as_str().unwrap_or_default().to_string(),
        samples: v["samples"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| Sample {
                name: s["name"].as_str().unwrap().to_string(),
                labels: s["labels"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                    .collect(),
                value: s["value"].as_f64().unwrap(),
            })
            .collect(),
    }
}

/// One bare HTTP/1.0 request on `d`'s inet server (with its credentials if `auth`): the
/// status and the whole response. Faster than the Python scraper, for status checks and for
/// scraping many times.
pub fn raw(d: &Daemon, method: &str, path: &str, auth: bool) -> (u16, String) {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", d.port)).unwrap();
    stream.set_read_timeout(Some(super::TIMEOUT)).unwrap();
    let mut head = format!("{method} {path} HTTP/1.0\r\nHost: localhost\r\nContent-Length: 0\r\n");
    if auth {
        head.push_str(&format!("Authorization: {}\r\n", d.basic_auth()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, response)
}
