//! Differential test: the same lifecycle scripts run through supervisor-core and through Python
//! Supervisor 4.3.0's real `Subprocess` class (driven by `oracle.py` with Supervisor's own test
//! doubles and a fake clock); the log lines, PROCESS_STATE events, command results and final
//! states must be identical.
//!
//! Step language (one per line after `config …`): `tick`, `advance MS`, `exit RAW_WAIT_STATUS`,
//! `start`, `stop`, `stopall`, `signal N`, `killfail ERRNO` / `killok` (every later kill fails
//! / succeeds), `forkfail` / `forkok` (spawns fail with EAGAIN / succeed), `mood N`.
//!
//! Python only changes state on `tick` (its loop's `transition()`), while supervisor-core
//! settles after every event; the scripts put a `tick` wherever Python's loop would run, so
//! both sides produce the same sequence. Known, deliberate differences (Q6: a stop resets
//! the backoff counter) are not scripted here; the unit tests pin them.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use supervisor_core::process::ESRCH;
use supervisor_core::{
    Action, AutoRestart, Event, LogLevel, Mono, Now, Outcome, Policy, Process, Refusal,
    SupervisorState, WaitStatus,
};

const CONFIG: &str = "config autostart=1 startsecs=1 startretries=3 autorestart=unexpected \
                      exitcodes=0 stopsignal=15 stopwaitsecs=10 stopasgroup=0 killasgroup=0";

/// (name, config overrides, steps)
const SCENARIOS: &[(&str, &str, &str)] = &[
    (
        "start_and_success_strictly_after_startsecs",
        "",
        "tick; advance 1000; tick; advance 1; tick",
    ),
    (
        "startsecs_zero",
        "startsecs=0",
        "tick; advance 1; tick; advance 5000; exit 256; tick; advance 1; tick",
    ),
    (
        "backoff_then_fatal",
        "startretries=2",
        "tick; advance 100; exit 256; tick; advance 1001; tick; advance 100; exit 256; tick; \
         advance 2001; tick; advance 100; exit 9; tick; advance 5000; tick",
    ),
    (
        "startretries_zero",
        "startretries=0",
        "tick; advance 10; exit 0; tick",
    ),
    (
        "fork_failures",
        "startretries=1",
        "forkfail; tick; advance 1001; tick; tick; forkok; start; advance 1001; tick",
    ),
    (
        "exit_exactly_at_startsecs",
        "autorestart=false",
        "tick; advance 1000; exit 0; tick",
    ),
    (
        "late_exit_from_starting_restarts",
        "",
        "tick; advance 2500; exit 512; tick",
    ),
    (
        "autorestart_unexpected",
        "exitcodes=0,2",
        "tick; advance 1001; tick; advance 3000; exit 768; tick; advance 1001; tick; \
         advance 3000; exit 512; tick; advance 3000; tick",
    ),
    (
        "autorestart_true_signal_death",
        "autorestart=true",
        "tick; advance 1001; tick; advance 3000; exit 139; tick; advance 1001; tick",
    ),
    (
        "autorestart_false",
        "autorestart=false",
        "tick; advance 1001; tick; advance 3000; exit 15; tick; start; advance 1001; tick",
    ),
    (
        "stop_and_sigkill_escalation",
        "stopwaitsecs=2",
        "tick; advance 1001; tick; stop; advance 1999; tick; advance 2; tick; advance 2000; \
         tick; advance 2001; tick; exit 9; tick; stop; start",
    ),
    (
        "stop_with_process_groups",
        "stopwaitsecs=1 stopasgroup=1 killasgroup=1 stopsignal=2",
        "tick; advance 1001; tick; stop; advance 1001; tick; exit 0; tick",
    ),
    (
        "killasgroup_only",
        "stopwaitsecs=1 killasgroup=1",
        "tick; advance 1001; tick; stop; advance 1001; tick; exit 9; tick",
    ),
    (
        "stop_starting_and_start_while_stopping",
        "",
        "tick; advance 100; stop; start; tick; advance 2000; tick; exit 15; tick",
    ),
    (
        "stop_in_backoff",
        "",
        "tick; advance 100; exit 256; tick; stop; tick; advance 5000; tick; stop",
    ),
    (
        "kill_error_unknown",
        "",
        "tick; advance 1001; tick; killfail 1; stop; tick; start; stop; advance 20000; tick",
    ),
    (
        "kill_esrch",
        "",
        "tick; advance 1001; tick; killfail 3; stop; signal 1; killok; exit 15; tick",
    ),
    (
        "signals",
        "",
        "signal 1; tick; signal 10; advance 1001; tick; signal 1; killfail 1; signal 12",
    ),
    (
        "shutdown",
        "autorestart=true",
        "tick; advance 1001; tick; mood -1; start; advance 100; exit 256; tick; advance 5000; \
         tick",
    ),
    (
        "shutdown_stop_all",
        "",
        "tick; advance 100; exit 256; tick; mood 0; stopall; tick",
    ),
    (
        "shutdown_stop_all_running",
        "",
        "tick; advance 1001; tick; mood -1; stopall; tick; stopall; exit 0; tick",
    ),
    (
        "no_autostart",
        "autostart=0",
        "tick; advance 5000; tick; start; advance 1001; tick",
    ),
];

fn python() -> PathBuf {
    let venv = match std::env::var_os("SUPERVISOR_RS_VENV") {
        Some(v) => PathBuf::from(v),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv"),
    };
    let python = venv.join("bin/python");
    assert!(
        python.exists(),
        "no Python reference at {}: run scripts/venv",
        python.display()
    );
    python
}

fn config_line(overrides: &str) -> String {
    let mut words: Vec<String> = CONFIG.split_whitespace().map(str::to_owned).collect();
    for o in overrides.split_whitespace() {
        let key = o.split('=').next().expect("key");
        let slot = words
            .iter_mut()
            .find(|w| w.starts_with(&format!("{key}=")))
            .unwrap_or_else(|| panic!("unknown option {key}"));
        *slot = o.to_owned();
    }
    words.join(" ")
}

fn policy_from(config_line: &str) -> Policy {
    let mut p = Policy::new("web");
    for kv in config_line.split_whitespace().skip(1) {
        let (k, v) = kv.split_once('=').expect("k=v");
        match k {
            "autostart" => p.autostart = v == "1",
            "startsecs" => p.startsecs = v.parse().expect("int"),
            "startretries" => p.startretries = v.parse().expect("int"),
            "autorestart" => {
                p.autorestart = match v {
                    "true" => AutoRestart::Always,
                    "false" => AutoRestart::Never,
                    _ => AutoRestart::Unexpected,
                }
            }
            "exitcodes" => p.exitcodes = v.split(',').map(|c| c.parse().expect("int")).collect(),
            "stopsignal" => p.stopsignal = v.parse().expect("int"),
            "stopwaitsecs" => p.stopwaitsecs = v.parse().expect("int"),
            "stopasgroup" => p.stopasgroup = v == "1",
            "killasgroup" => p.killasgroup = v == "1",
            _ => panic!("unknown option {k}"),
        }
    }
    p
}

/// supervisor-core playing the part of supervisord around one process.
struct Driver {
    p: Process,
    policy: Policy,
    mood: SupervisorState,
    t: Mono,
    kill_errno: Option<i32>,
    fork_fails: bool,
    out: Vec<String>,
}

impl Driver {
    fn now(&self) -> Now {
        Now::new(self.t, 1000.0 + self.t.as_nanos() as f64 / 1e9)
    }

    /// Deliver an event, answer its Spawn/Kill actions like the daemon, record everything;
    /// returns the command result (a failed kill turns it into FAILED, as in Python).
    fn deliver(&mut self, event: Event) -> Result<(), Refusal> {
        let out = self.p.handle(&self.policy, self.mood, event, self.now());
        let mut result = out.result.clone();
        for follow_up in self.record(out) {
            let r = self.deliver(follow_up);
            if result.is_ok() {
                result = r;
            }
        }
        result
    }

    fn record(&mut self, out: Outcome) -> Vec<Event> {
        let mut follow_ups = vec![];
        for action in out.actions {
            match action {
                Action::Log { level, message } => {
                    let message = if level == LogLevel::Critical {
                        match message.split_once("):") {
                            Some((head, _)) => format!("{head}):DETAIL"),
                            None => message,
                        }
                    } else {
                        message
                    };
                    self.out.push(format!("{} {message}", level.tag()));
                }
                Action::StateChanged(change) => self.out.push(format!(
                    "EV {} {}",
                    change.event_name(),
                    change.payload("web", "")
                )),
                Action::Spawn => follow_ups.push(if self.fork_fails {
                    Event::SpawnFailed {
                        message: "Too many processes in process table to spawn 'web'".into(),
                    }
                } else {
                    Event::Spawned { pid: 42 }
                }),
                Action::Kill { purpose, .. } => {
                    if let Some(errno) = self.kill_errno {
                        let detail = if errno == ESRCH {
                            "[Errno 3] No such process".to_owned()
                        } else {
                            "DETAIL".to_owned()
                        };
                        follow_ups.push(Event::KillFailed {
                            purpose,
                            errno,
                            detail,
                        });
                    }
                }
            }
        }
        follow_ups
    }

    fn result(&mut self, r: Result<(), Refusal>) {
        let word = match r {
            Ok(()) => "OK",
            Err(Refusal::AlreadyStarted) => "ALREADY_STARTED",
            Err(Refusal::UnknownState | Refusal::Failed(_)) => "FAILED",
            Err(Refusal::NotRunning) => "NOT_RUNNING",
            Err(Refusal::ShuttingDown) => "SHUTDOWN_STATE",
        };
        self.out.push(format!("RESULT {word}"));
    }

    fn step(&mut self, step: &str) {
        let words: Vec<&str> = step.split_whitespace().collect();
        let arg = || -> i32 { words[1].parse().expect("numeric argument") };
        match words[0] {
            "tick" => {
                let _ = self.deliver(Event::Tick);
            }
            "advance" => {
                self.t = self.t + Duration::from_millis(u64::try_from(arg()).expect("ms"));
            }
            "exit" => {
                let _ = self.deliver(Event::Exited {
                    status: WaitStatus::from_raw(arg()),
                    survivors: vec![],
                });
            }
            "start" => {
                let r = self.deliver(Event::Start);
                self.result(r);
            }
            "stop" => {
                let r = self.deliver(Event::Stop);
                self.result(r);
            }
            "stopall" => {
                let _ = self.deliver(Event::StopAll);
            }
            "signal" => {
                let r = self.deliver(Event::Signal { signal: arg() });
                self.result(r);
            }
            "killfail" => self.kill_errno = Some(arg()),
            "killok" => self.kill_errno = None,
            "forkfail" => self.fork_fails = true,
            "forkok" => self.fork_fails = false,
            "mood" => {
                self.mood = SupervisorState::from_code(arg()).expect("mood code");
            }
            other => panic!("unknown step {other}"),
        }
    }
}

fn run_rust(config_line: &str, steps: &str) -> Vec<String> {
    let mut d = Driver {
        p: Process::new(),
        policy: policy_from(config_line),
        mood: SupervisorState::Running,
        t: Mono::ZERO,
        kill_errno: None,
        fork_fails: false,
        out: vec![],
    };
    for step in steps.split(';') {
        d.step(step.trim());
    }
    // Only the final state is compared: intermediate ones differ by design (Python waits for
    // its next loop iteration, supervisor-core does not).
    let state = d.p.state();
    d.out.push(format!("STATE {}", state.name()));
    d.out
}

fn run_python(input: &str) -> String {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oracle.py");
    let mut child = Command::new(python())
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the Python oracle");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write scenarios");
    let output = child.wait_with_output().expect("oracle output");
    assert!(
        output.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

#[test]
fn lifecycle_matches_python_supervisor() {
    let mut input = String::new();
    let mut expected_rust = String::new();
    for (name, overrides, steps) in SCENARIOS {
        let config = config_line(overrides);
        input.push_str(&format!("=== {name}\n{config}\n"));
        for step in steps.split(';') {
            input.push_str(step.trim());
            input.push('\n');
        }
        expected_rust.push_str(&format!("=== {name}\n"));
        for line in run_rust(&config, steps) {
            expected_rust.push_str(&line);
            expected_rust.push('\n');
        }
    }
    let python = run_python(&input);
    let py_blocks: Vec<&str> = python.split("=== ").skip(1).collect();
    let rs_blocks: Vec<&str> = expected_rust.split("=== ").skip(1).collect();
    assert_eq!(py_blocks.len(), SCENARIOS.len());
    let mut failures = vec![];
    for (py, rs) in py_blocks.iter().zip(&rs_blocks) {
        if py != rs {
            failures.push(format!("--- python\n=== {py}--- supervisor-core\n=== {rs}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
