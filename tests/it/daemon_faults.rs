//! End-to-end tests of bad input and faults: commands that can't run, bad directories and
//! users, privilege errors, fork failure (EAGAIN), and `[fcgi-program:x]` sockets.

use std::io::Read;
use std::os::unix::fs::PermissionsExt;

use crate::support::daemon::CallError;
use crate::support::process::alive;
use crate::support::{python, wait_until, Daemon, TIMEOUT};
use supervisor_xmlrpc::Value;

#[test]
fn commands_that_cannot_run_back_off_to_fatal_with_supervisors_spawnerr() {
    let dir = crate::support::tempdir("sd-e2e");
    let plain = dir.path().join("plain.txt");
    std::fs::write(&plain, "not a program").unwrap();
    std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o644)).unwrap();
    let programs = format!(
        "[program:missing]\ncommand=/nonexistent/prog --flag\nstartretries=1\n\n\
         [program:notonpath]\ncommand=no-such-program-e2e\nstartretries=0\n\n\
         [program:notexec]\ncommand={plain}\nstartretries=0\n\n\
         [program:isdir]\ncommand={dir}\nstartretries=0\n\n\
         [program:unparsable]\ncommand=sh -c 'unterminated\nstartretries=0\n",
        plain = plain.display(),
        dir = dir.path().display()
    );
    let d = Daemon::builder(&programs).in_dir(dir).start();
    let cases = [
        (
            "missing",
            "can't find command '/nonexistent/prog'".to_string(),
        ),
        (
            "notonpath",
            "can't find command 'no-such-program-e2e'".to_string(),
        ),
        (
            "notexec",
            format!("command at '{}' is not executable", plain.display()),
        ),
        (
            "isdir",
            format!("command at '{}' is a directory", d.path().display()),
        ),
        (
            "unparsable",
            "can't parse command \"sh -c 'unterminated\": No closing quotation".to_string(),
        ),
    ];
    for (name, spawnerr) in &cases {
        let info = d.wait_state(name, "FATAL");
        assert_eq!(&info.spawnerr, spawnerr, "{name}");
        assert_eq!(info.pid, 0);
    }
    let log = d.log();
    // No fork happened, so no "spawned:" line; each failed attempt is logged.
    assert!(!log.contains("spawned:"), "{log}");
    assert_eq!(
        log.matches("INFO spawnerr: can't find command '/nonexistent/prog'")
            .count(),
        2
    );
    assert!(log
        .contains("INFO gave up: missing entered FATAL state, too many start retries too quickly"));
    // startProcess reports the same problem as a fault right away.
    match d.try_call("supervisor.startProcess", &[Value::from("missing")]) {
        Err(CallError::Fault(20, s)) => {
            assert_eq!(s, "NO_FILE: can't find command '/nonexistent/prog'")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_bad_directory_is_reported_by_the_child() {
    let d = Daemon::start(
        "[program:nodir]\ncommand=sleep 1000\ndirectory=/nonexistent-e2e-dir\nstartretries=0\n",
    );
    let info = d.wait_state("nodir", "FATAL");
    assert_eq!(
        info.spawnerr,
        "Exited too quickly (process log may have details)"
    );
    let err = std::fs::read_to_string(&info.stderr_logfile).unwrap();
    assert_eq!(
        err,
        "supervisor: couldn't chdir to /nonexistent-e2e-dir: ENOENT\n\
         supervisor: child process was not spawned\n"
    );
    d.wait_log("WARN exited: nodir (exit status 127; not expected)");
}

#[test]
fn user_switches_the_childs_identity_when_root() {
    let d = Daemon::start("[program:asnobody]\ncommand=sleep 1000\nstartsecs=0\nuser=nobody\n");
    let info = d.wait_state("asnobody", "RUNNING");
    // RUNNING comes right after the fork (startsecs=0); the identity changes just before exec.
    wait_until(TIMEOUT, "the exec of sleep", || {
        std::fs::read_to_string(format!("/proc/{}/comm", info.pid)).is_ok_and(|c| c == "sleep\n")
    });
    let status = std::fs::read_to_string(format!("/proc/{}/status", info.pid)).unwrap();
    let uid_line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    assert_eq!(
        uid_line.split_whitespace().nth(1).unwrap(),
        "65534",
        "{uid_line}"
    );
    // The primary group, and the supplementary groups are the user's (not root's).
    let gid_line = status.lines().find(|l| l.starts_with("Gid:")).unwrap();
    assert_eq!(gid_line.split_whitespace().nth(1).unwrap(), "65534");
    let groups_line = status.lines().find(|l| l.starts_with("Groups:")).unwrap();
    assert!(
        !groups_line.split_whitespace().skip(1).any(|g| g == "0"),
        "{groups_line}"
    );
}

#[test]
fn an_unknown_user_is_a_startup_error() {
    let mut d = Daemon::builder("[program:x]\ncommand=sleep 1\nuser=no-such-user-e2e\n")
        .no_wait()
        .start();
    assert_eq!(d.wait_exit().code(), Some(2));
    assert!(
        d.stderr().contains("Invalid user name no-such-user-e2e"),
        "{}",
        d.stderr()
    );
    // Refused before the log was touched.
    assert!(!d.path().join("supervisord.log").exists());
}

#[test]
fn the_user_flag_resolves_the_user_and_rejects_unknown_ones() {
    let mut bad = Daemon::builder("[program:x]\ncommand=sleep 1\n")
        .args(&["-u", "no-such-user-e2e"])
        .no_wait()
        .start();
    assert_eq!(bad.wait_exit().code(), Some(2));
    assert!(
        bad.stderr()
            .contains("Error: Invalid user name no-such-user-e2e"),
        "{}",
        bad.stderr()
    );
    // `-u root` as root: the uid is resolved and privileges are "dropped" to the same user,
    // so the running-as-root warning is not logged.
    let d = Daemon::builder("[program:x]\ncommand=sleep 1000\nstartsecs=0\n")
        .args(&["-u", "root"])
        .start();
    d.wait_state("x", "RUNNING");
    let log = d.log();
    assert!(!log.contains("Supervisor is running as root"), "{log}");
    assert!(log.contains("INFO Set uid to user 0 succeeded"), "{log}");
}

/// Makes the test's directory usable by an unprivileged daemon.
fn open_up(dir: &std::path::Path) {
    for p in [dir.to_path_buf(), dir.join("logs")] {
        std::fs::create_dir_all(&p).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o777)).unwrap();
    }
}

#[test]
fn a_non_root_daemon_cannot_switch_users_and_the_child_says_so() {
    let dir = crate::support::tempdir("sd-e2e");
    open_up(dir.path());
    let d = Daemon::builder("[program:toroot]\ncommand=sleep 1000\nuser=root\nstartretries=0\n")
        .wrapper(&[
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
        ])
        .in_dir(dir)
        .start();
    let info = d.wait_state("toroot", "FATAL");
    let err = std::fs::read_to_string(&info.stderr_logfile).unwrap();
    assert_eq!(
        err,
        "supervisor: couldn't setuid to 0: Can't drop privilege as nonroot user\n\
         supervisor: child process was not spawned\n"
    );
}

#[test]
fn fork_failure_is_a_spawn_error_and_retried() {
    let dir = crate::support::tempdir("sd-e2e");
    open_up(dir.path());
    // An unprivileged uid of its own with room for the daemon and two children.
    let programs: String = (0..4)
        .map(|i| format!("[program:p{i}]\ncommand=sleep 1000\nstartsecs=0\nstartretries=30\n\n"))
        .collect();
    let d = Daemon::builder(&programs)
        .supervisord("minprocs=1")
        .loglevel("info")
        .wrapper(&[
            "setpriv",
            "--reuid=54321",
            "--regid=54321",
            "--clear-groups",
            "prlimit",
            "--nproc=3:3",
        ])
        .in_dir(dir)
        .start();
    d.wait_log("INFO spawnerr: Too many processes in process table to spawn 'p");
    // The daemon goes on: the programs that could not fork back off, and once a slot is free
    // one of them runs.
    let running: Vec<String> = d
        .all_info()
        .into_iter()
        .filter(|i| i.state == "RUNNING")
        .map(|i| i.name)
        .collect();
    assert_eq!(running.len(), 2, "{running:?}");
    for info in d.all_info() {
        if info.state != "RUNNING" {
            assert_eq!(
                info.spawnerr,
                format!(
                    "Too many processes in process table to spawn '{}'",
                    info.name
                )
            );
        }
    }
    d.stop(&running[0]).unwrap();
    wait_until(TIMEOUT, "another program to take the free slot", || {
        d.all_info()
            .iter()
            .any(|i| i.state == "RUNNING" && !running.contains(&i.name))
    });
}

#[test]
fn fcgi_sockets_are_shared_as_fd_0_and_closed_with_the_last_process() {
    let dir = crate::support::tempdir("sd-e2e");
    let sock = dir.path().join("fcgi.sock");
    // Each process accepts one connection on fd 0 and answers with its own name.
    let prog = format!(
        "{} -c \"import socket,os,sys; s=socket.socket(fileno=0); print('ready', flush=True); \
         c,_=s.accept(); c.sendall(os.environ['SUPERVISOR_PROCESS_NAME'].encode()); c.close(); \
         import time; time.sleep(1000)\"",
        python()
    );
    let d = Daemon::builder(&format!(
        "[fcgi-program:web]\ncommand={prog}\nsocket=unix://{sock}\nsocket_mode=0660\n\
         process_name=%(program_name)s_%(process_num)d\nnumprocs=2\nstartsecs=0\n",
        sock = sock.display()
    ))
    .in_dir(dir)
    .start();
    for n in ["web:web_0", "web:web_1"] {
        let info = d.wait_state(n, "RUNNING");
        wait_until(TIMEOUT, "the program to be ready", || {
            std::fs::read_to_string(&info.stdout_logfile).is_ok_and(|s| s.contains("ready"))
        });
    }
    let meta = std::fs::metadata(&sock).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o660);
    // Two connections are accepted by the two processes sharing the socket.
    let mut names = Vec::new();
    for _ in 0..2 {
        let mut c = std::os::unix::net::UnixStream::connect(&sock).unwrap();
        let mut answer = String::new();
        c.read_to_string(&mut answer).unwrap();
        names.push(answer);
    }
    names.sort();
    assert_eq!(names, ["web_0", "web_1"]);
    // Created and closed once when the group is added (Supervisor's early check), then
    // created for the first process and shared by the second.
    let creating = format!("INFO Creating socket unix://{}", sock.display());
    let closing = format!("INFO Closing socket unix://{}", sock.display());
    let log = d.log();
    assert_eq!(log.matches(&creating).count(), 2, "{log}");
    assert_eq!(log.matches(&closing).count(), 1, "{log}");
    assert!(log.find(&closing) < log.find("RPC interface 'supervisor' initialized"));
    // stdin is the socket, so there is no stdin pipe to write to.
    assert!(d
        .try_call(
            "supervisor.sendProcessStdin",
            &[Value::from("web:web_0"), Value::from("x")]
        )
        .is_err());
    // The socket stays open while one process holds it; it closes with the last one.
    d.stop("web:web_0").unwrap();
    assert!(sock.exists());
    assert_eq!(d.log().matches(&closing).count(), 1);
    d.stop("web:web_1").unwrap();
    d.wait_log_count(&closing, 2);
    assert!(!sock.exists());
    // A new start creates it again.
    d.call("supervisor.startProcess", &[Value::from("web:web_0")]);
    wait_until(TIMEOUT, "the socket file", || sock.exists());
    assert_eq!(d.log().matches(&creating).count(), 3);
}

#[test]
fn an_fcgi_tcp_socket_and_a_socket_that_cannot_be_created() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let prog = format!(
        "{} -c \"import socket; s=socket.socket(fileno=0); c,_=s.accept(); c.sendall(b'tcp ok'); \
         c.close(); import time; time.sleep(1000)\"",
        python()
    );
    let d = Daemon::start(&format!(
        "[fcgi-program:tcp]\ncommand={prog}\nsocket=tcp://127.0.0.1:{port}\nsocket_backlog=5\n\
         startsecs=0\n\n\
         [fcgi-program:nodir]\ncommand=sleep 1000\nsocket=unix:///nonexistent-e2e/x.sock\n\
         startretries=0\n"
    ));
    let info = d.wait_state("tcp", "RUNNING");
    let mut answer = String::new();
    wait_until(
        TIMEOUT,
        "an answer on the TCP socket",
        || match std::net::TcpStream::connect(("127.0.0.1", port)) {
            Ok(mut c) => {
                answer.clear();
                c.read_to_string(&mut answer).is_ok() && !answer.is_empty()
            }
            Err(_) => false,
        },
    );
    assert_eq!(answer, "tcp ok");
    assert!(alive(info.pid));
    let bad = d.wait_state("nodir", "FATAL");
    let problem = "Could not create FastCGI socket unix:///nonexistent-e2e/x.sock: ";
    assert!(bad.spawnerr.starts_with(problem), "{}", bad.spawnerr);
    // Already reported when the group was added, before the HTTP servers started.
    let log = d.log();
    let early = log
        .find(&format!("ERRO {problem}"))
        .expect("logged at startup");
    assert!(early < log.find("RPC interface 'supervisor' initialized").unwrap());
}
