//! The JSON API's OpenAPI document (`GET /api/v1/openapi.json`) is kept true: a scenario that
//! calls every documented operation, with successes and each kind of refusal, runs through
//! `tests/support/api_conformance.py` (Python's `jsonschema`, from the test venv), which
//! checks the document itself and every answer against it. An operation the scenario does
//! not reach, or one the daemon does not serve yet (a 404 for a documented path), fails here.

use serde_json::{json, Value};

use crate::support::api::PROGRAMS;
use crate::support::{rpc, Kind};

/// A request step expecting `status`.
fn step(method: &str, path: &str, body: Option<&str>, status: u16) -> Value {
    let mut s = json!({"method": method, "path": path, "expect": status});
    if let Some(body) = body {
        s["body"] = json!(body);
        s["headers"] = json!({"Content-Type": "application/json"});
    }
    s
}

/// Operations served by another part of the daemon that may not be on this branch yet; they
/// are checked when served (a JSON 404 means "not here yet").
const OPTIONAL: &[&str] = &["/api/v1/events"];

#[test]
fn api_openapi_document_describes_every_answer() {
    let d = rpc::builder(Kind::Ours, PROGRAMS).prefix("api").start();
    for name in ["cat", "g:a", "g:b"] {
        d.wait_state(name, "RUNNING");
    }
    let conf = d.conf.display().to_string();
    let original = std::fs::read_to_string(&d.conf).unwrap();
    let p = "/api/v1/processes";
    let mut steps = vec![
        step("GET", "/api/v1/openapi.json", None, 200),
        step("GET", "/api/v1/state", None, 200),
        step("HEAD", "/api/v1/state", None, 200),
        step("GET", "/api/v1/config", None, 200),
        step("GET", p, None, 200),
        step("GET", &format!("{p}/cat"), None, 200),
        step("GET", &format!("{p}/g:*"), None, 200),
        step("GET", &format!("{p}/all"), None, 200),
        step("GET", &format!("{p}/nope"), None, 404),
        step("GET", &format!("{p}/..%2Fetc"), None, 404),
        // Processes: stdin, logs, signals.
        step(
            "POST",
            &format!("{p}/cat/stdin"),
            Some(r#"{"data": "hi\n"}"#),
            200,
        ),
        step(
            "POST",
            &format!("{p}/idle/stdin"),
            Some(r#"{"data": "x"}"#),
            409,
        ),
        step(
            "POST",
            &format!("{p}/cat/stdin"),
            Some(r#"{"data": 1}"#),
            400,
        ),
        step("GET", &format!("{p}/cat/log"), None, 200),
        step(
            "GET",
            &format!("{p}/cat/log?stream=stderr&offset=0&length=10"),
            None,
            200,
        ),
        step("GET", &format!("{p}/cat/log?offset=-1&length=5"), None, 400),
        step("GET", &format!("{p}/nocmd/log"), None, 404),
        json!({"method": "GET", "path": format!("{p}/cat/log/follow"), "stream": true, "expect": 200}),
        step("GET", &format!("{p}/nocmd/log/follow"), None, 404),
        step("GET", &format!("{p}/cat/log/follow?stream=x"), None, 400),
        step(
            "POST",
            &format!("{p}/g:a/signal"),
            Some(r#"{"signal": "CONT"}"#),
            200,
        ),
        step(
            "POST",
            &format!("{p}/g:*/signal"),
            Some(r#"{"signal": 0}"#),
            200,
        ),
        step(
            "POST",
            &format!("{p}/idle/signal"),
            Some(r#"{"signal": "HUP"}"#),
            409,
        ),
        step(
            "POST",
            &format!("{p}/cat/signal"),
            Some(r#"{"signal": "NOPE"}"#),
            400,
        ),
        // Start, stop, restart: one, a group, all; conflicts and failures.
        step("POST", &format!("{p}/g:a/stop"), Some("{}"), 200),
        step("POST", &format!("{p}/g:a/stop"), Some("{}"), 409),
        step("POST", &format!("{p}/g:a/start?wait=false"), None, 200),
        step("POST", &format!("{p}/cat/start"), Some("{}"), 409),
        step("POST", &format!("{p}/g:*/restart"), Some("{}"), 200),
        step("POST", &format!("{p}/nocmd/start"), Some("{}"), 404),
        step("POST", &format!("{p}/quick/start"), Some("{}"), 502),
        step("POST", &format!("{p}/all/stop"), Some("{}"), 200),
        step("POST", &format!("{p}/all/start?wait=0"), None, 200),
        step("POST", &format!("{p}/idle/restart"), Some("{}"), 200),
        step("POST", &format!("{p}/cat/clear"), Some("{}"), 200),
        step("POST", &format!("{p}/all/clear"), None, 200),
        // The config: reread, update, and a config that does not load.
        step("POST", "/api/v1/reread", None, 200),
        step("POST", "/api/v1/update", Some(r#"{"groups": ["g"]}"#), 200),
        json!({"write": conf, "text": "[program:broken]\n"}),
        step("POST", "/api/v1/reread", Some("{}"), 422),
        step("POST", "/api/v1/update", None, 422),
        json!({"write": conf, "text": original}),
        // Refusals that never reach the owner.
        step("GET", "/api/v1/nope", None, 404),
        step("POST", "/api/v1/state", Some("{}"), 405),
        step("GET", &format!("{p}/cat/stop"), None, 405),
        step("POST", &format!("{p}/cat/clear?x=1"), Some("{}"), 400),
        step("POST", &format!("{p}/cat/signal"), Some("{"), 400),
        json!({"method": "POST", "path": format!("{p}/cat/clear"), "body": "a=b",
               "headers": {"Content-Type": "application/x-www-form-urlencoded"}, "expect": 415}),
        json!({"method": "POST", "path": format!("{p}/cat/clear"), "body": "{}",
               "headers": {"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"},
               "expect": 403}),
        json!({"method": "POST", "path": format!("{p}/cat/stdin"),
               "body": "x".repeat(3 * 1024 * 1024),
               "headers": {"Content-Type": "application/json"}, "expect": 413}),
        json!({"method": "GET", "path": p, "auth": false, "expect": 401}),
        json!({"method": "POST", "path": "/api/v1/reread", "auth": false, "expect": 401}),
    ];
    steps
        .push(json!({"method": "GET", "path": "/api/v1/events", "stream": true, "optional": true}));
    let report = d.conformance(&steps);
    let failures = report["failures"].as_array().unwrap();
    assert!(
        failures.is_empty(),
        "answers that do not conform to openapi.json:\n{}",
        failures
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect::<Vec<_>>()
            .join("\n")
    );
    let covered = report["covered"].as_array().unwrap();
    for op in report["operations"].as_array().unwrap() {
        let template = op[1].as_str().unwrap();
        assert!(
            covered.contains(op) || OPTIONAL.contains(&template),
            "no step exercises {op}"
        );
    }
}
