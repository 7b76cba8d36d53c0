//! Differential test: the same programs under Python's supervisord 4.3.0 and ours, comparing
//! what a user can observe: final states, exit statuses and `spawnerr`s, the child log files,
//! and the daemon log's messages (without timestamps and pids), process by process.
//!
//! The scenarios avoid Python's polling artefacts (Q1–Q3 of spec §9.1), which we fix on
//! purpose: programs that fail early take 0.3 s to do so and have `startsecs=2`, so Python's
//! one-second loop still judges them "too quick"; programs that are meant to survive startsecs
//! outlive it by more than a poll interval.

use std::collections::BTreeMap;

use crate::support::{wait_for, wait_until, Daemon, TIMEOUT};
use supervisor_xmlrpc::Value;

/// The scenario's programs; `PY` and `PORT` are filled in per run.
const PROGRAMS: &str = r#"
[program:ok_exit]
command=sh -c 'echo hello; sleep 2.5; exit 0'
startsecs=1
autorestart=false

[program:bad_exit]
command=sh -c 'echo to-stderr >&2; sleep 2.5; exit 3'
startsecs=1
autorestart=false

[program:quick]
command=sh -c 'echo oops >&2; sleep 0.3; exit 1'
startsecs=2
startretries=1

[program:missing]
command=/nonexistent/e2e-cmd
startretries=0

[program:killed]
command=sh -c 'sleep 2.5; kill -9 $$'
startsecs=1
autorestart=false

[program:manual]
command=sleep 1000
autostart=false

[program:stubborn]
command=PY -c "import signal,time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(1000)"
startsecs=1
stopwaitsecs=1

[program:nodir]
command=sleep 1000
directory=/nonexistent-e2e-dir
startsecs=2
startretries=0

[program:printer]
command=sh -c 'printf "a\000b\377c\nline two\n"; exec sleep 1000'
startsecs=1
redirect_stderr=true

[program:sleeper]
command=sleep 1000
startsecs=1
priority=50

[fcgi-program:zweb]
command=sleep 1000
socket=tcp://127.0.0.1:PORT
startsecs=1
"#;

/// The states everything settles in.
const SETTLED: &[(&str, &str)] = &[
    ("ok_exit", "EXITED"),
    ("bad_exit", "EXITED"),
    ("quick", "FATAL"),
    ("missing", "FATAL"),
    ("killed", "EXITED"),
    ("manual", "STOPPED"),
    ("stubborn", "STOPPED"),
    ("nodir", "FATAL"),
    ("printer", "RUNNING"),
    ("sleeper", "RUNNING"),
    ("zweb", "RUNNING"),
];

/// What one implementation showed.
#[derive(Debug, PartialEq)]
struct Observed {
    /// name → (statename, exitstatus, spawnerr)
    infos: BTreeMap<String, (String, i64, String)>,
    /// "name stdout|stderr" → log file bytes
    files: BTreeMap<String, Vec<u8>>,
    /// name → the daemon log's messages about it, in order
    per_process: BTreeMap<String, Vec<String>>,
    /// Messages about no process, in order.
    global: Vec<String>,
}

/// Replaces the pid in `pid 1234`, `with pid 1234` and `'x' (1234)` with `PID`.
fn redact_pids(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(i) = rest.find(|c: char| c.is_ascii_digit()) {
        let (before, from) = rest.split_at(i);
        let end = from
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(from.len());
        out.push_str(before);
        let is_pid =
            before.ends_with("pid ") || (before.ends_with("' (") && from[end..].starts_with(')'));
        out.push_str(if is_pid { "PID" } else { &from[..end] });
        rest = &from[end..];
    }
    out.push_str(rest);
    out
}

/// Which process a message is about, if any.
fn subject(msg: &str) -> Option<&'static str> {
    SETTLED.iter().map(|(n, _)| *n).find(|n| {
        msg.contains(&format!("'{n}'"))
            || msg.contains(&format!(": {n} "))
            || msg.contains(&format!("for {n} "))
            || msg.contains(&format!(" {n} to "))
    })
}

fn run(python: bool) -> Observed {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let programs = PROGRAMS
        .replace(
            "command=PY",
            &format!("command={}", crate::support::python()),
        )
        .replace("PORT", &port.to_string());
    let builder = Daemon::builder(&programs).loglevel("info");
    let mut d = if python {
        builder.python().start()
    } else {
        builder.start()
    };
    // Stop `stubborn` once it runs and ignores SIGTERM: SIGKILL after stopwaitsecs.
    let stubborn = d.wait_state("stubborn", "RUNNING");
    wait_until(TIMEOUT, "stubborn to be ready", || {
        std::fs::read_to_string(&stubborn.stdout_logfile).is_ok_and(|s| s.contains("ready"))
    });
    d.stop("stubborn").unwrap();
    for (name, state) in SETTLED {
        d.wait_state(name, state);
    }
    let mut infos = BTreeMap::new();
    let mut files = BTreeMap::new();
    for info in d.all_info() {
        for (channel, path) in [
            ("stdout", &info.stdout_logfile),
            ("stderr", &info.stderr_logfile),
        ] {
            if !path.is_empty() {
                files.insert(
                    format!("{} {channel}", info.name),
                    std::fs::read(path).unwrap_or_default(),
                );
            }
        }
        infos.insert(info.name, (info.state, info.exitstatus, info.spawnerr));
    }
    d.signal(libc::SIGTERM);
    assert_eq!(d.wait_exit().code(), Some(0));
    let mut per_process: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut global = Vec::new();
    let mut reported_waiting = false;
    for msg in d.log_messages() {
        let msg = redact_pids(&msg).replace(&format!(":{port}"), ":PORT");
        // Python repeats "waiting for ... to die" every 3 s while its shutdown spends a loop
        // iteration (about a second) on each group (Q3, fixed here): only the first report is
        // comparable.
        if msg.starts_with("INFO waiting for ") && msg.ends_with(" to die") {
            if reported_waiting {
                continue;
            }
            reported_waiting = true;
        }
        match subject(&msg) {
            Some(name) => per_process.entry(name.to_string()).or_default().push(msg),
            None => global.push(msg),
        }
    }
    Observed {
        infos,
        files,
        per_process,
        global,
    }
}

#[test]
fn same_scenario_same_observations_as_python_supervisord() {
    let python = std::thread::spawn(|| run(true));
    let ours = run(false);
    let python = python.join().unwrap();

    assert_eq!(ours.infos, python.infos);
    assert_eq!(ours.files, python.files);
    for (name, _) in SETTLED {
        assert_eq!(
            ours.per_process.get(*name),
            python.per_process.get(*name),
            "daemon log lines about {name}"
        );
    }
    // Python names each process in "waiting for ... to die"; the lists are compared above.
    // Deliberate difference: nothing else. Python logs the same startup and shutdown lines.
    assert_eq!(ours.global, python.global);
}

/// The reload scenario: two programs, SIGHUP with an unchanged config, then SIGTERM. Returns the
/// daemon log's messages with pids redacted and the repeated shutdown reports dropped.
fn run_reload(python: bool) -> Vec<String> {
    // The second program comes from an included file: its "Included extra file" info line
    // is logged at startup and again at the reload, after the running-as-root warning.
    let dir = crate::support::tempdir("sd-e2e");
    std::fs::write(
        dir.path().join("extra.conf"),
        "[program:second]\ncommand=sleep 1000\nstartsecs=1\npriority=2\n",
    )
    .unwrap();
    let root = dir.path().display().to_string();
    let programs = "[program:first]\ncommand=sleep 1000\nstartsecs=1\npriority=1\n\n\
                    [include]\nfiles=extra.conf\n";
    let builder = Daemon::builder(programs).loglevel("info").in_dir(dir);
    let mut d = if python {
        builder.python().start()
    } else {
        builder.start()
    };
    let before: Vec<i32> = ["first", "second"]
        .iter()
        .map(|n| d.wait_state(n, "RUNNING").pid)
        .collect();
    d.signal(libc::SIGHUP);
    for (name, old) in ["first", "second"].iter().zip(&before) {
        wait_for(TIMEOUT, "the restarted process", || {
            d.try_info(name)
                .filter(|i| i.state == "RUNNING" && i.pid != *old)
        });
    }
    d.signal(libc::SIGTERM);
    assert_eq!(d.wait_exit().code(), Some(0));
    let mut last_waiting = String::new();
    d.log_messages()
        .iter()
        .map(|m| redact_pids(m).replace(&root, "DIR"))
        .filter(|m| {
            // One report per stop phase: Python repeats it while it spends a second per group.
            if m.starts_with("WARN received ") {
                last_waiting.clear();
            }
            if m.starts_with("INFO waiting for ") {
                if *m == last_waiting {
                    return false;
                }
                last_waiting = m.clone();
            }
            true
        })
        .collect()
}

#[test]
fn reload_and_shutdown_log_the_same_messages_as_python_supervisord() {
    let python = std::thread::spawn(|| run_reload(true));
    let ours = run_reload(false);
    let python = python.join().unwrap();
    assert_eq!(ours, python);
    let included = "INFO Included extra file \"DIR/extra.conf\" during parsing";
    assert_eq!(
        ours.iter().filter(|m| *m == included).count(),
        2,
        "{ours:#?}"
    );
}

/// Settled state per process: (state name, exit status, spawnerr).
type ProcessTable = BTreeMap<String, (String, i64, String)>;
/// The daemon log's messages, per process.
type MessagesByProcess = BTreeMap<String, Vec<String>>;

/// Stops and signals through the API: a signal that kills, a group stop, a stop of a process in
/// BACKOFF. Returns the settled process table and the messages per process.
fn run_api(python: bool) -> (ProcessTable, MessagesByProcess) {
    let programs = "[program:victim]\ncommand=sleep 1000\nstartsecs=1\nautorestart=false\n\n\
                    [program:pool]\ncommand=sleep 1000\nprocess_name=pool_%(process_num)d\n\
                    numprocs=2\nstartsecs=1\n\n\
                    [program:backoffer]\ncommand=sh -c 'sleep 0.3; exit 1'\nstartsecs=5\n\
                    startretries=10\n";
    let builder = Daemon::builder(programs).loglevel("info");
    let mut d = if python {
        builder.python().start()
    } else {
        builder.start()
    };
    for name in ["victim", "pool:pool_0", "pool:pool_1"] {
        d.wait_state(name, "RUNNING");
    }
    d.call(
        "supervisor.signalProcess",
        &[Value::from("victim"), Value::from("HUP")],
    );
    d.wait_state("victim", "EXITED");
    let results = d.call("supervisor.stopProcessGroup", &[Value::from("pool")]);
    assert_eq!(results.as_array().map(|a| a.len()), Some(2));
    d.wait_state("backoffer", "BACKOFF");
    d.stop("backoffer").unwrap();
    let mut infos = BTreeMap::new();
    for info in d.all_info() {
        infos.insert(
            format!("{}:{}", info.group, info.name),
            (info.state, info.exitstatus, info.spawnerr),
        );
    }
    d.signal(libc::SIGTERM);
    assert_eq!(d.wait_exit().code(), Some(0));
    // `backoffer`'s number of attempts before the stop depends on Python's polling, so only its
    // final state is compared.
    let names = ["victim", "pool_0", "pool_1"];
    let mut per_process: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for msg in d.log_messages() {
        let msg = redact_pids(&msg);
        // Python says "waiting for X to stop" only if X was not reaped yet when the RPC's wait
        // began (in a group stop, the next process's stop often reaps the previous one first);
        // we say it whenever a stop starts waiting.
        if msg.ends_with(" to stop") {
            continue;
        }
        let about = names.iter().find(|n| {
            msg.contains(&format!("'{n}'"))
                || msg.contains(&format!(": {n} "))
                || msg.contains(&format!("for {n} "))
        });
        if let Some(n) = about {
            per_process.entry(n.to_string()).or_default().push(msg);
        }
    }
    (infos, per_process)
}

#[test]
fn api_stops_and_signals_match_python_supervisord() {
    let python = std::thread::spawn(|| run_api(true));
    let ours = run_api(false);
    let python = python.join().unwrap();
    assert_eq!(ours.0, python.0);
    assert_eq!(ours.1, python.1);
}
