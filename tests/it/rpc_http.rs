//! The HTTP layer under the XML-RPC API: medusa's error pages and headers (compared with
//! Python's daemon), HTTP/1.0 and keep-alive, the streaming log tails, and hostile or broken
//! clients — malformed XML, oversized and deeply nested bodies, entity bombs, invalid UTF-8,
//! bad credentials, clients that hang up mid-request, 200 clients at once. The daemon must
//! answer or refuse each, keep serving, and lose no state.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use crate::support::rpc::{
    self, both, method_call, post, raw, read_response, still_serving, RawResponse, PASSWORD, USER,
};
use crate::support::{wait_until, Daemon, Kind};

const PROGRAMS: &str = r#"
[program:cat]
command=cat
startsecs=0
stdout_logfile={dir}/cat.out

[program:slow]
command=sleep 1000
autostart=false
startsecs=1
"#;

fn tcp(d: &Daemon, request: &[u8]) -> RawResponse {
    let mut s = TcpStream::connect(("127.0.0.1", d.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let _ = s.write_all(request);
    read_response(&mut s)
}

/// `Authorization` values (base64 written out: the root package has no base64 dependency).
fn basic(user_pass: &str) -> String {
    let encoded = match user_pass {
        "user:123" => "dXNlcjoxMjM=",
        "user:wrong" => "dXNlcjp3cm9uZw==",
        "nobody:123" => "bm9ib2R5OjEyMw==",
        "nocolon" => "bm9jb2xvbg==",
        other => panic!("no encoding for {other}"),
    };
    format!("Basic {encoded}")
}

fn status_of(d: &Daemon, name: &str) -> String {
    let r = raw(
        &d.sock,
        &post(&method_call(
            "supervisor.getProcessInfo",
            &format!("<param><value><string>{name}</string></value></param>\n"),
        )),
    );
    String::from_utf8_lossy(&r.body).to_string()
}

#[test]
fn error_pages_and_headers_match_medusa() {
    let (ours, python) = both(PROGRAMS);
    let requests: Vec<(&str, Vec<u8>)> = vec![
        ("unknown path", b"GET /nosuch HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec()),
        ("GET /RPC2", b"GET /RPC2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec()),
        (
            "POST without Content-Length",
            b"POST /RPC2 HTTP/1.0\r\nHost: x\r\n\r\n".to_vec(),
        ),
        ("malformed XML", post(b"<methodCall><methodName>x</methodCall>")),
        ("no methodName", post(b"<?xml version='1.0'?><methodCall><params/></methodCall>")),
        ("empty methodName", post(b"<methodCall><methodName></methodName></methodCall>")),
        ("not XML at all", post(b"hello")),
        (
            "logtail of an unknown process",
            b"GET /logtail/nosuch HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
        ),
        (
            "logtail of an unknown channel",
            b"GET /logtail/cat/bogus HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
        ),
        (
            "POST to logtail",
            b"POST /logtail/cat HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                .to_vec(),
        ),
        ("RPC2 prefix (Q38)", {
            let body = method_call("supervisor.getAPIVersion", "");
            let mut r = format!(
                "POST /RPC2/anything HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .into_bytes();
            r.extend_from_slice(&body);
            r
        }),
    ];
    for (what, request) in &requests {
        let got = raw(&ours.sock, request);
        let want = raw(&python.sock, request);
        assert_eq!(got.status, want.status, "{what}");
        assert_eq!(
            String::from_utf8_lossy(&got.body),
            String::from_utf8_lossy(&want.body),
            "{what}"
        );
        assert_eq!(
            got.header("content-type"),
            want.header("content-type"),
            "{what}"
        );
        assert_eq!(got.header("server"), Some("Medusa/1.12"), "{what}");
        assert!(got.header("date").is_some(), "{what}");
    }
    // Without credentials on the inet server: 401 asking for Basic auth, on every route.
    for path in ["/RPC2", "/nosuch", "/logtail/cat", "/mainlogtail"] {
        let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
        let got = tcp(&ours, request.as_bytes());
        let want = tcp(&python, request.as_bytes());
        assert_eq!((got.status, want.status), (401, 401), "{path}");
        assert_eq!(got.body, want.body, "{path}");
        assert_eq!(
            got.header("www-authenticate"),
            Some("Basic realm=\"default\""),
            "{path}"
        );
        assert_eq!(
            got.header("www-authenticate"),
            want.header("www-authenticate")
        );
    }
    assert!(still_serving(&ours.sock));
}

#[test]
fn bad_credentials_are_refused_after_reading_the_body() {
    let d = rpc::start(Kind::Ours, PROGRAMS);
    let body = method_call("supervisor.getState", "");
    let big = vec![b'x'; 1_000_000];
    let cases: Vec<(Option<String>, &[u8])> = vec![
        (None, &body),
        (Some(basic("user:wrong")), &body),
        (Some(basic("nobody:123")), &body),
        (Some(basic("nocolon")), &body),
        (Some("Basic !!!not base64!!!".into()), &body),
        (Some("Basic".into()), &body),
        (Some(format!("Bearer {}", PASSWORD)), &body),
        // A large body is still read before the 401 (clients write it all first).
        (Some(basic("user:wrong")), &big),
    ];
    for (auth, body) in cases {
        let mut request = format!(
            "POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n",
            body.len()
        );
        if let Some(a) = &auth {
            request.push_str(&format!("Authorization: {a}\r\n"));
        }
        request.push_str("\r\n");
        let mut bytes = request.into_bytes();
        bytes.extend_from_slice(body);
        let mut s = TcpStream::connect(("127.0.0.1", d.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        s.write_all(&bytes)
            .expect("the whole request is read before the answer");
        let r = read_response(&mut s);
        assert_eq!(r.status, 401, "{auth:?}");
        assert_eq!(
            r.header("www-authenticate"),
            Some("Basic realm=\"default\"")
        );
    }
    let good = format!(
        "POST /RPC2 HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nContent-Length: {}\r\n\r\n",
        basic(&format!("{USER}:{PASSWORD}")),
        body.len()
    );
    let mut bytes = good.into_bytes();
    bytes.extend_from_slice(&body);
    let r = tcp(&d, &bytes);
    assert_eq!(r.status, 200);
    assert!(String::from_utf8_lossy(&r.body).contains("RUNNING"));
}

#[test]
fn hostile_bodies_are_refused_and_the_daemon_keeps_serving() {
    let d = rpc::start(Kind::Ours, PROGRAMS);
    let sock = d.sock.clone();
    let deep = {
        let n = 10_000;
        let mut x =
            String::from("<methodCall><methodName>supervisor.getState</methodName><params><param>");
        x.push_str(&"<value><array><data>".repeat(n));
        x.push_str(&"</data></array></value>".repeat(n));
        x.push_str("</param></params></methodCall>");
        x.into_bytes()
    };
    let laughs = br#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<methodCall><methodName>supervisor.getProcessInfo</methodName><params><param><value><string>&lol4;</string></value></param></params></methodCall>"#
        .to_vec();
    let mut bad_utf8 = method_call(
        "supervisor.getProcessInfo",
        "<param><value><string>X</string></value></param>\n",
    );
    let at = bad_utf8.iter().position(|&b| b == b'X').unwrap();
    bad_utf8.splice(at..=at, [0xff, 0xfe, 0xc3]);
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        ("10,000-deep nesting", deep, 400),
        ("billion laughs", laughs, 400),
        ("invalid UTF-8", bad_utf8, 400),
        (
            "truncated XML",
            b"<methodCall><methodName>supervisor.getState".to_vec(),
            400,
        ),
        (
            "undefined entity",
            method_call(
                "supervisor.getProcessInfo",
                "<param><value>&nope;</value></param>",
            ),
            400,
        ),
        (
            "control character",
            method_call(
                "supervisor.getProcessInfo",
                "<param><value>\u{1}</value></param>",
            ),
            400,
        ),
    ];
    for (what, body, status) in cases {
        let start = Instant::now();
        let r = raw(&sock, &post(&body));
        assert_eq!(r.status, status, "{what}");
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{what} took {:?}",
            start.elapsed()
        );
        assert!(still_serving(&sock), "after {what}");
    }
    // 10 MB: refused with 413 after being read (so the client sees the answer).
    let huge = vec![b' '; 10 * 1024 * 1024];
    let r = raw(&sock, &post(&huge));
    assert_eq!(r.status, 413);
    assert!(still_serving(&sock));
    // Wrong types and arity are faults, not HTTP errors.
    for (params, fault) in [
        (
            "<param><value><int>5</int></value></param>",
            "INCORRECT_PARAMETERS",
        ),
        ("", "INCORRECT_PARAMETERS"),
        (
            "<param><value><array><data/></array></value></param>",
            "INCORRECT_PARAMETERS",
        ),
    ] {
        let r = raw(
            &sock,
            &post(&method_call("supervisor.getProcessInfo", params)),
        );
        assert_eq!(r.status, 200);
        let text = String::from_utf8_lossy(&r.body);
        assert!(
            text.contains("<name>faultCode</name>") && text.contains(fault),
            "{text}"
        );
    }
    let r = raw(&sock, &post(&method_call("supervisor.nosuch", "")));
    assert!(String::from_utf8_lossy(&r.body).contains("UNKNOWN_METHOD"));
}

#[test]
fn clients_that_hang_up_lose_nothing() {
    let d = rpc::start(Kind::Ours, PROGRAMS);
    let sock = d.sock.clone();
    // Connect and leave.
    drop(UnixStream::connect(&sock).unwrap());
    // Half a request head.
    let mut s = UnixStream::connect(&sock).unwrap();
    s.write_all(b"POST /RPC2 HTTP/1.1\r\nContent-Le").unwrap();
    drop(s);
    // A body shorter than announced.
    let mut s = UnixStream::connect(&sock).unwrap();
    s.write_all(b"POST /RPC2 HTTP/1.1\r\nContent-Length: 1000\r\n\r\n<methodCall>")
        .unwrap();
    drop(s);
    // A call that waits (startsecs=1), abandoned before its answer.
    let mut s = UnixStream::connect(&sock).unwrap();
    s.write_all(&post(&method_call(
        "supervisor.startProcess",
        "<param><value><string>slow</string></value></param>\n",
    )))
    .unwrap();
    drop(s);
    assert!(still_serving(&sock));
    // The abandoned start still happened.
    wait_until(Duration::from_secs(20), "slow to be RUNNING", || {
        status_of(&d, "slow").contains("<string>RUNNING</string>")
    });
    assert!(status_of(&d, "cat").contains("<string>RUNNING</string>"));
}

#[test]
fn two_hundred_concurrent_clients_are_all_answered() {
    let d = rpc::start(Kind::Ours, PROGRAMS);
    let sock = d.sock.clone();
    let port = d.port;
    let auth = basic(&format!("{USER}:{PASSWORD}"));
    let body = method_call("supervisor.getAllProcessInfo", "");
    let threads: Vec<_> = (0..200)
        .map(|i| {
            let sock = sock.clone();
            let body = body.clone();
            let auth = auth.clone();
            std::thread::spawn(move || {
                let request = post(&body);
                let r = if i % 4 == 0 {
                    let mut req = format!(
                        "POST /RPC2 HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nContent-Length: {}\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    req.extend_from_slice(&body);
                    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
                    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
                    s.write_all(&req).unwrap();
                    read_response(&mut s)
                } else {
                    raw(&sock, &request)
                };
                r.status == 200 && String::from_utf8_lossy(&r.body).contains("<string>cat</string>")
            })
        })
        .collect();
    let ok = threads
        .into_iter()
        .map(|t| t.join().unwrap())
        .filter(|ok| *ok)
        .count();
    assert_eq!(ok, 200);
    assert!(still_serving(&sock));
}

#[test]
fn http_1_0_and_keep_alive() {
    let d = rpc::start(Kind::Ours, PROGRAMS);
    let body = method_call("supervisor.getAPIVersion", "");
    let request = |version: &str, connection: Option<&str>| {
        let mut r = format!(
            "POST /RPC2 {version}\r\nHost: x\r\nContent-Length: {}\r\n",
            body.len()
        );
        if let Some(c) = connection {
            r.push_str(&format!("Connection: {c}\r\n"));
        }
        r.push_str("\r\n");
        let mut r = r.into_bytes();
        r.extend_from_slice(&body);
        r
    };
    // HTTP/1.0 without keep-alive: one answer, then the server closes.
    let mut s = UnixStream::connect(&d.sock).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(&request("HTTP/1.0", None)).unwrap();
    let r = read_response(&mut s);
    assert_eq!(r.status, 200);
    let mut rest = Vec::new();
    assert_eq!(
        s.read_to_end(&mut rest).unwrap(),
        0,
        "closed after the answer"
    );
    // HTTP/1.0 asking for keep-alive, and HTTP/1.1 (persistent by default): several calls on
    // one connection.
    for (version, connection) in [("HTTP/1.0", Some("keep-alive")), ("HTTP/1.1", None)] {
        let mut s = UnixStream::connect(&d.sock).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        for _ in 0..3 {
            s.write_all(&request(version, connection)).unwrap();
            let r = read_response(&mut s);
            assert_eq!(r.status, 200, "{version}");
            assert!(String::from_utf8_lossy(&r.body).contains("3.0"));
        }
    }
    // Two requests written at once (pipelined) get two answers in order.
    let mut s = UnixStream::connect(&d.sock).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut both = request("HTTP/1.1", None);
    both.extend(post(&method_call("supervisor.getState", "")));
    s.write_all(&both).unwrap();
    assert!(String::from_utf8_lossy(&read_response(&mut s).body).contains("3.0"));
    assert!(String::from_utf8_lossy(&read_response(&mut s).body).contains("RUNNING"));
}

/// Reads from a streaming response until `needle` has arrived.
fn read_until(s: &mut UnixStream, seen: &mut Vec<u8>, needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(seen).contains(needle) {
        assert!(
            Instant::now() < deadline,
            "no {needle:?} in {:?}",
            String::from_utf8_lossy(seen)
        );
        match s.read(&mut buf) {
            Ok(0) => panic!("stream ended"),
            Ok(n) => seen.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("{e}"),
        }
    }
}

#[test]
fn log_tails_stream_new_output() {
    let d = rpc::start(Kind::Ours, PROGRAMS);
    wait_until(Duration::from_secs(20), "cat to run", || {
        status_of(&d, "cat").contains("<string>RUNNING</string>")
    });
    let send = |text: &str| {
        let r = raw(
            &d.sock,
            &post(&method_call(
                "supervisor.sendProcessStdin",
                &format!(
                    "<param><value><string>cat</string></value></param>\n\
                     <param><value><string>{text}</string></value></param>\n"
                ),
            )),
        );
        assert_eq!(r.status, 200);
    };
    send("first line\n");
    wait_until(Duration::from_secs(20), "the log to be written", || {
        std::fs::read_to_string(d.dir.path().join("cat.out")).is_ok_and(|t| t.contains("first"))
    });
    for (path, needle) in [
        ("/logtail/cat", "first line"),
        ("/logtail/cat:cat/stdout", "first line"),
    ] {
        let mut s = UnixStream::connect(&d.sock).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        s.write_all(
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: chunked\r\n\r\n")
                .as_bytes(),
        )
        .unwrap();
        let mut seen = Vec::new();
        read_until(&mut s, &mut seen, needle);
        let text = String::from_utf8_lossy(&seen).to_string();
        assert!(text.starts_with("HTTP/1.1 200"), "{text}");
        let lower = text.to_ascii_lowercase();
        assert!(lower.contains("transfer-encoding: chunked"), "{text}");
        assert!(
            lower.contains("content-type: text/plain;charset=utf-8"),
            "{text}"
        );
        assert!(lower.contains("x-accel-buffering: no"), "{text}");
        assert!(lower.contains("last-modified: "), "{text}");
        // New output arrives on the open stream.
        send("second line\n");
        read_until(&mut s, &mut seen, "second line");
    }
    // The main log.
    let mut s = UnixStream::connect(&d.sock).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    s.write_all(b"GET /mainlogtail HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut seen = Vec::new();
    read_until(&mut s, &mut seen, "supervisord started");
    // A group wildcard names no single process.
    let r = raw(
        &d.sock,
        b"GET /logtail/cat:* HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(r.status, 404);
    assert!(still_serving(&d.sock));
}
