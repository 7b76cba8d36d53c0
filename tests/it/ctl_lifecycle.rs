//! Golden tests: our supervisorctl against Python's for commands that change process states
//! (start, stop, restart, signal, clear). Before each run the state is restored over XML-RPC,
//! so both programs act on the same situation. Every test runs against Python's supervisord
//! and against ours.

use std::sync::{Mutex, MutexGuard, OnceLock};

use crate::support::ctl::{
    self as ctl, both_daemons, interrupt_when, same_after_reset, DaemonKind,
};
use crate::support::{py_supervisorctl, wait_until, Daemon, SUPERVISORCTL};

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

both_daemons!(
    start_variants,
    stop_and_restart,
    signal_variants,
    clear_logs,
    clear_group_clears_each_process,
    fg_sends_input_and_leaves_at_eof,
    tail_follow_streams_until_interrupted,
);

/// The daemon of `kind`, shared by the tests of this file; a lock serialises them because each
/// one changes process states.
fn daemon(kind: DaemonKind) -> (MutexGuard<'static, ()>, &'static Daemon) {
    static D: [OnceLock<Daemon>; 2] = [OnceLock::new(), OnceLock::new()];
    static LOCK: [Mutex<()>; 2] = [Mutex::new(()), Mutex::new(())];
    let guard = LOCK[kind.index()].lock().unwrap_or_else(|e| e.into_inner());
    let d = D[kind.index()].get_or_init(|| {
        let d = ctl::start(kind, PROGRAMS);
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

/// Runs `line` with both clients (resetting before each) and compares them; commands that stop
/// several processes at once are compared without their order (see
/// `ctl::same_after_reset_unordered`).
#[track_caller]
fn check(d: &Daemon, line: &str, reset: impl FnMut()) -> ctl::Run {
    let c = d.conf.display().to_string();
    let mut args = vec!["-c", c.as_str()];
    args.extend(line.split(' '));
    if ["stop grp:*", "restart grp:*"].contains(&line) {
        return ctl::same_after_reset_unordered(&args, d.dir.path(), reset);
    }
    same_after_reset(&args, d.dir.path(), reset)
}

fn start_variants(kind: DaemonKind) {
    let (_g, d) = daemon(kind);
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

fn stop_and_restart(kind: DaemonKind) {
    let (_g, d) = daemon(kind);
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

fn signal_variants(kind: DaemonKind) {
    let (_g, d) = daemon(kind);
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

fn clear_logs(kind: DaemonKind) {
    let (_g, d) = daemon(kind);
    check(d, "clear sleeper", || ());
    check(d, "clear sleeper grp:ga", || ());
    check(d, "clear nosuch", || ());
    check(d, "clear all", || ());
}

fn clear_group_clears_each_process(kind: DaemonKind) {
    // Python prints `grp:None: ERROR (no such process)` (quirk Q45); we clear the group.
    let (_g, d) = daemon(kind);
    let c = d.conf.display().to_string();
    let r = ctl::run_prog(
        SUPERVISORCTL,
        &["-c", &c, "clear", "grp:*"],
        "",
        d.dir.path(),
    );
    assert_eq!(r.stdout, "grp:ga: cleared\ngrp:gb: cleared\n");
    let r = ctl::run_prog(
        SUPERVISORCTL,
        &["-c", &c, "clear", "nog:*"],
        "",
        d.dir.path(),
    );
    assert_eq!(
        (r.stdout.as_str(), r.code),
        ("nog: ERROR (no such group)\n", 1)
    );
}

fn fg_sends_input_and_leaves_at_eof(kind: DaemonKind) {
    // Python's fg never exits after stdin's EOF (quirk Q49), so this checks ours alone.
    let (_g, d) = daemon(kind);
    set(d, &["catter"], true);
    let c = d.conf.display().to_string();
    let r = ctl::run_prog(
        SUPERVISORCTL,
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
    wait_until(std::time::Duration::from_secs(10), "catter's echo", || {
        d.client()
            .read_process_log("catter", false, 0, 0)
            .is_ok_and(|s| s.contains("ping-from-fg"))
    });
}

fn tail_follow_streams_until_interrupted(kind: DaemonKind) {
    let (_g, d) = daemon(kind);
    set(d, &["catter"], true);
    d.client()
        .send_process_stdin("catter", "line-for-tail\n")
        .unwrap();
    let c = d.conf.display().to_string();
    let args = ["-c", c.as_str(), "tail", "-f", "catter"];
    let py = interrupt_when(py_supervisorctl(), &args, d.dir.path(), "", "line-for-tail");
    let ours = interrupt_when(SUPERVISORCTL, &args, d.dir.path(), "", "line-for-tail");
    assert!(
        ours.stdout.starts_with("==> Press Ctrl-C to exit <==\n"),
        "{ours:?}"
    );
    assert!(ours.stdout.ends_with("\n\n"), "{ours:?}");
    assert_eq!(ours, py);
}

/// A Ctrl-C arriving while a log piece is being printed (before the next read blocks) must end
/// `tail -f` too; it used to be missed now and then, leaving the command waiting for more output.
#[test]
fn tail_follow_never_misses_an_interrupt() {
    let (_g, d) = daemon(DaemonKind::Ours);
    set(d, &["catter"], true);
    d.client()
        .send_process_stdin("catter", "line-for-race\n")
        .unwrap();
    let c = d.conf.display().to_string();
    for _ in 0..20 {
        let r = interrupt_when(
            SUPERVISORCTL,
            &["-c", &c, "tail", "-f", "catter"],
            d.dir.path(),
            "",
            "line-for-race",
        );
        assert_eq!(r.code, 0, "{r:?}");
    }
}
