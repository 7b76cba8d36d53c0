//! HTTP-level tests of the web admin page against the real daemon: authentication, escaping,
//! the form-token and same-origin checks, legacy GET actions (confirmation by default, Supervisor's
//! redirects and messages when opted in), the tail page, downloads, and render time with 500
//! programs. Browser behaviour is tested in `tests/browser/`.
//!
//! Each test starts its own supervisord on a temporary config with an `[inet_http_server]` on a
//! free port and speaks raw HTTP/1.1 to it, so every header and status is visible.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::support::daemon::basic;
use crate::support::{wait_until, Daemon, TIMEOUT};

const USER: &str = "admin";
const PASSWORD: &str = "s3cret";

/// One HTTP response.
#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    /// The body's bytes (`body` is their lossy UTF-8 reading).
    bytes: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A daemon with only an `[inet_http_server]` (whose section also holds `inet_extra` lines),
/// `identifier=web-test`, running in its temporary directory.
fn start_with(programs: &str, inet_extra: &str) -> Daemon {
    Daemon::builder(programs)
        .inet(USER, PASSWORD, inet_extra)
        .config(|c| {
            c.unix = false;
            c.childlogdir = "";
            c.loglevel = None;
            c.identifier = Some("web-test".into());
        })
        .cwd_in_dir()
        .grace(TIMEOUT)
        .start()
}

fn start(programs: &str) -> Daemon {
    start_with(programs, "")
}

/// Raw HTTP/1.1 to the web page, so every header and status is visible.
impl Daemon {
    /// Sends one request with our credentials unless `headers` has an `Authorization`.
    fn try_request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> std::io::Result<Resp> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(TIMEOUT))?;
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n",
            self.port
        );
        if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        {
            req.push_str(&format!("Authorization: {}\r\n", self.basic_auth()));
        }
        for (k, v) in headers {
            if !v.is_empty() {
                req.push_str(&format!("{k}: {v}\r\n"));
            }
        }
        if method == "POST" {
            req.push_str(&format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        req.push_str("\r\n");
        req.push_str(body);
        stream.write_all(req.as_bytes())?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw)?;
        Ok(parse(&raw))
    }

    fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Resp {
        self.try_request(method, path, headers, body).unwrap()
    }

    fn get(&self, path: &str) -> Resp {
        self.request("GET", path, &[], "")
    }

    /// The form token of the status page.
    fn token(&self) -> String {
        let page = self.get("/").body;
        let key = "name=\"csrf_token\" value=\"";
        let at = page.find(key).expect("a form token") + key.len();
        page[at..at + 32].to_string()
    }
}

/// Parses a complete HTTP/1.1 response (`Content-Length` or chunked, or up to the close).
fn parse(raw: &[u8]) -> Resp {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete header");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
            let size =
                usize::from_str_radix(std::str::from_utf8(&rest[..eol]).unwrap(), 16).unwrap();
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[eol + 2..eol + 2 + size]);
            rest = &rest[eol + 4 + size..];
        }
        body = out;
    }
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        bytes: body,
    }
}

const SLEEPER: &str = "[program:sleeper]\ncommand = /bin/sleep 1000\nstartsecs = 0\n";

#[test]
fn every_page_and_asset_needs_the_apis_credentials() {
    let d = start(SLEEPER);
    let paths = [
        "/",
        "/index.html",
        "/index.html?processname=sleeper&action=stop",
        "/tail.html?processname=sleeper",
        "/ok.html",
        "/ui/procs",
        "/ui/static/app.css",
        "/ui/static/app.js",
        "/ui/download?processname=sleeper",
        "/status.html",
        "/stylesheets/supervisor.css",
        "/images/icon.png",
        "/images/supervisor.gif",
    ];
    let wrong = basic(USER, "nope");
    for path in paths {
        for auth in ["Basic", wrong.as_str()] {
            let r = d.request("GET", path, &[("Authorization", auth)], "");
            assert_eq!(r.status, 401, "{path} with {auth}");
            assert_eq!(
                r.header("WWW-Authenticate"),
                Some("Basic realm=\"default\"")
            );
        }
        let r = d.get(path);
        // With credentials: served, except the old acting link, refused on its page.
        let ok = if path.contains("action=stop") {
            403
        } else {
            200
        };
        assert_eq!(r.status, ok, "{path}");
    }
    let r = d.request(
        "POST",
        "/index.html?processname=sleeper&action=stop",
        &[("Authorization", &wrong)],
        &format!("csrf_token={}", d.token()),
    );
    assert_eq!(r.status, 401);
    assert_eq!(d.state("sleeper"), "RUNNING");
}

#[test]
fn pages_have_supervisors_headers_and_ok_html() {
    let d = start(SLEEPER);
    let r = d.get("/");
    assert_eq!(r.header("Content-Type"), Some("text/html;charset=utf-8"));
    assert_eq!(r.header("Pragma"), Some("no-cache"));
    assert_eq!(r.header("Cache-Control"), Some("no-cache"));
    assert_eq!(r.header("Expires"), Some("Thu, 01 Jan 1970 00:00:00 GMT"));
    assert_eq!(r.header("X-Frame-Options"), Some("DENY"));
    assert!(r.header("Content-Security-Policy").is_some());
    assert!(r.body.contains("<title>Supervisor Status</title>"));
    let ok = d.get("/ok.html");
    assert_eq!((ok.status, ok.body.as_str()), (200, "OK"));
    assert_eq!(ok.header("Content-Type"), Some("text/plain"));
    assert_eq!(d.get("/nonexistent.html").status, 404);
    assert_eq!(d.request("PUT", "/tail.html", &[], "").status, 405);
    let head = d.request("HEAD", "/ui/static/app.css", &[], "");
    assert_eq!((head.status, head.body.as_str()), (200, ""));
}

#[test]
fn supervisors_static_paths_answer_with_our_files() {
    let d = start(SLEEPER);
    let css = d.get("/stylesheets/supervisor.css");
    assert_eq!(css.status, 200);
    assert_eq!(css.header("Content-Type"), Some("text/css; charset=utf-8"));
    assert_eq!(css.body, d.get("/ui/static/app.css").body);
    assert!(css.body.contains('{') && css.body.contains('}'));
    assert!(css.header("ETag").is_some());
    let png = d.get("/images/icon.png");
    assert_eq!(png.status, 200);
    assert_eq!(png.header("Content-Type"), Some("image/png"));
    assert!(
        png.bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{:?}",
        png.bytes
    );
    let gif = d.get("/images/supervisor.gif");
    assert_eq!(gif.status, 200);
    assert_eq!(gif.header("Content-Type"), Some("image/gif"));
    assert!(gif.bytes.starts_with(b"GIF89a"), "{:?}", gif.bytes);
    assert_eq!(gif.bytes.last(), Some(&b';'));
    let page = d.get("/status.html");
    assert_eq!(page.status, 200);
    assert_eq!(page.header("Content-Type"), Some("text/html;charset=utf-8"));
    assert_eq!(page.header("Cache-Control"), Some("no-cache"));
    assert!(page.body.contains("<title>Supervisor Status</title>"));
    assert!(page.body.contains("sleeper"));
    // Display only: an action link does nothing, and it takes no POST.
    let acted = d.get("/status.html?processname=sleeper&action=stop");
    assert_eq!(acted.status, 200);
    assert!(acted.body.contains("<title>Supervisor Status</title>"));
    let posted = d.request(
        "POST",
        "/status.html?processname=sleeper&action=stop",
        &[],
        &format!("csrf_token={}", d.token()),
    );
    assert_eq!(posted.status, 405);
    assert_eq!(d.state("sleeper"), "RUNNING");
    let head = d.request("HEAD", "/status.html", &[], "");
    assert_eq!((head.status, head.body.as_str()), (200, ""));
}

#[test]
fn everything_shown_is_escaped() {
    // Quotes, angle brackets and an ampersand: everything HTML cares about (names have no spaces).
    let name = "\"'><b>x&y";
    let d = start(&format!(
        "[program:{name}]\n\
         command = /bin/sh -c 'echo \"<script>alert(2)</script>\"; exec sleep 1000'\n\
         startsecs = 0\n"
    ));
    d.wait_state(name, "RUNNING");
    let page = d.get("/?message=%3Cscript%3Ealert(3)%3C%2Fscript%3E").body;
    assert!(!page.contains("<b>"), "{page}");
    assert!(!page.contains("\"'>"), "{page}");
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(
        page.contains(">&#34;&#39;&#62;&#60;b&#62;x&#38;y</a>"),
        "{page}"
    );
    assert!(
        page.contains("&#60;script&#62;alert(3)&#60;/script&#62;"),
        "{page}"
    );
    // The name is URL-quoted inside links.
    let quoted = "%22%27%3E%3Cb%3Ex%26y";
    assert!(
        page.contains(&format!("tail.html?processname={quoted}\"")),
        "{page}"
    );

    wait_until(TIMEOUT, "the program's output in its log", || {
        d.get(&format!("/tail.html?processname={quoted}"))
            .body
            .contains("alert(2)")
    });
    let tail = d.get(&format!("/tail.html?processname={quoted}")).body;
    assert!(!tail.contains("<script>alert(2)"), "{tail}");
    assert!(
        tail.contains("&#60;script&#62;alert(2)&#60;/script&#62;"),
        "{tail}"
    );
    assert!(tail
        .contains("<title>Supervisor tail of process &#34;&#39;&#62;&#60;b&#62;x&#38;y</title>"));
}
#[test]
fn posted_actions_need_the_form_token_and_the_same_origin() {
    let d = start(SLEEPER);
    let token = d.token();
    let stop = "/index.html?processname=sleeper&action=stop";
    let own = format!("http://127.0.0.1:{}", d.port);
    // The right token in the query string is not enough: a token never travels in a URL.
    let r = d.request(
        "POST",
        &format!("{stop}&csrf_token={token}"),
        &[("Origin", &own)],
        "",
    );
    assert_eq!(r.status, 403);
    assert_eq!(d.state("sleeper"), "RUNNING");
    let refused: [(&[(&str, &str)], String); 5] = [
        (&[], String::new()),
        (&[], "csrf_token=0123456789abcdef0123456789abcdef".into()),
        (
            &[("Origin", "http://evil.example")],
            format!("csrf_token={token}"),
        ),
        (&[("Origin", "null")], format!("csrf_token={token}")),
        (
            &[("Sec-Fetch-Site", "cross-site")],
            format!("csrf_token={token}"),
        ),
    ];
    for (headers, body) in refused {
        let r = d.request("POST", stop, headers, &body);
        assert_eq!(r.status, 403, "{headers:?} {body}");
        assert!(r.body.contains("Request refused"));
        assert_eq!(d.state("sleeper"), "RUNNING");
    }
    let r = d.request(
        "POST",
        stop,
        &[("Origin", &own), ("Sec-Fetch-Site", "same-origin")],
        &format!("csrf_token={token}"),
    );
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("Location"),
        Some("./?message=Process%20sleeper%20stopped")
    );
    assert_eq!(d.state("sleeper"), "STOPPED");
    // The action may also come entirely in the body, as Supervisor accepts.
    let r = d.request(
        "POST",
        "/index.html",
        &[],
        &format!("action=start&processname=sleeper&csrf_token={token}"),
    );
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("Location"),
        Some("./?message=Process%20sleeper%20started")
    );
    assert_eq!(d.state("sleeper"), "RUNNING");
}

#[test]
fn legacy_get_actions_are_refused_with_a_confirmation_by_default() {
    let d = start(SLEEPER);
    let r = d.get("/index.html?processname=sleeper&action=stop");
    // Refused, so a script that followed an old link knows nothing happened (Python: 301).
    assert_eq!(r.status, 403);
    assert!(r.body.contains("<h1>Stop sleeper?</h1>"), "{}", r.body);
    assert!(r.body.contains("Nothing was changed."), "{}", r.body);
    assert!(r.body.contains("<code>legacy_web_actions = true</code>"));
    assert!(r.body.contains(&format!("value=\"{}\"", d.token())));
    assert!(r.body.contains("name=\"action\" value=\"stop\""));
    assert_eq!(d.state("sleeper"), "RUNNING");
    // Refresh changes nothing and keeps Supervisor's redirect.
    let r = d.get("/index.html?action=refresh");
    assert_eq!(r.status, 301);
    let location = r.header("Location").unwrap();
    let prefix = format!(
        "http://127.0.0.1:{}/?message=Page%20refreshed%20at%20",
        d.port
    );
    assert!(location.starts_with(&prefix), "{location}");
    // Unknown actions and missing process names are bad requests (Supervisor: 500).
    assert_eq!(d.get("/index.html?action=explode").status, 400);
    assert_eq!(d.get("/index.html?action=start").status, 400);
}

#[test]
fn legacy_get_actions_act_with_supervisors_messages_when_opted_in() {
    let d = start_with(
        &format!("{SLEEPER}[program:other]\ncommand = /bin/sleep 1000\nstartsecs = 0\n"),
        "legacy_web_actions = true\n",
    );
    d.wait_state("other", "RUNNING");
    let base = format!("http://127.0.0.1:{}/?message=", d.port);
    let act = |query: &str| {
        let r = d.get(&format!("/index.html?{query}"));
        assert_eq!(r.status, 301, "{query}: {}", r.body);
        assert_eq!(r.header("Pragma"), Some("no-cache"));
        let location = r.header("Location").unwrap().to_string();
        assert!(location.starts_with(&base), "{location}");
        percent_encoding::percent_decode_str(&location[base.len()..])
            .decode_utf8()
            .unwrap()
            .into_owned()
    };
    assert_eq!(
        act("processname=sleeper&action=stop"),
        "Process sleeper stopped"
    );
    assert_eq!(d.state("sleeper"), "STOPPED");
    assert!(
        act("processname=sleeper&action=stop").starts_with("unexpected rpc fault [70] NOT_RUNNING")
    );
    assert_eq!(
        act("processname=sleeper&action=start"),
        "Process sleeper started"
    );
    assert_eq!(
        act("processname=sleeper&action=start"),
        "ERROR: Process sleeper: already started"
    );
    assert_eq!(
        act("processname=sleeper&action=restart"),
        "Process sleeper restarted"
    );
    assert_eq!(
        act("processname=sleeper&action=clearlog"),
        "Log for sleeper cleared"
    );
    assert_eq!(
        act("processname=nope&action=start"),
        "No such process named nope"
    );
    assert!(act("action=stopall").starts_with("All stopped at "));
    assert_eq!(d.state("other"), "STOPPED");
    assert!(act("action=restartall").starts_with("All restarted at "));
    assert_eq!(d.state("other"), "RUNNING");
    assert_eq!(d.state("sleeper"), "RUNNING");

    // A token-less POST (a script) works too, but a browser's cross-site request does not.
    let r = d.request("POST", "/index.html", &[], "action=stop&processname=other");
    assert_eq!(r.status, 301);
    assert_eq!(d.state("other"), "STOPPED");
    let r = d.request(
        "GET",
        "/index.html?processname=sleeper&action=stop",
        &[("Sec-Fetch-Site", "cross-site")],
        "",
    );
    assert_eq!(r.status, 403);
    assert!(r.body.contains("Stop sleeper?"));
    let r = d.request(
        "POST",
        "/index.html?processname=sleeper&action=stop",
        &[("Origin", "http://evil.example")],
        "",
    );
    assert_eq!(r.status, 403);
    assert_eq!(d.state("sleeper"), "RUNNING");
}

#[test]
fn tail_page_shows_at_least_1024_bytes_and_supervisors_messages() {
    let d = start(
        "[program:writer]\n\
         command = /bin/sh -c 'i=0; while [ $i -lt 100 ]; do echo \"line $i of forty bytes ........\"; i=$((i+1)); done; exec sleep 1000'\n\
         startsecs = 0\n\
         [program:quiet]\ncommand = /bin/sleep 1000\nstdout_logfile = NONE\nstartsecs = 0\n",
    );
    wait_until(TIMEOUT, "the writer's 100 lines", || {
        d.get("/tail.html?processname=writer&limit=100000")
            .body
            .contains("line 99 of")
    });
    let page = d.get("/tail.html?processname=writer&limit=10").body;
    let pre = &page[page.find("<pre").unwrap()..page.find("</pre>").unwrap()];
    let text = &pre[pre.find('>').unwrap() + 1..];
    // Quirk Q52: never less than 1024 bytes.
    assert!(text.len() >= 1024 && text.len() < 1100, "{}", text.len());
    assert!(page.contains("tail.html?processname=writer&amp;limit=1024"));
    let whole = d.get("/tail.html?processname=writer&limit=100000").body;
    assert!(whole.contains("line 0 of"));

    let none = d.get("/tail.html").body;
    assert!(none.contains("<title>Supervisor tail of process None</title>"));
    assert!(none.contains("No process name found"));
    assert!(d
        .get("/tail.html?processname=nope")
        .body
        .contains("ERROR: unexpected rpc fault [10] BAD_NAME: nope"));
    assert!(d
        .get("/tail.html?processname=quiet")
        .body
        .contains("No file for quiet"));
}

#[test]
fn logs_download_whole_and_stream_from_an_offset() {
    let d = start(
        "[program:writer]\n\
         command = /bin/sh -c 'i=0; while [ $i -lt 3000 ]; do echo \"line $i\"; i=$((i+1)); done; exec sleep 1000'\n\
         startsecs = 0\n",
    );
    wait_until(TIMEOUT, "the writer's output", || {
        d.get("/tail.html?processname=writer")
            .body
            .contains("line 2999")
    });
    let r = d.get("/ui/download?processname=writer&channel=stdout");
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("Content-Disposition"),
        Some("attachment; filename=\"writer-stdout.log\"")
    );
    let expected: String = (0..3000).map(|i| format!("line {i}\n")).collect();
    assert_eq!(r.body, expected);
    assert_eq!(d.get("/ui/download?processname=nope").status, 404);
    assert_eq!(
        d.get("/ui/download?processname=writer&channel=bogus")
            .status,
        404
    );

    // The live stream never ends: read its first chunk and hang up.
    let mut stream = TcpStream::connect(("127.0.0.1", d.port)).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    let offset = expected.len() - "line 2999\n".len();
    write!(
        stream,
        "GET /ui/follow?processname=writer&offset={offset} HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\n\r\n",
        d.basic_auth()
    )
    .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&got).contains("line 2999\n") {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "stream closed: {}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("x-accel-buffering: no"), "{text}");
    assert!(!text.contains("line 2998"), "{text}");
}

#[test]
fn status_page_with_500_programs_renders_in_under_200_ms() {
    let mut programs = String::new();
    for i in 0..250 {
        programs.push_str(&format!(
            "[program:p{i:03}]\ncommand = /bin/sleep 1000\nautostart = false\n"
        ));
    }
    programs.push_str(
        "[program:pool]\ncommand = /bin/sleep 1000\nautostart = false\nnumprocs = 250\n\
         process_name = %(program_name)s_%(process_num)03d\n",
    );
    let d = start(&programs);
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let started = Instant::now();
        let r = d.get("/");
        best = best.min(started.elapsed());
        assert_eq!(r.status, 200);
        assert_eq!(r.body.matches("<tr class=\"proc\"").count(), 500);
    }
    // Measured from the client, so this bounds the server's time from above.
    assert!(best < Duration::from_millis(200), "{best:?}");
}

#[test]
fn the_live_log_stream_survives_rotation() {
    // About 1 KiB of output every ~0.3 s: the 1 KiB log file rotates every few lines.
    let d = start(
        "[program:rotor]\n\
         command = /bin/sh -c 'i=0; while :; do i=$((i+1)); echo \"n=$i ..................................\"; sleep 0.03; done'\n\
         startsecs = 0\n\
         stdout_logfile = %(here)s/rotor.log\n\
         stdout_logfile_maxbytes = 1KB\n\
         stdout_logfile_backups = 3\n",
    );
    d.wait_state("rotor", "RUNNING");
    // The tail page's stream, and Supervisor's `/logtail` (which starts mid-line, with the last
    // KiB of the file: that partial line is not counted).
    for url in ["/ui/follow?processname=rotor", "/logtail/rotor"] {
        follow_across_rotations(&d, url);
    }
}

/// Reads `url` until it has carried 120 lines of the `rotor` program and checks that none was
/// lost or repeated across the log rotations in between.
fn follow_across_rotations(d: &Daemon, url: &str) {
    let mut stream = TcpStream::connect(("127.0.0.1", d.port)).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    write!(
        stream,
        "GET {url} HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\n\r\n",
        d.basic_auth()
    )
    .unwrap();
    // Collect the numbers seen until the stream has crossed several rotations.
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let numbers = |got: &[u8]| -> Vec<u64> {
        let text = String::from_utf8_lossy(got);
        let mut lines: Vec<&str> = text.split('\n').collect();
        // The last line may still be incomplete; chunk-size lines do not start with `n=`.
        lines.pop();
        lines
            .iter()
            .filter_map(|l| l.strip_prefix("n=")?.split(' ').next()?.parse().ok())
            .collect()
    };
    let deadline = Instant::now() + TIMEOUT;
    while numbers(&got).len() < 120 {
        assert!(Instant::now() < deadline, "too few lines in {url}");
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "{url} closed");
        got.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&got).to_lowercase();
    assert!(
        head.contains("\r\nx-content-type-options: nosniff\r\n"),
        "{url}: the log is never sniffed into HTML"
    );
    let seen = numbers(&got);
    // Consecutive numbers: nothing lost or repeated across the rotations in between.
    for pair in seen.windows(2) {
        assert_eq!(pair[1], pair[0] + 1, "{url}: {seen:?}");
    }
    assert!(
        d.dir.path().join("rotor.log.2").exists(),
        "the log rotated at least twice"
    );
}

#[test]
fn logtail_refuses_logs_that_are_not_regular_files() {
    // A log path can name anything. Opening a FIFO would wait for a writer (Python's daemon
    // hangs there), and a directory or a device is no log to follow: 404, as for a log file
    // that does not exist (spec §6.7), which is also what `/ui/download` answers.
    let d = start(
        "[program:odd]\ncommand = /bin/cat\nautostart = false\n\
         stdout_logfile = %(here)s/odd.fifo\nstderr_logfile = %(here)s/odd.dir\n\
         [program:dev]\ncommand = /bin/cat\nautostart = false\nstdout_logfile = /dev/zero\n",
    );
    let fifo = std::ffi::CString::new(
        d.dir
            .path()
            .join("odd.fifo")
            .into_os_string()
            .into_encoded_bytes(),
    )
    .unwrap();
    // SAFETY: `fifo` is a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    std::fs::create_dir(d.dir.path().join("odd.dir")).unwrap();
    // Both programs exist, so a 404 is about their logs.
    assert_eq!(d.state("odd"), "STOPPED");
    assert_eq!(d.state("dev"), "STOPPED");
    for url in ["/logtail/odd", "/logtail/odd/stderr", "/logtail/dev"] {
        assert_eq!(d.get(url).status, 404, "{url}");
    }
    for channel in ["stdout", "stderr"] {
        let url = format!("/ui/download?processname=odd&channel={channel}");
        assert_eq!(d.get(&url).status, 404, "{url}");
    }
    // The daemon still answers.
    assert_eq!(d.get("/ok.html").status, 200);
}
