//! The JSON API (`/api/v1`, issue 15) against our daemon with real processes: every endpoint
//! gives the same answers as its XML-RPC equivalent (process and config objects, faults as
//! error codes, the effects of actions), logs read and followed, reread and update, and every
//! kind of bad request refused with a JSON error (never a 500, never HTML).
//!
//! Each test starts its own daemon (UNIX socket without auth, inet server with it) and speaks
//! raw HTTP/1.1 to it (`support::api`), so statuses and headers are visible.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use serde_json::{json, Value};
use supervisor_xmlrpc::Value as X;

use crate::support::api::{to_json, PROGRAMS};
use crate::support::daemon::CallError;
use crate::support::{rpc, wait_for, wait_until, Daemon, Kind, TIMEOUT};

/// Our daemon on [`PROGRAMS`], with everything that autostarts RUNNING.
fn start() -> Daemon {
    let d = rpc::builder(Kind::Ours, PROGRAMS).prefix("api").start();
    for name in ["cat", "g:a", "g:b"] {
        d.wait_state(name, "RUNNING");
    }
    d
}

/// The fault name XML-RPC answers `method(params)` with.
fn fault(d: &Daemon, method: &str, params: &[X]) -> String {
    match d.try_call(method, params) {
        Err(CallError::Fault(code, _)) => supervisor_xmlrpc::fault_name(code).to_string(),
        other => panic!("{method}: expected a fault, got {other:?}"),
    }
}

/// A process object without what changes from one second to the next (`now`, the uptime in
/// `description`), so two reads compare equal.
fn stable(mut p: Value) -> Value {
    let obj = p.as_object_mut().expect("a process object");
    obj.remove("now");
    // What a running tree uses moves; whether it is measured does not.
    let measured = obj["resources"].is_object();
    obj.insert("resources".into(), json!(measured));
    let description = obj["description"].as_str().unwrap_or_default().to_string();
    let kept = description.split(", uptime").next().unwrap_or_default();
    obj.insert("description".into(), json!(kept));
    p
}

/// What the JSON process object must be for an XML-RPC `getProcessInfo` struct: the same
/// keys and values plus `namespec` and `resources`.
fn expected(info: &X) -> Value {
    let mut p = to_json(info);
    let obj = p.as_object_mut().unwrap();
    let (group, name) = (
        obj["group"].as_str().unwrap(),
        obj["name"].as_str().unwrap(),
    );
    let namespec = if group == name {
        name.to_string()
    } else {
        format!("{group}:{name}")
    };
    obj.insert("namespec".into(), json!(namespec));
    // Measured (an object) exactly when the process runs.
    let running = obj["pid"].as_i64().unwrap_or(0) > 0;
    let resources = if running { json!({}) } else { Value::Null };
    obj.insert("resources".into(), resources);
    stable(p)
}

#[test]
fn api_state_and_processes_match_xmlrpc() {
    let d = start();
    let state = d.api_get("/api/v1/state");
    let xml_state = to_json(&d.call("supervisor.getState", &[]));
    assert_eq!(state["statecode"], xml_state["statecode"]);
    assert_eq!(state["statename"], xml_state["statename"]);
    assert_eq!(
        state["identification"],
        to_json(&d.call("supervisor.getIdentification", &[]))
    );
    assert_eq!(state["pid"], to_json(&d.call("supervisor.getPID", &[])));
    assert_eq!(
        state["api_version"],
        to_json(&d.call("supervisor.getAPIVersion", &[]))
    );
    assert_eq!(
        state["supervisor_version"],
        to_json(&d.call("supervisor.getSupervisorVersion", &[]))
    );
    assert!(state["version"].is_string());

    let all = d.api_get("/api/v1/processes")["processes"].clone();
    let xml_all = d.call("supervisor.getAllProcessInfo", &[]);
    let want: Vec<Value> = xml_all.as_array().unwrap().iter().map(expected).collect();
    let got: Vec<Value> = all
        .as_array()
        .unwrap()
        .iter()
        .cloned()
        .map(stable)
        .collect();
    assert_eq!(got, want, "GET /api/v1/processes == getAllProcessInfo");
    let keys: Vec<&String> = all[0].as_object().unwrap().keys().collect();
    assert_eq!(
        keys.len(),
        16,
        "getProcessInfo's 14 keys + namespec + resources: {keys:?}"
    );

    for spec in ["cat", "g:a", "idle"] {
        let one = d.api_get(&format!("/api/v1/processes/{spec}"));
        let xml = d.call("supervisor.getProcessInfo", &[X::from(spec)]);
        assert_eq!(stable(one), expected(&xml), "{spec}");
    }
    let group = d.api_get("/api/v1/processes/g:*")["processes"].clone();
    let names: Vec<&str> = group
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["namespec"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["g:a", "g:b"]);
    let every = d.api_get("/api/v1/processes/all")["processes"].clone();
    assert_eq!(every.as_array().unwrap().len(), want.len());

    for spec in ["nope", "g:nope", "nope:*", "g"] {
        let reply = d.api("GET", &format!("/api/v1/processes/{spec}"), None);
        assert_eq!(reply.error(), (404, "BAD_NAME".into()), "{spec}");
        if !spec.ends_with('*') {
            assert_eq!(
                fault(&d, "supervisor.getProcessInfo", &[X::from(spec)]),
                "BAD_NAME"
            );
        }
    }
}

#[test]
fn api_config_matches_get_all_config_info() {
    let d = start();
    let config = d.api_get("/api/v1/config");
    let xml = to_json(&d.call("supervisor.getAllConfigInfo", &[]));
    assert_eq!(config["processes"], xml);
}

/// The namespecs of an action's outcomes, each checked to be a success.
fn succeeded(answer: &Value) -> Vec<String> {
    answer["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            assert_eq!(
                (r["status"].as_i64(), r["code"].as_str()),
                (Some(80), Some("SUCCESS")),
                "{r}"
            );
            assert_eq!(r["description"], "OK");
            r["namespec"].as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn api_actions_do_what_xmlrpc_does() {
    let d = start();
    let stop = d.api_post("/api/v1/processes/g:a/stop", "{}");
    assert_eq!(succeeded(&stop), ["g:a"]);
    assert_eq!(d.state("g:a"), "STOPPED");
    let again = d.api("POST", "/api/v1/processes/g:a/stop", Some("{}"));
    assert_eq!(again.error(), (409, "NOT_RUNNING".into()));
    assert_eq!(
        fault(&d, "supervisor.stopProcess", &[X::from("g:a")]),
        "NOT_RUNNING"
    );

    // Without waiting: answered before RUNNING, which comes later.
    let started = d.api_post("/api/v1/processes/g:a/start?wait=false", "");
    assert_eq!(succeeded(&started), ["g:a"]);
    let first = d.wait_state("g:a", "RUNNING");
    let again = d.api("POST", "/api/v1/processes/g:a/start", None);
    assert_eq!(again.error(), (409, "ALREADY_STARTED".into()));
    assert_eq!(
        fault(&d, "supervisor.startProcess", &[X::from("g:a")]),
        "ALREADY_STARTED"
    );
    let restarted = d.api_post("/api/v1/processes/g:a/restart", "{}");
    assert_eq!(succeeded(&restarted), ["g:a"]);
    let second = d.info("g:a");
    assert_eq!(second.state, "RUNNING");
    assert_ne!(second.pid, first.pid, "restart makes a new process");

    // A group, then everything: one outcome per process, in XML-RPC's order.
    let stopped = d.api_post("/api/v1/processes/g:*/stop", "{}");
    assert_eq!(succeeded(&stopped), ["g:a", "g:b"]);
    let started = d.api_post("/api/v1/processes/g:/start", "{}");
    assert_eq!(succeeded(&started), ["g:a", "g:b"]);
    let stopped = d.api_post("/api/v1/processes/all/stop", "{}");
    let mut names = succeeded(&stopped);
    names.sort();
    assert_eq!(names, ["cat", "g:a", "g:b"]);
    for p in d.all_info() {
        assert_ne!(p.state, "RUNNING", "{}", p.name);
    }
    let started = d.api_post("/api/v1/processes/all/restart", "{}");
    let results = started["results"].as_array().unwrap();
    // Everything is started again; the programs that cannot start say why.
    let code_of = |name: &str| {
        results
            .iter()
            .find(|r| r["name"] == name)
            .map(|r| r["code"].as_str().unwrap().to_string())
    };
    assert_eq!(code_of("cat").as_deref(), Some("SUCCESS"));
    assert_eq!(code_of("idle").as_deref(), Some("SUCCESS"));
    assert_eq!(code_of("nocmd").as_deref(), Some("NO_FILE"));
    assert_eq!(d.state("idle"), "RUNNING");

    // Failures of a single process: the fault names are XML-RPC's.
    let nocmd = d.api("POST", "/api/v1/processes/nocmd/start", Some("{}"));
    assert_eq!(nocmd.error(), (404, "NO_FILE".into()));
    assert_eq!(
        fault(&d, "supervisor.startProcess", &[X::from("nocmd")]),
        "NO_FILE"
    );
    let quick = d.api("POST", "/api/v1/processes/quick/start", Some("{}"));
    let (status, code) = quick.error();
    assert_eq!(status, 502, "the program failed, the request was fine");
    d.wait_state("quick", "FATAL");
    assert_eq!(
        code,
        fault(&d, "supervisor.startProcess", &[X::from("quick")])
    );
    let missing = d.api("POST", "/api/v1/processes/nope/start", Some("{}"));
    assert_eq!(missing.error(), (404, "BAD_NAME".into()));
    let missing = d.api("POST", "/api/v1/processes/nope:*/stop", Some("{}"));
    assert_eq!(missing.error(), (404, "BAD_NAME".into()));
}

/// The bytes of `name`'s stdout log as XML-RPC reads them.
fn xml_log(d: &Daemon, name: &str) -> String {
    d.call(
        "supervisor.readProcessStdoutLog",
        &[X::from(name), X::from(0), X::from(0)],
    )
    .as_str()
    .unwrap()
    .to_string()
}

#[test]
fn api_signal_stdin_clear_and_log_reads() {
    let d = start();
    let sent = d.api_post("/api/v1/processes/cat/stdin", r#"{"data": "hello\n"}"#);
    assert_eq!(succeeded(&sent), ["cat"]);
    wait_until(TIMEOUT, "cat to echo its stdin", || {
        xml_log(&d, "cat") == "hello\n"
    });
    let log = d.api_get("/api/v1/processes/cat/log?offset=0");
    assert_eq!(
        log,
        json!({"data": "hello\n", "offset": 0, "next_offset": 6})
    );
    // Supervisor's offsets: negative from the end, length from the offset.
    let tail = d.api_get("/api/v1/processes/cat/log?offset=-3");
    assert_eq!(tail, json!({"data": "lo\n", "offset": 3, "next_offset": 6}));
    let part = d.api_get("/api/v1/processes/cat/log?offset=1&length=2");
    assert_eq!(part["data"], "el");
    let default = d.api_get("/api/v1/processes/cat/log");
    assert_eq!(default["data"], "hello\n", "the last 1600 bytes by default");
    let stderr = d.api_get("/api/v1/processes/cat/log?stream=stderr");
    assert_eq!(stderr["data"], "");
    let bad = d.api("GET", "/api/v1/processes/cat/log?offset=-1&length=5", None);
    assert_eq!(bad.error(), (400, "BAD_ARGUMENTS".into()));
    let never_ran = d.api("GET", "/api/v1/processes/nocmd/log", None);
    assert_eq!(never_ran.error(), (404, "NO_FILE".into()));
    assert_eq!(
        fault(
            &d,
            "supervisor.readProcessStdoutLog",
            &[X::from("nocmd"), X::from(0), X::from(0)]
        ),
        "NO_FILE"
    );
    let group = d.api("GET", "/api/v1/processes/g:*/log", None);
    assert_eq!(group.error(), (404, "BAD_NAME".into()));

    // stdin goes to one running process.
    let to_group = d.api(
        "POST",
        "/api/v1/processes/g:*/stdin",
        Some(r#"{"data": "x"}"#),
    );
    assert_eq!(to_group.error(), (404, "BAD_NAME".into()));
    let to_stopped = d.api(
        "POST",
        "/api/v1/processes/idle/stdin",
        Some(r#"{"data": "x"}"#),
    );
    assert_eq!(to_stopped.error(), (409, "NOT_RUNNING".into()));

    // Signals: names and numbers; a stopped process is NOT_RUNNING as in XML-RPC.
    let pid = d.info("g:a").pid;
    let signalled = d.api_post("/api/v1/processes/g:a/signal", r#"{"signal": "CONT"}"#);
    assert_eq!(succeeded(&signalled), ["g:a"]);
    let checked = d.api_post("/api/v1/processes/g:*/signal", r#"{"signal": 0}"#);
    assert_eq!(succeeded(&checked), ["g:a", "g:b"]);
    let cont = d.api_post("/api/v1/processes/all/signal", r#"{"signal": 18}"#);
    let mut names = succeeded(&cont);
    names.sort();
    assert_eq!(names, ["cat", "g:a", "g:b"], "only running processes");
    assert_eq!(d.info("g:a").pid, pid, "SIGCONT leaves it running");
    let stopped = d.api(
        "POST",
        "/api/v1/processes/idle/signal",
        Some(r#"{"signal": "HUP"}"#),
    );
    assert_eq!(stopped.error(), (409, "NOT_RUNNING".into()));
    assert_eq!(
        fault(
            &d,
            "supervisor.signalProcess",
            &[X::from("idle"), X::from("HUP")]
        ),
        "NOT_RUNNING"
    );
    for body in [r#"{"signal": "NOPE"}"#, r#"{"signal": 999}"#] {
        for spec in ["g:a", "g:*", "all"] {
            let bad = d.api(
                "POST",
                &format!("/api/v1/processes/{spec}/signal"),
                Some(body),
            );
            assert_eq!(bad.error(), (400, "BAD_SIGNAL".into()), "{spec} {body}");
        }
    }

    // Clearing: one process, a group, everything.
    let cleared = d.api_post("/api/v1/processes/cat/clear", "");
    assert_eq!(succeeded(&cleared), ["cat"]);
    assert_eq!(xml_log(&d, "cat"), "");
    let cleared = d.api_post("/api/v1/processes/g:*/clear", "{}");
    assert_eq!(succeeded(&cleared), ["g:a", "g:b"]);
    let cleared = d.api_post("/api/v1/processes/all/clear", "{}");
    assert_eq!(
        cleared["results"].as_array().unwrap().len(),
        d.all_info().len()
    );
}

/// Reads from `stream` until `needle` has arrived; returns everything read.
fn read_until(stream: &mut UnixStream, needle: &str) -> String {
    let mut seen = Vec::new();
    wait_for(TIMEOUT, &format!("{needle:?} in the stream"), || {
        let mut buf = [0u8; 4096];
        if let Ok(n) = stream.read(&mut buf) {
            seen.extend_from_slice(&buf[..n]);
        }
        let text = String::from_utf8_lossy(&seen).to_string();
        text.contains(needle).then_some(text)
    })
}

#[test]
fn api_log_follow_streams_what_is_written() {
    let d = start();
    d.api_post("/api/v1/processes/cat/stdin", r#"{"data": "before\n"}"#);
    wait_until(TIMEOUT, "cat to echo", || xml_log(&d, "cat") == "before\n");
    let mut s = UnixStream::connect(&d.sock).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    s.write_all(b"GET /api/v1/processes/cat/log/follow?offset=0 HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let head = read_until(&mut s, "before\n");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "{head}"
    );
    assert!(head.contains("text/plain"), "{head}");
    d.api_post("/api/v1/processes/cat/stdin", r#"{"data": "after\n"}"#);
    read_until(&mut s, "after\n");

    let none = d.api("GET", "/api/v1/processes/nocmd/log/follow", None);
    assert_eq!(none.error(), (404, "NO_FILE".into()));
    let bad = d.api("GET", "/api/v1/processes/cat/log/follow?stream=both", None);
    assert_eq!(bad.error(), (400, "BAD_REQUEST".into()));
}

#[test]
fn api_reread_and_update_apply_the_config() {
    let d = start();
    let same = d.api_post("/api/v1/reread", "");
    assert_eq!(same, json!({"added": [], "changed": [], "removed": []}));
    let changed = PROGRAMS.replace("[program:idle]", "[program:fresh]");
    d.rewrite(&changed);
    let diff = d.api_post("/api/v1/reread", "{}");
    assert_eq!(
        diff,
        json!({"added": ["fresh"], "changed": [], "removed": ["idle"]})
    );
    let xml = to_json(&d.call("supervisor.reloadConfig", &[]));
    assert_eq!(xml, json!([[["fresh"], [], ["idle"]]]));
    let update = d.api_post("/api/v1/update", r#"{"groups": []}"#);
    let groups: Vec<(String, String, String)> = update["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["group"].as_str().unwrap().into(),
                g["change"].as_str().unwrap().into(),
                g["code"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        groups,
        [
            ("idle".into(), "removed".into(), "SUCCESS".into()),
            ("fresh".into(), "added".into(), "SUCCESS".into())
        ]
    );
    let names: Vec<String> = d.all_info().into_iter().map(|p| p.name).collect();
    assert!(names.contains(&"fresh".to_string()) && !names.contains(&"idle".to_string()));

    d.rewrite("[program:broken]\n");
    let broken = d.api("POST", "/api/v1/reread", None);
    let (status, code) = broken.error();
    assert_eq!((status, code.as_str()), (422, "CANT_REREAD"));
    assert!(broken.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("command"));
    let broken = d.api("POST", "/api/v1/update", Some("{}"));
    assert_eq!(broken.error(), (422, "CANT_REREAD".into()));
}

#[test]
fn api_refuses_bad_requests_with_json_errors() {
    let d = start();
    let json_type = [("Content-Type", "application/json")];
    let error = |r: crate::support::api::Reply| r.error();

    // Routes and methods.
    for path in [
        "/api/v1",
        "/api/v1/",
        "/api/v1/nope",
        "/api/v1/processes/cat/jump",
        "/api/v1/state/",
    ] {
        assert_eq!(
            error(d.api("GET", path, None)),
            (404, "NOT_FOUND".into()),
            "{path}"
        );
    }
    let wrong = d.api("POST", "/api/v1/state", Some("{}"));
    assert_eq!(wrong.header("allow"), Some("GET, HEAD"));
    assert_eq!(error(wrong), (405, "METHOD_NOT_ALLOWED".into()));
    let wrong = d.api("GET", "/api/v1/processes/cat/stop", None);
    assert_eq!(wrong.header("allow"), Some("POST"));
    assert_eq!(error(wrong), (405, "METHOD_NOT_ALLOWED".into()));
    assert_eq!(error(d.api("DELETE", "/api/v1/processes/cat", None)).0, 405);

    // Bodies: malformed, wrong types, unknown fields, too large.
    for (path, body) in [
        ("/api/v1/processes/cat/signal", "{"),
        ("/api/v1/processes/cat/signal", "{}"),
        ("/api/v1/processes/cat/signal", r#"{"signal": true}"#),
        (
            "/api/v1/processes/cat/signal",
            r#"{"signal": "HUP", "extra": 1}"#,
        ),
        ("/api/v1/processes/cat/stdin", r#"{"data": 5}"#),
        ("/api/v1/processes/cat/stdin", "[1, 2]"),
        ("/api/v1/processes/cat/start", r#"{"wait": false}"#),
        ("/api/v1/update", r#"{"groups": "g"}"#),
    ] {
        let reply = d.api("POST", path, Some(body));
        assert_eq!(error(reply), (400, "BAD_REQUEST".into()), "{path} {body}");
    }
    let big = vec![b' '; 3 * 1024 * 1024];
    let reply = d.api_raw("POST", "/api/v1/processes/cat/stdin", &json_type, &big);
    assert_eq!(error(reply), (413, "PAYLOAD_TOO_LARGE".into()));

    // Queries.
    for path in [
        "/api/v1/processes/cat/start?wait=maybe",
        "/api/v1/processes/cat/start?wiat=false",
        "/api/v1/processes/cat/clear?wait=false",
    ] {
        assert_eq!(
            error(d.api("POST", path, Some("{}"))),
            (400, "BAD_REQUEST".into()),
            "{path}"
        );
    }
    for path in [
        "/api/v1/state?x=1",
        "/api/v1/processes/cat/log?offset=x",
        "/api/v1/processes/cat/log?stream=both",
    ] {
        assert_eq!(
            error(d.api("GET", path, None)),
            (400, "BAD_REQUEST".into()),
            "{path}"
        );
    }

    // Namespecs that can never name a process.
    let long = "x".repeat(10 * 1024);
    for spec in [
        "..",
        "a%2Fb",
        "..%2F..%2Fetc",
        "a%00b",
        "a%0Ab",
        long.as_str(),
    ] {
        let reply = d.api(
            "POST",
            &format!("/api/v1/processes/{spec}/start"),
            Some("{}"),
        );
        assert_eq!(
            error(reply),
            (404, "BAD_NAME".into()),
            "{}",
            &spec[..spec.len().min(20)]
        );
        let reply = d.api("GET", &format!("/api/v1/processes/{spec}"), None);
        assert_eq!(error(reply), (404, "BAD_NAME".into()));
    }

    // Forgery: a form or another site's request is refused; a bare script's is not.
    for headers in [
        vec![("Content-Type", "application/x-www-form-urlencoded")],
        vec![("Content-Type", "text/plain")],
        vec![("Content-Type", "multipart/form-data; boundary=x")],
    ] {
        let reply = d.api_raw("POST", "/api/v1/processes/cat/clear", &headers, b"");
        assert_eq!(
            error(reply),
            (415, "UNSUPPORTED_MEDIA_TYPE".into()),
            "{headers:?}"
        );
    }
    for headers in [
        vec![
            ("Content-Type", "application/json"),
            ("Sec-Fetch-Site", "cross-site"),
        ],
        vec![
            ("Content-Type", "application/json"),
            ("Sec-Fetch-Site", "same-site"),
        ],
        vec![
            ("Content-Type", "application/json"),
            ("Origin", "http://evil.example"),
        ],
        vec![("Origin", "http://localhost")],
    ] {
        let reply = d.api_raw("POST", "/api/v1/processes/cat/clear", &headers, b"");
        assert_eq!(error(reply), (403, "FORBIDDEN".into()), "{headers:?}");
    }
    let same_origin = d.api_raw(
        "POST",
        "/api/v1/processes/cat/clear",
        &[
            ("Content-Type", "application/json"),
            ("Origin", "http://localhost"),
            ("Sec-Fetch-Site", "same-origin"),
        ],
        b"{}",
    );
    assert_eq!(same_origin.status, 200);
    let script = d.api_raw("POST", "/api/v1/processes/cat/clear", &[], b"");
    assert_eq!(script.status, 200, "curl -X POST with no body and no type");

    // Nothing above was a 500 or a page, and the processes were not touched.
    assert_eq!(d.state("cat"), "RUNNING");
}

#[test]
fn api_needs_the_servers_credentials_and_answers_401_in_json() {
    let d = start();
    let denied = d.api_tcp("GET", "/api/v1/processes", &[], false);
    assert_eq!(
        denied.header("www-authenticate"),
        Some("Basic realm=\"default\"")
    );
    assert_eq!(denied.header("content-type"), Some("application/json"));
    assert_eq!(denied.error(), (401, "UNAUTHORIZED".into()));
    let denied = d.api_tcp("POST", "/api/v1/processes/cat/stop", &[], false);
    assert_eq!(denied.error(), (401, "UNAUTHORIZED".into()));
    assert_eq!(d.state("cat"), "RUNNING");
    let allowed = d.api_tcp("GET", "/api/v1/processes/cat", &[], true);
    assert_eq!(allowed.status, 200);
    assert_eq!(allowed.json()["name"], "cat");
    // Every other path keeps Supervisor's 401 page.
    for path in ["/", "/RPC2", "/logtail/cat", "/api", "/api/v10"] {
        let page = d.api_tcp("GET", path, &[], false);
        assert_eq!(page.status, 401, "{path}");
        assert_eq!(page.header("content-type"), Some("text/html"), "{path}");
    }
}
