//! End-to-end lifecycle tests of our supervisord with real processes: every state path of spec
//! §2.2, startsecs and backoff timing, autorestart, stop escalation, process groups and the
//! daemonizing-program trap.

use std::time::{Duration, Instant};

use crate::support::daemon::{times_of, CallError};
use crate::support::process::{alive, children_of, kill, pgid_of};
use crate::support::{python, script, wait_for, wait_until, Daemon, TIMEOUT};
use supervisor_xmlrpc::Value;

/// A program that ignores SIGTERM (and has no children, so SIGKILL leaves nothing behind).
fn term_ignoring() -> String {
    let py = python();
    format!(
        "{py} -c \"import signal,time,sys; signal.signal(signal.SIGTERM, signal.SIG_IGN); \
         print('ready', flush=True); time.sleep(1000)\""
    )
}

#[test]
fn starting_then_running_after_startsecs_in_its_own_process_group() {
    let d = Daemon::start(
        "[program:slow]\ncommand=sleep 1000\nstartsecs=1\n\n\
         [program:fast]\ncommand=sleep 1000\nstartsecs=0\n",
    );
    let fast = d.wait_state("fast", "RUNNING");
    let slow = d.wait_state("slow", "RUNNING");
    // Supervisor puts each child in its own process group (setpgrp), not its own session.
    for info in [&fast, &slow] {
        assert_eq!(pgid_of(info.pid), Some(info.pid), "{info:?}");
        assert!(info.start > 0);
        assert_eq!(info.spawnerr, "");
    }
    let log = d.log();
    assert!(log.contains(&format!("INFO spawned: 'slow' with pid {}", slow.pid)));
    assert!(log.contains(
        "INFO success: slow entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)"
    ));
    assert!(log.contains(
        "INFO success: fast entered RUNNING state, process has stayed up for > than 0 seconds (startsecs)"
    ));
    // startsecs=1 means RUNNING one second after the spawn (not a poll later), and startsecs=0
    // means RUNNING at once (fix Q1: no delay before the first spawn either).
    let spawned = times_of(&log, "spawned: 'slow'")[0];
    let success = times_of(&log, "success: slow")[0];
    assert!(
        (0.9..2.0).contains(&(success - spawned)),
        "{spawned} {success}"
    );
    let started = times_of(&log, "supervisord started with pid")[0];
    let fast_spawned = times_of(&log, "spawned: 'fast'")[0];
    assert!(fast_spawned - started < 0.9, "{started} {fast_spawned}");
}

#[test]
fn backoff_delays_grow_by_a_second_then_fatal() {
    let d = Daemon::start(
        "[program:failing]\ncommand=sh -c 'echo nope >&2; exit 4'\nstartsecs=5\nstartretries=2\n",
    );
    let info = d.wait_state("failing", "FATAL");
    assert_eq!(
        info.spawnerr,
        "Exited too quickly (process log may have details)"
    );
    let log = d.log();
    let spawns = times_of(&log, "spawned: 'failing'");
    let exits = times_of(&log, "exited: failing (exit status 4; not expected)");
    assert_eq!(spawns.len(), 3, "{log}");
    assert_eq!(exits.len(), 3, "{log}");
    // Delay after the k-th failure is k seconds, measured from the failure (spec §2.4).
    for (k, (exit, next)) in exits.iter().zip(&spawns[1..]).enumerate() {
        let delay = next - exit;
        let want = (k + 1) as f64;
        // The exit line is written once the child's output is drained, a little after the
        // exit the delay counts from.
        assert!(
            delay >= want - 0.1 && delay < want + 0.9,
            "retry {k}: {delay}\n{log}"
        );
    }
    assert!(log
        .contains("INFO gave up: failing entered FATAL state, too many start retries too quickly"));
    // The failure that exceeds startretries goes FATAL at once (no extra poll).
    let gave_up = times_of(&log, "gave up: failing")[0];
    assert!(gave_up - exits[2] < 0.9);
    // What the child wrote is in its AUTO stderr log.
    let err = std::fs::read_to_string(&info.stderr_logfile).unwrap();
    assert_eq!(err, "nope\nnope\nnope\n");
    // FATAL is left only by an explicit start, which begins counting anew.
    assert!(d.start_nowait("failing").is_ok());
    d.wait_log_count("spawned: 'failing'", 4);
}

#[test]
fn startretries_zero_is_fatal_on_the_first_failure() {
    let d = Daemon::start("[program:once]\ncommand=sh -c 'exit 1'\nstartsecs=5\nstartretries=0\n");
    d.wait_state("once", "FATAL");
    assert_eq!(d.log().matches("spawned: 'once'").count(), 1);
}

#[test]
fn exit_after_startsecs_is_exited_and_autorestart_decides() {
    let dir = crate::support::tempdir("sd-e2e");
    let base = dir.path().to_path_buf();
    // Each run appends a line, so the number of runs is visible in a file.
    let runs = |name: &str| base.join(format!("{name}.runs"));
    let prog = |name: &str, code: i32, autorestart: &str, extra: &str| {
        format!(
            "[program:{name}]\ncommand=sh -c 'echo run >> {runs}; sleep 0.3; exit {code}'\n\
             startsecs=0\nautorestart={autorestart}\n{extra}\n",
            runs = runs(name).display()
        )
    };
    let programs = [
        prog("never", 3, "false", ""),
        prog("always", 0, "true", ""),
        prog("unexp_ok", 2, "unexpected", "exitcodes=0,2"),
        prog("unexp_bad", 3, "unexpected", "exitcodes=0,2"),
    ]
    .concat();
    let d = Daemon::builder(&programs).in_dir(dir).start();
    let count = |name: &str| {
        std::fs::read_to_string(runs(name))
            .unwrap_or_default()
            .lines()
            .count()
    };
    // Programs that are restarted run again; wait for three runs of each.
    wait_until(TIMEOUT, "always and unexp_bad to run 3 times", || {
        count("always") >= 3 && count("unexp_bad") >= 3
    });
    let never = d.wait_state("never", "EXITED");
    let ok = d.wait_state("unexp_ok", "EXITED");
    assert_eq!(never.exitstatus, 3);
    assert_eq!(never.spawnerr, "Bad exit code 3");
    assert_eq!(ok.exitstatus, 2);
    assert_eq!(count("never"), 1);
    assert_eq!(count("unexp_ok"), 1);
    let log = d.log();
    assert!(log.contains("WARN exited: never (exit status 3; not expected)"));
    assert!(log.contains("INFO exited: unexp_ok (exit status 2; expected)"));
    assert!(log.contains("INFO exited: always (exit status 0; expected)"));
    assert!(log.contains("WARN exited: unexp_bad (exit status 3; not expected)"));
    // A restart after EXITED is immediate (fix Q3): no one-second poll in between.
    let exits = times_of(&log, "exited: always");
    let spawns = times_of(&log, "spawned: 'always'");
    assert!(spawns[1] - exits[0] < 0.9, "{exits:?} {spawns:?}");
}

#[test]
fn signal_deaths_are_worded_like_supervisor() {
    let d = Daemon::start(
        "[program:killed]\ncommand=sh -c 'sleep 0.2; kill -KILL $$'\nstartsecs=0\nautorestart=false\n\n\
         [program:aborted]\ncommand=sh -c 'sleep 0.2; kill -USR1 $$'\nstartsecs=0\nautorestart=false\n",
    );
    let killed = d.wait_state("killed", "EXITED");
    let aborted = d.wait_state("aborted", "EXITED");
    assert_eq!(killed.exitstatus, -1);
    assert_eq!(aborted.exitstatus, -1);
    let log = d.log();
    assert!(log.contains("WARN exited: killed (terminated by SIGKILL; not expected)"));
    assert!(log.contains("WARN exited: aborted (terminated by SIGUSR1; not expected)"));
}

#[test]
fn stop_escalates_to_sigkill_after_stopwaitsecs() {
    let d = Daemon::start(&format!(
        "[program:stubborn]\ncommand={}\nstartsecs=0\nstopwaitsecs=1\n",
        term_ignoring()
    ));
    let info = d.wait_state("stubborn", "RUNNING");
    // Wait until Python has installed its handler (it prints "ready" after).
    wait_until(TIMEOUT, "the program to be ready", || {
        std::fs::read_to_string(&info.stdout_logfile).is_ok_and(|s| s.contains("ready"))
    });
    let t0 = Instant::now();
    d.stop("stubborn")
        .expect("stopProcess succeeds once the process is dead");
    let took = t0.elapsed();
    assert!(took >= Duration::from_millis(950), "{took:?}");
    assert!(!alive(info.pid));
    let after = d.info("stubborn");
    assert_eq!(after.state, "STOPPED");
    assert_eq!(after.exitstatus, -1);
    let log = d.log();
    assert!(log.contains(&format!(
        "DEBG killing stubborn (pid {}) with signal SIGTERM",
        info.pid
    )));
    assert!(log.contains(&format!(
        "WARN killing 'stubborn' ({}) with SIGKILL",
        info.pid
    )));
    assert!(log.contains("WARN stopped: stubborn (terminated by SIGKILL)"));
    let term = times_of(&log, "with signal SIGTERM")[0];
    let killed = times_of(&log, "with SIGKILL")[0];
    assert!((0.95..2.0).contains(&(killed - term)), "{term} {killed}");
}

#[test]
fn stopasgroup_and_killasgroup_reach_grandchildren() {
    let d = Daemon::start(
        "[program:group_stop]\ncommand=sh -c 'sleep 1000 & sleep 1000 & wait'\nstartsecs=0\nstopasgroup=true\n\n\
         [program:group_kill]\ncommand=sh -c 'trap \"\" TERM; sleep 1000 & wait; wait'\nstartsecs=0\n\
         killasgroup=true\nstopwaitsecs=1\n\n\
         [program:pid_only]\ncommand=sh -c 'sleep 1000 & wait'\nstartsecs=0\n",
    );
    let mut grandchildren = Vec::new();
    for name in ["group_stop", "group_kill", "pid_only"] {
        let info = d.wait_state(name, "RUNNING");
        let want = if name == "group_stop" { 2 } else { 1 };
        let kids = wait_for(TIMEOUT, "the grandchildren", || {
            let k = children_of(info.pid);
            (k.len() == want).then_some(k)
        });
        for k in &kids {
            d.track(*k);
            assert_eq!(pgid_of(*k), Some(info.pid));
        }
        grandchildren.push(kids);
    }
    d.stop("group_stop").unwrap();
    d.stop("group_kill").unwrap();
    d.stop("pid_only").unwrap();
    for k in grandchildren[0].iter().chain(&grandchildren[1]) {
        wait_until(TIMEOUT, "the grandchild to die", || !alive(*k));
    }
    // Without stopasgroup only the child itself is signalled: its grandchild survives.
    assert!(alive(grandchildren[2][0]));
    let log = d.log();
    assert!(log.contains("with signal SIGTERM"));
    assert!(log.contains("DEBG killing group_stop (pid "));
    assert!(log.contains(") process group with signal SIGTERM"));
    assert!(log.contains("WARN killing 'group_kill' ("));
    assert!(log.contains(") process group with signal SIGKILL"));
}

#[test]
fn stopping_a_backoff_process_stops_it_without_a_signal() {
    let d =
        Daemon::start("[program:flappy]\ncommand=sh -c 'exit 1'\nstartsecs=5\nstartretries=100\n");
    d.wait_state("flappy", "BACKOFF");
    d.stop("flappy").unwrap();
    let info = d.wait_state("flappy", "STOPPED");
    assert_eq!(info.pid, 0);
    d.wait_log("DEBG Attempted to kill flappy, which is in BACKOFF state.");
}

#[test]
fn rpc_start_stop_and_faults() {
    let d = Daemon::start("[program:manual]\ncommand=sleep 1000\nstartsecs=0\nautostart=false\n");
    assert_eq!(d.info("manual").state, "STOPPED");
    assert_eq!(d.info("manual").start, 0);
    // startProcess waits for RUNNING.
    let v = d.call("supervisor.startProcess", &[Value::from("manual")]);
    assert_eq!(v, Value::Bool(true));
    let running = d.info("manual");
    assert_eq!(running.state, "RUNNING");
    match d.try_call("supervisor.startProcess", &[Value::from("manual")]) {
        Err(CallError::Fault(60, s)) => assert_eq!(s, "ALREADY_STARTED: manual"),
        other => panic!("{other:?}"),
    }
    d.stop("manual").unwrap();
    let stopped = d.info("manual");
    assert_eq!(stopped.state, "STOPPED");
    assert!(!alive(running.pid));
    match d.stop("manual") {
        Err(CallError::Fault(70, s)) => assert_eq!(s, "NOT_RUNNING: manual"),
        other => panic!("{other:?}"),
    }
    // A death by signal is never an expected exit status, so Supervisor warns.
    d.wait_log("WARN stopped: manual (terminated by SIGTERM)");
}

#[test]
fn a_program_that_daemonizes_itself_is_explained() {
    let dir = crate::support::tempdir("sd-e2e");
    let pidfile = dir.path().join("bg.pid");
    let cmd = script(
        dir.path(),
        "daemonizer.sh",
        &format!("sleep 1000 &\necho $! > {}\nexit 0", pidfile.display()),
    );
    let d = Daemon::builder(&format!(
        "[program:daemonizer]\ncommand={}\nstartsecs=1\nstartretries=0\n\n\
         [program:innocent]\ncommand=sh -c 'sleep 0.3; exit 1'\nstartsecs=5\nstartretries=0\n",
        cmd.display()
    ))
    .in_dir(dir)
    .start();
    let info = d.wait_state("daemonizer", "FATAL");
    let bg: i32 = wait_for(TIMEOUT, "the pid file", || {
        std::fs::read_to_string(d.path().join("bg.pid"))
            .ok()?
            .trim()
            .parse()
            .ok()
    });
    d.track(bg);
    assert!(alive(bg));
    assert!(
        info.spawnerr
            .starts_with("Exited too quickly (process log may have details)"),
        "{}",
        info.spawnerr
    );
    assert!(info.spawnerr.contains(&bg.to_string()), "{}", info.spawnerr);
    assert!(info.spawnerr.contains("foreground"), "{}", info.spawnerr);
    let log = d.log();
    let warn = log
        .lines()
        .find(|l| l.contains("WARN daemonizer") && l.contains(&bg.to_string()))
        .unwrap_or_else(|| panic!("no survivors warning in\n{log}"));
    assert!(warn.contains("foreground"), "{warn}");
    // Another program failing later is not blamed for the first one's orphan.
    let innocent = d.wait_state("innocent", "FATAL");
    assert_eq!(
        innocent.spawnerr,
        "Exited too quickly (process log may have details)"
    );
    assert!(!d.log().lines().any(|l| l.contains("WARN innocent")));
}

#[test]
fn startsecs_zero_program_crash_is_restarted_with_a_new_pid() {
    let d = Daemon::start("[program:crashy]\ncommand=sleep 1000\nstartsecs=0\n");
    let first = d.wait_state("crashy", "RUNNING");
    kill(first.pid, libc::SIGKILL);
    let second = wait_for(TIMEOUT, "a new pid", || {
        let i = d.info("crashy");
        (i.state == "RUNNING" && i.pid != first.pid && i.pid != 0).then_some(i)
    });
    assert!(alive(second.pid));
    d.wait_log("WARN exited: crashy (terminated by SIGKILL; not expected)");
}

#[test]
fn stopsignal_by_name_and_number() {
    let d = Daemon::start(
        "[program:by_name]\ncommand=sleep 1000\nstartsecs=0\nstopsignal=INT\n\n\
         [program:by_number]\ncommand=sleep 1000\nstartsecs=0\nstopsignal=1\n\n\
         [program:quitter]\ncommand=sleep 1000\nstartsecs=0\nstopsignal=QUIT\nexitcodes=0\n",
    );
    for name in ["by_name", "by_number", "quitter"] {
        d.wait_state(name, "RUNNING");
        d.stop(name).unwrap();
    }
    let log = d.log();
    assert!(log.contains("with signal SIGINT"), "{log}");
    assert!(
        log.contains("WARN stopped: by_name (terminated by SIGINT)"),
        "{log}"
    );
    assert!(
        log.contains("WARN stopped: by_number (terminated by SIGHUP)"),
        "{log}"
    );
    // SIGQUIT makes sleep dump core where core dumps are enabled; either wording is Python's.
    assert!(
        log.contains("WARN stopped: quitter (terminated by SIGQUIT)")
            || log.contains("WARN stopped: quitter (terminated by SIGQUIT (core dumped))"),
        "{log}"
    );
}

#[test]
fn signal_process_sends_any_signal_including_real_time_ones() {
    let d = Daemon::start("[program:target]\ncommand=sleep 1000\nstartsecs=0\nautorestart=false\n");
    let info = d.wait_state("target", "RUNNING");
    // 40 is SIGRTMIN+6 on Linux: sleep does not handle it, so it dies of it.
    d.call(
        "supervisor.signalProcess",
        &[Value::from("target"), Value::from("40")],
    );
    let after = d.wait_state("target", "EXITED");
    assert_eq!(after.exitstatus, -1);
    assert!(!alive(info.pid));
    let log = d.log();
    assert!(
        log.contains("WARN exited: target (terminated by signal 40; not expected)")
            || log.contains("WARN exited: target (terminated by SIGRTMIN+6; not expected)"),
        "{log}"
    );
}

#[test]
fn a_program_that_detaches_into_its_own_session_is_explained_too() {
    let dir = crate::support::tempdir("sd-e2e");
    let pidfile = dir.path().join("detached.pid");
    // Like a classic daemon: the survivor leaves the process group (setsid) and is re-parented
    // to supervisord, the child subreaper.
    let cmd = script(
        dir.path(),
        "detacher.sh",
        &format!(
            "setsid sleep 1000 &\necho $! > {}\nexit 0",
            pidfile.display()
        ),
    );
    let d = Daemon::builder(&format!(
        "[program:detacher]\ncommand={}\nstartsecs=1\nstartretries=0\n",
        cmd.display()
    ))
    .in_dir(dir)
    .start();
    let info = d.wait_state("detacher", "FATAL");
    let bg: i32 = wait_for(TIMEOUT, "the pid file", || {
        std::fs::read_to_string(d.path().join("detached.pid"))
            .ok()?
            .trim()
            .parse()
            .ok()
    });
    d.track(bg);
    // It leads its own session and process group.
    assert_eq!(pgid_of(bg), Some(bg));
    assert!(
        info.spawnerr
            .contains(&format!("left 1 process running (pid {bg})")),
        "{}",
        info.spawnerr
    );
}

#[test]
fn stop_while_starting_and_start_again_from_exited() {
    let d = Daemon::start(
        "[program:slowstart]\ncommand=sleep 1000\nstartsecs=30\n\n\
         [program:oneshot]\ncommand=sh -c 'sleep 0.2'\nstartsecs=0\nautorestart=false\n",
    );
    let starting = d.wait_state("slowstart", "STARTING");
    d.stop("slowstart").unwrap();
    let stopped = d.info("slowstart");
    assert_eq!(stopped.state, "STOPPED");
    assert!(!alive(starting.pid));
    // EXITED is left by an explicit start.
    let exited = d.wait_state("oneshot", "EXITED");
    assert_eq!(exited.exitstatus, 0);
    d.start_nowait("oneshot").unwrap();
    d.wait_log_count("spawned: 'oneshot'", 2);
    d.wait_log_count("INFO exited: oneshot (exit status 0; expected)", 2);
}

#[test]
fn shutdown_turns_a_backing_off_process_fatal_without_waiting() {
    let mut d = Daemon::start(
        "[program:flapping]\ncommand=sh -c 'exit 1'\nstartsecs=5\nstartretries=100\n\n\
         [program:steady]\ncommand=sleep 1000\nstartsecs=0\n",
    );
    d.wait_state("flapping", "BACKOFF");
    d.wait_state("steady", "RUNNING");
    d.signal(libc::SIGTERM);
    let t = Instant::now();
    assert_eq!(d.wait_exit().code(), Some(0));
    // The next retry would have been a second or more away: nobody waited for it.
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    let log = d.log();
    // Supervisor's stop_all gives up on it silently (Q7): no "gave up" line.
    assert!(!log.contains("gave up: flapping"), "{log}");
    assert!(log.contains("stopped: steady"), "{log}");
}

#[test]
fn a_program_dying_on_every_start_is_not_restarted_in_a_tight_loop() {
    let d = Daemon::builder("[program:spin]\ncommand=true\nstartsecs=0\nautorestart=true\n")
        .loglevel("info")
        .start();
    // Immediate restarts first (a crash is restarted at once), then one per second.
    let log = d.wait_log(
        "WARN spin exited 100 times in a row less than a second after starting; restarting it \
         at most once a second",
    );
    let before = log.matches("spawned: 'spin'").count();
    assert!(before >= 101, "{before}");
    let log = d.wait_log_count("spawned: 'spin'", before + 2);
    let spawns = times_of(&log, "spawned: 'spin'");
    let paced = spawns[before] - spawns[before - 1];
    let next = spawns[before + 1] - spawns[before];
    assert!(paced >= 0.9 && next >= 0.9, "{paced} {next}");
}
