//! Golden tests: our supervisorctl against Python's for commands that change process states
//! (start, stop, restart, signal, clear). Before each run the state is restored over XML-RPC,
//! so both programs act on the same situation.

mod ctl_support;

use std::path::Path;
use std::sync::{Mutex, MutexGuard, OnceLock};

use ctl_support::{same_after_reset, Daemon};

const PROGRAMS: &str = "\
[program:sleeper]
command=sleep 1000
startsecs=0
stopwaitsecs=5

[program:stopped]
command=sleep 1000
startsecs=0
autostart=false

[program:a_program_with_a_very_long_name_xyz]
command=sleep 1000
startsecs=0
autostart=false

[group:grp]
programs=ga,gb

[program:ga]
command=sleep 1000
startsecs=0

[program:gb]
command=sleep 1000
startsecs=0
autostart=false

[program:exit0]
command=true
startsecs=0
autorestart=false

[program:quick]
command=false
startsecs=5
startretries=0
autostart=false

[program:nofile]
command=/nonexistent/ctl-test-cmd
autostart=false

[program:notexec]
command=/etc/passwd
autostart=false

[program:catter]
command=cat
startsecs=0
";

/// The daemon, shared by the tests of this file; a lock serialises them because each one
/// changes process states.
fn daemon() -> (MutexGuard<'static, ()>, &'static Daemon) {
    static D: OnceLock<Daemon> = OnceLock::new();
    static LOCK: Mutex<()> = Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let d = D.get_or_init(|| {
        let d = Daemon::start(PROGRAMS);
        d.wait_state("sleeper:sleeper", "RUNNING");
        d.wait_state("grp:ga", "RUNNING");
        d.wait_state("exit0:exit0", "EXITED");
        d
    });
    (guard, d)
}

/// Brings `names` to RUNNING (`up`) or to a stopped state.
fn set(d: &Daemon, names: &[&str], up: bool) {
    let mut c = d.client();
    for n in names {
        if up {
            let _ = c.start_process(n);
        } else {
            let _ = c.stop_process(n);
        }
    }
}

#[track_caller]
fn check(d: &Daemon, line: &str, reset: impl FnMut()) -> ctl_support::Run {
    let c = d.conf.display().to_string();
    let mut args = vec!["-c", c.as_str()];
    args.extend(line.split(' '));
    same_after_reset(&args, d.dir.path(), reset)
}

#[test]
fn start_variants() {
    let (_g, d) = daemon();
    let down = || {
        set(
            d,
            &["stopped", "grp:gb", "a_program_with_a_very_long_name_xyz"],
            false,
        )
    };
    assert_eq!(check(d, "start stopped", down).code, 0);
    check(d, "start grp:*", down);
    check(d, "start grp:gb stopped", down);
    check(d, "start a_program_with_a_very_long_name_xyz", down);
    assert_eq!(check(d, "start sleeper", || ()).code, 0);
    assert_eq!(check(d, "start nosuch", || ()).code, 1);
    assert_eq!(check(d, "start nog:*", || ()).code, 2);
    assert_eq!(check(d, "start nofile", || ()).code, 1);
    assert_eq!(check(d, "start notexec", || ()).code, 1);
    assert_eq!(check(d, "start quick", || ()).code, 7);
    set(
        d,
        &["stopped", "grp:gb", "a_program_with_a_very_long_name_xyz"],
        false,
    );
}

#[test]
fn stop_and_restart() {
    let (_g, d) = daemon();
    let up = || set(d, &["sleeper", "stopped", "grp:ga", "grp:gb"], true);
    assert_eq!(check(d, "stop sleeper", up).code, 0);
    check(d, "stop grp:*", up);
    check(d, "stop sleeper stopped", up);
    assert_eq!(check(d, "stop exit0", || ()).code, 0);
    assert_eq!(check(d, "stop nosuch", || ()).code, 1);
    assert_eq!(check(d, "stop nog:*", || ()).code, 1);
    check(d, "restart sleeper", up);
    check(d, "restart grp:*", up);
    assert_eq!(check(d, "restart nosuch", || ()).code, 1);
    assert_eq!(check(d, "restart quick", || ()).code, 7);
    set(d, &["sleeper", "grp:ga"], true);
    set(d, &["stopped", "grp:gb"], false);
}

#[test]
fn signal_variants() {
    let (_g, d) = daemon();
    set(d, &["sleeper", "grp:ga", "grp:gb"], true);
    check(d, "signal CONT sleeper", || ());
    check(d, "signal SIGCONT grp:*", || ());
    check(d, "signal 18 sleeper grp:ga", || ());
    assert_eq!(check(d, "signal BOGUS sleeper", || ()).code, 1);
    check(d, "signal BOGUS grp:*", || ());
    assert_eq!(check(d, "signal CONT exit0", || ()).code, 7);
    check(d, "signal CONT nosuch", || ());
    check(d, "signal CONT nog:*", || ());
    set(d, &["grp:gb"], false);
}

#[test]
fn clear_logs() {
    let (_g, d) = daemon();
    check(d, "clear sleeper", || ());
    check(d, "clear sleeper grp:ga", || ());
    check(d, "clear nosuch", || ());
    check(d, "clear all", || ());
}

#[test]
fn clear_group_clears_each_process() {
    // Python prints `grp:None: ERROR (no such process)` (quirk Q45); we clear the group.
    let (_g, d) = daemon();
    let c = d.conf.display().to_string();
    let r = ctl_support::run_prog(
        ctl_support::OURS,
        &["-c", &c, "clear", "grp:*"],
        "",
        d.dir.path(),
    );
    assert_eq!(r.stdout, "grp:ga: cleared\ngrp:gb: cleared\n");
    let r = ctl_support::run_prog(
        ctl_support::OURS,
        &["-c", &c, "clear", "nog:*"],
        "",
        d.dir.path(),
    );
    assert_eq!(
        (r.stdout.as_str(), r.code),
        ("nog: ERROR (no such group)\n", 1)
    );
}

#[test]
fn fg_sends_input_and_leaves_at_eof() {
    // Python's fg never exits after stdin's EOF (quirk Q49), so this checks ours alone.
    let (_g, d) = daemon();
    set(d, &["catter"], true);
    let c = d.conf.display().to_string();
    let r = ctl_support::run_prog(
        ctl_support::OURS,
        &["-c", &c, "fg", "catter"],
        "ping-from-fg\n",
        d.dir.path(),
    );
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.starts_with("==> Press Ctrl-C to exit <==\n"),
        "{r:?}"
    );
    assert!(r.stdout.ends_with("Exiting foreground\n"), "{r:?}");
    // cat echoed our line into its stdout log.
    ctl_support::wait_until("catter's echo", std::time::Duration::from_secs(10), || {
        d.client()
            .read_process_log("catter", false, 0, 0)
            .is_ok_and(|s| s.contains("ping-from-fg"))
    });
}

#[test]
fn tail_follow_streams_until_interrupted() {
    let (_g, d) = daemon();
    set(d, &["catter"], true);
    d.client()
        .send_process_stdin("catter", "line-for-tail\n")
        .unwrap();
    let c = d.conf.display().to_string();
    for prog in [ctl_support::PYTHON, ctl_support::OURS] {
        let out = follow_until(
            prog,
            &["-c", &c, "tail", "-f", "catter"],
            "line-for-tail",
            d.dir.path(),
        );
        assert!(
            out.0.starts_with("==> Press Ctrl-C to exit <==\n"),
            "{prog}: {out:?}"
        );
        assert!(out.0.ends_with("\n\n"), "{prog}: {out:?}");
        assert_eq!(out.1, 0, "{prog}");
    }
}

/// Starts `prog`, waits until its stdout contains `needle`, sends SIGINT and returns its stdout
/// and exit status.
fn follow_until(prog: &str, args: &[&str], needle: &str, cwd: &Path) -> (String, i32) {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(prog)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !String::from_utf8_lossy(&seen).contains(needle) {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(chunk) => seen.extend(chunk),
            Err(_) => panic!(
                "{prog} never printed {needle:?}: {:?}",
                String::from_utf8_lossy(&seen)
            ),
        }
    }
    let _ = Command::new("kill")
        .arg("-INT")
        .arg(child.id().to_string())
        .status();
    let status = child.wait().unwrap();
    reader.join().unwrap();
    while let Ok(chunk) = rx.try_recv() {
        seen.extend(chunk);
    }
    (
        String::from_utf8_lossy(&seen).into_owned(),
        status.code().unwrap_or(-1),
    )
}
