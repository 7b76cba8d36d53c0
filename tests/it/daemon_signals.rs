//! End-to-end tests of supervisord's signals (spec §3.3): orderly shutdown in descending
//! priority, reload with a valid and an invalid config (fix Q4), log reopening, a signal storm,
//! running as PID 1, and the absence of idle wake-ups.

use std::time::Duration;

use crate::support::daemon::CallError;
use crate::support::process::{alive, children_of, context_switches, kill};
use crate::support::{python, wait_for, wait_until, Daemon, TIMEOUT};

/// Three single-program groups and a two-program group, with distinct priorities.
const ORDERED: &str = "\
[program:low]\ncommand=sleep 1000\nstartsecs=0\npriority=100\n\n\
[program:high]\ncommand=sleep 1000\nstartsecs=0\npriority=300\n\n\
[program:mid]\ncommand=sleep 1000\nstartsecs=0\npriority=200\n\n\
[group:pair]\nprograms=first,second\npriority=250\n\n\
[program:first]\ncommand=sleep 1000\nstartsecs=0\npriority=1\n\n\
[program:second]\ncommand=sleep 1000\nstartsecs=0\npriority=2\n";

/// The order in which processes were sent their stop signal, from the log.
fn kill_order(log: &str) -> Vec<String> {
    log.lines()
        .filter_map(|l| l.split(" DEBG killing ").nth(1))
        .filter_map(|rest| rest.split(' ').next())
        .map(str::to_string)
        .collect()
}

fn shutdown_by(sig: i32, name: &str) {
    let mut d = Daemon::start(ORDERED);
    let pids: Vec<i32> = ["low", "mid", "high", "pair:first", "pair:second"]
        .iter()
        .map(|n| d.wait_state(n, "RUNNING").pid)
        .collect();
    // Start order is ascending priority.
    let log = d.log();
    let spawn_pos = |n: &str| log.find(&format!("spawned: '{n}'")).unwrap();
    assert!(spawn_pos("low") < spawn_pos("mid"));
    assert!(spawn_pos("mid") < spawn_pos("first"));
    assert!(spawn_pos("second") < spawn_pos("high"));
    d.signal(sig);
    let status = d.wait_exit();
    assert_eq!(status.code(), Some(0), "{}", d.log());
    for pid in pids {
        assert!(!alive(pid));
    }
    let log = d.log();
    assert!(
        log.contains(&format!("WARN received {name} indicating exit request")),
        "{log}"
    );
    // Groups are stopped one at a time, highest priority number first; inside a group, in
    // descending process priority (fix Q8).
    assert_eq!(
        kill_order(&log),
        ["high", "second", "first", "mid", "low"],
        "{log}"
    );
    let stopped = |n: &str| log.find(&format!("stopped: {n} ")).unwrap();
    let killed = |n: &str| log.find(&format!("DEBG killing {n} ")).unwrap();
    assert!(stopped("high") < killed("second"));
    assert!(stopped("first") < killed("mid"));
    assert!(stopped("second") < killed("mid"));
    assert!(stopped("mid") < killed("low"));
    // A clean exit removes the pid file and the socket it created.
    assert!(!d.path().join("supervisord.pid").exists());
    assert!(!d.sock.exists());
}

#[test]
fn sigterm_stops_groups_in_descending_priority_and_exits_0() {
    shutdown_by(libc::SIGTERM, "SIGTERM");
}

#[test]
fn sigint_is_an_orderly_shutdown() {
    shutdown_by(libc::SIGINT, "SIGINT");
}

#[test]
fn sigquit_is_an_orderly_shutdown() {
    shutdown_by(libc::SIGQUIT, "SIGQUIT");
}

/// A daemon running `slow`, a program that takes half a second to exit on SIGTERM, once the
/// program has installed its handler.
fn start_slow_stopper() -> Daemon {
    let d = Daemon::start(&format!(
        "[program:slow]\ncommand={} -c \"import signal,time,sys; \
         signal.signal(signal.SIGTERM, lambda *a: (time.sleep(0.5), sys.exit(0))); \
         print('ready', flush=True); time.sleep(1000)\"\nstartsecs=0\nstopwaitsecs=10\n",
        python()
    ));
    let info = d.wait_state("slow", "RUNNING");
    wait_until(TIMEOUT, "the program to be ready", || {
        std::fs::read_to_string(&info.stdout_logfile).is_ok_and(|s| s.contains("ready"))
    });
    d
}

#[test]
fn shutdown_waits_for_a_slow_process_and_names_it() {
    let mut d = start_slow_stopper();
    d.signal(libc::SIGTERM);
    assert_eq!(d.wait_exit().code(), Some(0));
    let log = d.log();
    assert!(log.contains("INFO waiting for slow to die"), "{log}");
    assert!(log.contains("INFO stopped: slow (exit status 0)"), "{log}");
}

#[test]
fn sighup_reloads_a_valid_config() {
    // An inet server too: its port must be free again when the reload binds it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let d = Daemon::start(&format!(
        "[inet_http_server]\nport=127.0.0.1:{port}\n\n\
         [program:old]\ncommand=sleep 1000\nstartsecs=0\n"
    ));
    let before = d.wait_state("old", "RUNNING");
    let text = std::fs::read_to_string(&d.conf).unwrap();
    std::fs::write(
        &d.conf,
        format!("{text}\n[program:new]\ncommand=sleep 1000\nstartsecs=0\n"),
    )
    .unwrap();
    d.signal(libc::SIGHUP);
    d.wait_log("WARN received SIGHUP indicating restart request");
    let new = d.wait_state("new", "RUNNING");
    // Reload stops and restarts every process (Q5), in the same daemon process.
    let after = d.wait_state("old", "RUNNING");
    assert_ne!(after.pid, before.pid);
    assert!(!alive(before.pid));
    assert!(alive(new.pid));
    let pid: i32 = d
        .call("supervisor.getPID", &[])
        .as_i64()
        .map(|p| p as i32)
        .unwrap();
    assert_eq!(pid, d.pid());
    let log = d.log();
    assert!(log.contains("stopped: old (terminated by SIGTERM)"));
    assert_eq!(log.matches("supervisord started with pid").count(), 2);
    wait_until(TIMEOUT, "the inet server to answer again", || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
}

#[test]
fn sighup_with_an_invalid_config_keeps_everything_running() {
    let d = Daemon::start("[program:keep]\ncommand=sleep 1000\nstartsecs=0\n");
    let before = d.wait_state("keep", "RUNNING");
    let text = std::fs::read_to_string(&d.conf).unwrap();
    std::fs::write(
        &d.conf,
        format!("{text}\n[program:broken]\nstartsecs=not-a-number\n"),
    )
    .unwrap();
    d.signal(libc::SIGHUP);
    let log = d.wait_log("WARN received SIGHUP indicating restart request");
    let log = if log.contains("not reloading") {
        log
    } else {
        d.wait_log("not reloading")
    };
    // The error is explained in the log, and nothing was stopped (fix Q4).
    let line = log.lines().find(|l| l.contains("not reloading")).unwrap();
    assert!(line.contains(" ERRO "), "{line}");
    assert!(log.contains("broken"), "{log}");
    let after = d.info("keep");
    assert_eq!(after.state, "RUNNING");
    assert_eq!(after.pid, before.pid);
    assert!(!log.contains("stopped: keep"));
    // Fixing the file and sending HUP again reloads.
    std::fs::write(&d.conf, &text).unwrap();
    d.signal(libc::SIGHUP);
    wait_until(TIMEOUT, "the reload", || {
        d.try_info("keep")
            .is_some_and(|i| i.state == "RUNNING" && i.pid != before.pid)
    });
}

#[test]
fn sigusr2_reopens_the_daemon_log_and_child_logs() {
    let d = Daemon::start(
        "[program:ticker]\ncommand=sh -c 'while :; do echo tick; sleep 0.05; done'\nstartsecs=0\n\
         stdout_logfile=%(here)s/ticker.log\n",
    );
    d.wait_state("ticker", "RUNNING");
    let child_log = d.path().join("ticker.log");
    wait_until(TIMEOUT, "output", || {
        std::fs::metadata(&child_log).is_ok_and(|m| m.len() > 0)
    });
    // What logrotate does: move the files away, then ask for a reopen.
    std::fs::rename(&child_log, d.path().join("ticker.log.old")).unwrap();
    std::fs::rename(
        d.path().join("supervisord.log"),
        d.path().join("supervisord.log.old"),
    )
    .unwrap();
    d.signal(libc::SIGUSR2);
    d.wait_log("INFO supervisord logreopen");
    let old = std::fs::read_to_string(d.path().join("supervisord.log.old")).unwrap();
    assert!(old.contains("INFO received SIGUSR2 indicating log reopen request"));
    wait_until(TIMEOUT, "the child log to be recreated", || {
        std::fs::read_to_string(&child_log).is_ok_and(|s| s.contains("tick\n"))
    });
}

#[test]
fn a_signal_storm_loses_no_child() {
    let programs: String = (0..10)
        .map(|i| {
            format!(
                "[program:churn{i}]\ncommand=sh -c 'sleep 0.05; exit 0'\nstartsecs=0\nautorestart=true\n\n"
            )
        })
        .collect();
    let d = Daemon::builder(&programs).loglevel("info").start();
    for i in 0..10 {
        d.wait_state(&format!("churn{i}"), "RUNNING");
    }
    let daemon = d.pid();
    for _ in 0..300 {
        for sig in [libc::SIGUSR2, libc::SIGCHLD, libc::SIGWINCH, libc::SIGUSR2] {
            kill(daemon, sig);
        }
    }
    // Still answering, and still restarting its programs.
    let log = d.log();
    let spawned = log.matches("spawned: 'churn0'").count();
    d.wait_log_count("spawned: 'churn0'", spawned + 3);
    d.wait_log("supervisord logreopen");
    // Every child the daemon has is one it knows about, and no zombie is left behind: stop
    // everything and check.
    let results = d.call("supervisor.stopAllProcesses", &[]);
    assert_eq!(results.as_array().unwrap().len(), 10);
    wait_until(TIMEOUT, "no children left", || {
        children_of(daemon).is_empty()
    });
    for info in d.all_info() {
        assert!(
            ["STOPPED", "EXITED"].contains(&info.state.as_str()),
            "{info:?}"
        );
    }
}

#[test]
fn an_idle_daemon_does_not_wake_up() {
    let programs: String = (0..20)
        .map(|i| format!("[program:idle{i}]\ncommand=sleep 1000\nstartsecs=1\n\n"))
        .collect();
    let d = Daemon::builder(&programs).loglevel("info").start();
    // Wait until everything is RUNNING: no deadline is left armed.
    wait_until(TIMEOUT, "20 RUNNING", || {
        d.all_info().iter().filter(|i| i.state == "RUNNING").count() == 20
    });
    let (v0, _, threads) = context_switches(d.pid());
    // A measurement window, not synchronisation: nothing is supposed to happen in it.
    std::thread::sleep(Duration::from_secs(3));
    let (v1, _, _) = context_switches(d.pid());
    assert_eq!(threads, 1, "the daemon runs on one thread");
    assert!(
        v1 - v0 <= 1,
        "{} voluntary context switches in 3 idle seconds",
        v1 - v0
    );
}

#[test]
fn as_pid_1_it_reaps_orphans_and_shuts_down() {
    let d = Daemon::builder(
        "[program:orphaner]\ncommand=sh -c '(sleep 0.3 &); exec sleep 1000'\nstartsecs=0\n",
    )
    .wrapper(&["unshare", "--pid", "--fork", "--mount-proc", "--kill-child"])
    .start();
    let pid = d.call("supervisor.getPID", &[]).as_i64().unwrap();
    assert_eq!(pid, 1);
    d.wait_state("orphaner", "RUNNING");
    // The subshell exits at once; its `sleep 0.3` is re-parented to PID 1 (us) and reaped.
    let log = d.wait_log("reaped unknown pid ");
    assert!(log.contains("(exit status 0)"), "{log}");
    let real = wait_for(TIMEOUT, "the daemon inside the namespace", || {
        children_of(d.pid()).first().copied()
    });
    // No zombie under PID 1: only the managed child is left.
    wait_until(TIMEOUT, "only the managed child", || {
        children_of(real).len() == 1
    });
    kill(real, libc::SIGTERM);
    let mut d = d;
    assert_eq!(d.wait_exit().code(), Some(0));
    assert!(d
        .log()
        .contains("stopped: orphaner (terminated by SIGTERM)"));
}

#[test]
fn sighup_during_shutdown_is_ignored_and_said_so() {
    let mut d = start_slow_stopper();
    d.signal(libc::SIGTERM);
    d.wait_log("waiting for slow to die");
    d.signal(libc::SIGHUP);
    assert_eq!(d.wait_exit().code(), Some(0));
    let log = d.log();
    assert!(
        log.contains("WARN ignored SIGHUP indicating restart request (shutdown in progress)"),
        "{log}"
    );
    assert_eq!(log.matches("supervisord started with pid").count(), 1);
}

#[test]
fn rpc_restart_with_an_invalid_config_is_a_fault_and_changes_nothing() {
    let d = Daemon::start("[program:keep]\ncommand=sleep 1000\nstartsecs=0\n");
    let before = d.wait_state("keep", "RUNNING");
    let text = std::fs::read_to_string(&d.conf).unwrap();
    std::fs::write(&d.conf, format!("{text}\n[program:broken]\n")).unwrap();
    match d.try_call("supervisor.restart", &[]) {
        Err(CallError::Fault(92, s)) => {
            assert!(s.starts_with("CANT_REREAD: "), "{s}");
            assert!(s.contains("broken"), "{s}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(d.info("keep").pid, before.pid);
    d.wait_log("ERRO not reloading");
}
