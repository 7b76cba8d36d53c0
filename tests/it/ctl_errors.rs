//! Golden tests: our supervisorctl against Python's when things go wrong: no daemon, a refused
//! port, an unknown scheme, a server without the supervisor namespace or of another API
//! version, HTTP errors, and a daemon shutting down (against Python's supervisord and ours).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;

use crate::support::ctl::{self as ctl, both_daemons, same, same_with_input, DaemonKind};
use crate::support::{free_port, py_supervisorctl, SUPERVISORCTL};

both_daemons!(namespace_not_recognized, shutdown_and_reload);

#[test]
fn no_daemon_on_unix_socket() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("unix://{}/missing.sock", dir.path().display());
    for (cmd, code) in [
        ("status", 4),
        ("version", 7),
        ("pid", 7),
        ("start all", 7),
        ("tail x", 7),
        ("maintail", 7),
        ("fg x", 7),
        ("shutdown", 1),
        ("reload", 1),
        ("reread", 1),
        ("avail", 1),
        ("update", 1),
        ("add x", 1),
        ("remove x", 1),
    ] {
        let mut args = vec!["-s", url.as_str()];
        args.extend(cmd.split(' '));
        assert_eq!(same(&args, dir.path()).code, code, "{cmd}");
    }
    same_with_input(&["-s", &url], "version\nstatus\n", dir.path());
}

#[test]
fn refused_connection() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{}", free_port());
    for (cmd, code) in [
        ("status", 4),
        ("version", 4),
        ("stop x", 4),
        ("shutdown", 1),
        ("reload", 1),
        ("avail", 1),
        ("update all", 1),
    ] {
        let mut args = vec!["-s", url.as_str()];
        args.extend(cmd.split(' '));
        assert_eq!(same(&args, dir.path()).code, code, "{cmd}");
    }
}

#[test]
fn unknown_scheme_and_unresolvable_host() {
    let dir = tempfile::tempdir().unwrap();
    same(&["-s", "ftp://x", "status"], dir.path());
    same(&["-s", "ftp://x", "avail"], dir.path());
    same(&["-s", "localhost:9001", "version"], dir.path());
    same(
        &["-s", "http://nonexistent-host.invalid:9001", "version"],
        dir.path(),
    );
}

/// A config without `[rpcinterface:supervisor]`: Python's daemon has no `supervisor.*`
/// namespace, ours always serves it (docs/differences.md); either way both clients agree.
fn namespace_not_recognized(kind: DaemonKind) {
    let d = ctl::start_with(
        kind,
        "[program:x]\ncommand=sleep 1000\nstartsecs=0\n",
        false,
    );
    let c = d.conf.display().to_string();
    let version = same(&["-c", &c, "version"], d.dir.path());
    let status = same(&["-c", &c, "status"], d.dir.path());
    let avail = same(&["-c", &c, "avail"], d.dir.path());
    match kind {
        DaemonKind::Python => {
            assert_eq!(version.code, 3);
            assert!(
                version.stdout.starts_with(
                    "Sorry, supervisord responded but did not recognize the supervisor namespace"
                ),
                "{version:?}"
            );
            assert_eq!(status.code, 4);
            assert_eq!(avail.code, 1);
        }
        DaemonKind::Ours => {
            assert_eq!((version.stdout.as_str(), version.code), ("4.3.0\n", 0));
            assert_eq!(status.code, 0, "{status:?}");
            assert!(status.stdout.starts_with("x  "), "{status:?}");
            assert_eq!(
                (avail.stdout.as_str(), avail.code),
                (
                    "x                                in use    auto      999:999\n",
                    0
                )
            );
        }
    }
}

/// A one-thread HTTP server answering every request with `status` and `body`.
fn fake_server(status: &'static str, body: String) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                if line == "\r\n" {
                    break;
                }
            }
            let mut req = vec![0; length];
            let _ = reader.read_exact(&mut req);
            let _ = write!(
                conn,
                "HTTP/1.0 {status}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

fn response(value: &str) -> String {
    format!(
        "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value>{value}</value>\n</param>\n</params>\n</methodResponse>\n"
    )
}

fn fault(code: i32, string: &str) -> String {
    format!(
        "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>{code}</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>{string}</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n"
    )
}

#[test]
fn other_api_version() {
    let dir = tempfile::tempdir().unwrap();
    let port = fake_server("200 OK", response("<string>2.0</string>"));
    let url = format!("http://127.0.0.1:{port}");
    assert_eq!(same(&["-s", &url, "version"], dir.path()).code, 5);
    assert_eq!(same(&["-s", &url, "status"], dir.path()).code, 4);
}

#[test]
fn faults_and_http_errors_from_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let shutting = fake_server("200 OK", fault(6, "SHUTDOWN_STATE"));
    let url = format!("http://127.0.0.1:{shutting}");
    for cmd in [
        "version", "status", "shutdown", "reload", "avail", "reread", "update", "add x",
        "remove x", "pid",
    ] {
        let mut args = vec!["-s", url.as_str()];
        args.extend(cmd.split(' '));
        same(&args, dir.path());
    }
    let quoted = fake_server("200 OK", fault(92, "CANT_REREAD: it's \"bad\""));
    let url = format!("http://127.0.0.1:{quoted}");
    same(&["-s", &url, "reread"], dir.path());
    same(&["-s", &url, "update"], dir.path());
    let broken = fake_server("500 Internal Server Error", String::new());
    let url = format!("http://127.0.0.1:{broken}");
    same(&["-s", &url, "version"], dir.path());
    same(&["-s", &url, "avail"], dir.path());
}

fn shutdown_and_reload(kind: DaemonKind) {
    let programs = "[program:x]\ncommand=sleep 1000\nstartsecs=0\n";
    let mut results = Vec::new();
    for prog in [py_supervisorctl(), SUPERVISORCTL] {
        let mut d = ctl::start(kind, programs);
        d.wait_state("x:x", "RUNNING");
        let c = d.conf.display().to_string();
        let cwd: std::path::PathBuf = d.dir.path().to_path_buf();
        let cwd: &Path = &cwd;
        let reload = ctl::run_prog(prog, &["-c", &c, "reload"], "", cwd);
        // The daemon comes back after a reload.
        d.wait_state("x:x", "RUNNING");
        let declined = ctl::run_prog(prog, &["-c", &c, "-i", "shutdown"], "n\n", cwd);
        let shutdown = ctl::run_prog(prog, &["-c", &c, "shutdown"], "", cwd);
        d.wait_exit();
        let after = ctl::run_prog(prog, &["-c", &c, "shutdown"], "", cwd);
        let after_status = ctl::run_prog(prog, &["-c", &c, "status"], "", cwd);
        let dir = cwd.display().to_string();
        let strip = |mut r: ctl::Run| {
            r.stdout = r.stdout.replace(&dir, "DIR");
            r
        };
        results.push((
            strip(reload),
            strip(declined),
            strip(shutdown),
            strip(after),
            strip(after_status),
        ));
    }
    assert_eq!(results[1], results[0]);
    assert_eq!(results[0].2.stdout, "Shut down\n");
}
