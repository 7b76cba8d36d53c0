//! Every row of spec §2.2 and every log message, on a fake clock.

use super::*;
use crate::state::LogLevel::{Critical, Debug, Info, Warn};
use crate::state::ProcessState::{
    Backoff, Exited, Fatal, Running, Starting, Stopped, Stopping, Unknown,
};

const WALL0: f64 = 1_700_000_000.0;
const PID: u32 = 42;

/// A process, its policy, the mood and a fake clock.
struct H {
    p: Process,
    policy: Policy,
    mood: SupervisorState,
    t: Mono,
}

impl H {
    fn new() -> H {
        H::with(|_| {})
    }

    fn with(f: impl FnOnce(&mut Policy)) -> H {
        let mut policy = Policy::new("web");
        f(&mut policy);
        H {
            p: Process::new(),
            policy,
            mood: SupervisorState::Running,
            t: Mono::ZERO,
        }
    }

    fn now(&self) -> Now {
        Now::new(self.t, WALL0 + self.t.as_nanos() as f64 / 1e9)
    }

    /// Move the fake clock to `ms` milliseconds.
    fn at(&mut self, ms: u64) -> &mut H {
        self.t = Mono::from_millis(ms);
        self
    }

    /// Move the fake clock to `ns` nanoseconds.
    fn at_ns(&mut self, ns: u64) -> &mut H {
        self.t = Mono::from_nanos(ns);
        self
    }

    fn ev(&mut self, event: Event) -> Outcome {
        let out = self.p.handle(&self.policy, self.mood, event, self.now());
        let soonest = self.t + Duration::from_nanos(1);
        assert_eq!(
            out.deadline,
            self.p
                .deadline(&self.policy, self.mood)
                .map(|d| d.max(soonest))
        );
        let effects = out.actions.iter().filter(|a| a.is_effect()).count();
        assert!(effects <= 1, "{out:?}");
        if effects == 1 {
            assert!(out.actions.last().is_some_and(Action::is_effect), "{out:?}");
        }
        if let Some(d) = out.deadline {
            assert!(d > self.t, "deadline {d:?} not after now {:?}", self.t);
        }
        out
    }

    fn tick(&mut self) -> Outcome {
        self.ev(Event::Tick)
    }

    fn exit(&mut self, status: WaitStatus) -> Outcome {
        self.ev(Event::Exited {
            status,
            survivors: vec![],
        })
    }

    /// Autostart (or explicit start) and report the spawn with `pid`.
    fn spawn_ok(&mut self, pid: u32) -> Outcome {
        let first = if self.p.ever_started() || !self.policy.autostart {
            self.ev(Event::Start)
        } else {
            self.tick()
        };
        assert!(spawns(&first) == 1, "expected a spawn: {first:?}");
        self.ev(Event::Spawned { pid })
    }

    /// Bring the process to RUNNING: spawn at the current time, then pass startsecs.
    fn run(&mut self, pid: u32) {
        let _ = self.spawn_ok(pid);
        let t = self.t + self.policy.startsecs_duration() + Duration::from_nanos(1);
        self.t = t;
        let _ = self.tick();
        assert_eq!(self.p.state(), Running);
    }
}

fn logs(o: &Outcome) -> Vec<(LogLevel, String)> {
    o.actions
        .iter()
        .filter_map(|a| match a {
            Action::Log { level, message } => Some((*level, message.clone())),
            _ => None,
        })
        .collect()
}

fn changes(o: &Outcome) -> Vec<(ProcessState, ProcessState)> {
    o.actions
        .iter()
        .filter_map(|a| match a {
            Action::StateChanged(c) => Some((c.from, c.to)),
            _ => None,
        })
        .collect()
}

fn change_records(o: &Outcome) -> Vec<StateChange> {
    o.actions
        .iter()
        .filter_map(|a| match a {
            Action::StateChanged(c) => Some(*c),
            _ => None,
        })
        .collect()
}

fn kills(o: &Outcome) -> Vec<(u32, i32, bool, KillPurpose)> {
    o.actions
        .iter()
        .filter_map(|a| match a {
            Action::Kill {
                pid,
                signal,
                to_group,
                purpose,
            } => Some((*pid, *signal, *to_group, *purpose)),
            _ => None,
        })
        .collect()
}

fn spawns(o: &Outcome) -> usize {
    o.actions
        .iter()
        .filter(|a| matches!(a, Action::Spawn))
        .count()
}

fn l(level: LogLevel, msg: &str) -> (LogLevel, String) {
    (level, msg.to_owned())
}

fn sig(signal: i32) -> WaitStatus {
    WaitStatus::Signaled {
        signal,
        core_dumped: false,
    }
}

fn secs(s: u64) -> Mono {
    Mono::from_secs(s)
}

const SUCCESS_1: &str =
    "success: web entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)";
const GAVE_UP: &str = "gave up: web entered FATAL state, too many start retries too quickly";

// ---- STOPPED -> STARTING (autostart) -------------------------------------------------------

#[test]
fn autostart_spawns_on_the_first_tick() {
    let mut h = H::new();
    let out = h.tick();
    assert_eq!(
        out.actions,
        vec![
            Action::StateChanged(StateChange {
                from: Stopped,
                to: Starting,
                expected: true,
                tries: 0,
                pid: 0,
            }),
            Action::Spawn,
        ]
    );
    assert_eq!(out.result, Ok(()));
    assert_eq!(out.deadline, None, "no timer while the spawn is pending");
    assert!(h.p.spawn_pending());
    assert_eq!(h.p.state(), Starting);
    assert!((h.p.laststart() - WALL0).abs() < 1e-6);

    let out = h.at(5).ev(Event::Spawned { pid: PID });
    assert_eq!(logs(&out), vec![l(Info, "spawned: 'web' with pid 42")]);
    assert!(changes(&out).is_empty());
    assert_eq!(h.p.pid(), Some(PID));
    assert!(!h.p.spawn_pending());
    // startsecs counts from the start decision, strictly: 1 s + 1 ns after t=0.
    assert_eq!(out.deadline, Some(secs(1) + Duration::from_nanos(1)));
}

#[test]
fn no_autostart_when_disabled() {
    let mut h = H::with(|p| p.autostart = false);
    let out = h.tick();
    assert!(out.actions.is_empty());
    assert_eq!(out.deadline, None);
    assert_eq!(h.p.state(), Stopped);
    // An explicit start still works.
    let out = h.ev(Event::Start);
    assert_eq!(changes(&out), vec![(Stopped, Starting)]);
    assert_eq!(spawns(&out), 1);
}

#[test]
fn no_autostart_once_started_and_stopped() {
    let mut h = H::new();
    h.run(PID);
    let _ = h.at(5000).ev(Event::Stop);
    let _ = h.at(5100).exit(WaitStatus::Exited(0));
    assert_eq!(h.p.state(), Stopped);
    let out = h.at(9000).tick();
    assert!(out.actions.is_empty(), "{out:?}");
    assert_eq!(h.p.state(), Stopped);
}

#[test]
fn only_a_tick_autostarts() {
    // supervisord's pass over new processes is a Tick; anything else, in particular a refused
    // command, leaves a never-started process alone (as Python, which only starts on a tick).
    let mut h = H::new();
    for event in [
        Event::Stop,
        Event::Signal { signal: 1 },
        Event::StopAll,
        Event::Spawned { pid: 7 },
        Event::Exited {
            status: WaitStatus::Exited(0),
            survivors: vec![],
        },
    ] {
        let out = h.ev(event.clone());
        assert!(
            out.actions.is_empty() && h.p.state() == Stopped,
            "{event:?}"
        );
    }
    assert_eq!(spawns(&h.tick()), 1);
}

#[test]
fn autostart_waits_for_a_spawning_mood() {
    for mood in [SupervisorState::Shutdown, SupervisorState::Restarting] {
        let mut h = H::new();
        h.mood = mood;
        let out = h.tick();
        assert!(out.actions.is_empty());
        assert_eq!(h.p.state(), Stopped);
    }
    // Python spawns whenever mood > RESTARTING, which includes FATAL.
    let mut h = H::new();
    h.mood = SupervisorState::Fatal;
    assert_eq!(spawns(&h.tick()), 1);
}

// ---- STARTING -> RUNNING -----------------------------------------------------------------

#[test]
fn running_only_after_strictly_more_than_startsecs() {
    let mut h = H::new();
    let _ = h.spawn_ok(PID);
    let out = h.at(1000).tick();
    assert!(out.actions.is_empty(), "exactly startsecs is not enough");
    assert_eq!(h.p.state(), Starting);
    assert_eq!(out.deadline, Some(secs(1) + Duration::from_nanos(1)));

    let out = h.at_ns(1_000_000_001).tick();
    assert_eq!(
        out.actions,
        vec![
            Action::StateChanged(StateChange {
                from: Starting,
                to: Running,
                expected: true,
                tries: 0,
                pid: PID,
            }),
            Action::Log {
                level: Info,
                message: SUCCESS_1.to_owned()
            },
        ]
    );
    assert_eq!(out.deadline, None);
    assert_eq!(h.p.backoff(), 0);
}

#[test]
fn success_message_names_startsecs() {
    let mut h = H::with(|p| p.startsecs = 7);
    let _ = h.spawn_ok(PID);
    let out = h.at(7001).tick();
    assert_eq!(
        logs(&out),
        vec![l(
            Info,
            "success: web entered RUNNING state, process has stayed up for > than 7 seconds \
             (startsecs)"
        )]
    );
}

#[test]
fn early_tick_changes_nothing() {
    let mut h = H::new();
    let _ = h.spawn_ok(PID);
    let out = h.at(300).tick();
    assert!(out.actions.is_empty());
    assert_eq!(out.deadline, Some(secs(1) + Duration::from_nanos(1)));
}

#[test]
fn startsecs_zero_is_running_on_the_tick_after_the_spawn() {
    let mut h = H::with(|p| p.startsecs = 0);
    let out = h.tick();
    assert_eq!(out.deadline, None);
    // As Python's spawn(): the report only records the pid; RUNNING comes with the next
    // transition, due at once (so several autostart processes are all STARTING first).
    let out = h.ev(Event::Spawned { pid: PID });
    assert!(changes(&out).is_empty());
    assert_eq!(logs(&out), vec![l(Info, "spawned: 'web' with pid 42")]);
    assert_eq!(out.deadline, Some(secs(0) + Duration::from_nanos(1)));
    let out = h.tick();
    assert_eq!(changes(&out), vec![(Starting, Running)]);
    assert_eq!(
        logs(&out),
        vec![l(
            Info,
            "success: web entered RUNNING state, process has stayed up for > than 0 \
             seconds (startsecs)"
        )]
    );
    assert_eq!(out.deadline, None);
    // With startsecs=0 no exit is "too quickly".
    let out = h.exit(WaitStatus::Exited(1));
    assert_eq!(changes(&out)[0], (Running, Exited));
}

// ---- STARTING -> BACKOFF -----------------------------------------------------------------

#[test]
fn spawn_failure_enters_backoff_and_retries_after_one_second() {
    let mut h = H::new();
    let _ = h.tick();
    let out = h.ev(Event::SpawnFailed {
        message: "can't find command 'nope'".into(),
    });
    assert_eq!(
        out.actions,
        vec![
            Action::Log {
                level: Info,
                message: "spawnerr: can't find command 'nope'".into()
            },
            Action::StateChanged(StateChange {
                from: Starting,
                to: Backoff,
                expected: true,
                tries: 1,
                pid: 0,
            }),
        ]
    );
    assert_eq!(h.p.spawnerr(), Some("can't find command 'nope'"));
    assert_eq!(h.p.backoff(), 1);
    assert_eq!(h.p.pid(), None);
    assert_eq!(out.deadline, Some(secs(1)));

    let out = h.at(999).tick();
    assert!(out.actions.is_empty());
    // The retry happens exactly at the delay.
    let out = h.at(1000).tick();
    assert_eq!(
        change_records(&out),
        vec![StateChange {
            from: Backoff,
            to: Starting,
            expected: true,
            tries: 1,
            pid: 0,
        }]
    );
    assert_eq!(spawns(&out), 1);
    assert_eq!(h.p.spawnerr(), None, "a new spawn clears spawnerr");
}

#[test]
fn exit_before_startsecs_enters_backoff() {
    let mut h = H::new();
    let _ = h.spawn_ok(PID);
    let out = h.at(500).exit(WaitStatus::Exited(1));
    assert_eq!(
        out.actions,
        vec![
            Action::StateChanged(StateChange {
                from: Starting,
                to: Backoff,
                expected: true,
                tries: 1,
                pid: PID,
            }),
            Action::Log {
                level: Warn,
                message: "exited: web (exit status 1; not expected)".into()
            },
        ]
    );
    assert_eq!(h.p.spawnerr(), Some(EXITED_TOO_QUICKLY));
    assert_eq!(
        h.p.spawnerr(),
        Some("Exited too quickly (process log may have details)")
    );
    assert_eq!(h.p.exitstatus(), None);
    assert_eq!(h.p.pid(), None);
    assert!((h.p.laststop() - (WALL0 + 0.5)).abs() < 1e-6);
    // The delay is measured from the failure.
    assert_eq!(out.deadline, Some(Mono::from_millis(1500)));
}

#[test]
fn expected_exit_code_before_startsecs_is_still_not_expected() {
    let mut h = H::new();
    let _ = h.spawn_ok(PID);
    let out = h.at(10).exit(WaitStatus::Exited(0));
    assert_eq!(changes(&out), vec![(Starting, Backoff)]);
    assert_eq!(
        logs(&out),
        vec![l(Warn, "exited: web (exit status 0; not expected)")]
    );
}

#[test]
fn signal_death_before_startsecs() {
    let mut h = H::new();
    let _ = h.spawn_ok(PID);
    let out = h.at(10).exit(WaitStatus::Signaled {
        signal: 11,
        core_dumped: true,
    });
    assert_eq!(
        logs(&out),
        vec![l(
            Warn,
            "exited: web (terminated by SIGSEGV (core dumped); not expected)"
        )]
    );
}

#[test]
fn exit_one_nanosecond_before_startsecs_is_too_quick() {
    let mut h = H::new();
    let _ = h.spawn_ok(PID);
    let out = h.at_ns(999_999_999).exit(WaitStatus::Exited(0));
    assert_eq!(changes(&out), vec![(Starting, Backoff)]);
}

// ---- STARTING -> RUNNING -> EXITED (exit after startsecs, before the RUNNING tick) ---------

#[test]
fn exit_at_exactly_startsecs_passes_through_running() {
    let mut h = H::new();
    let _ = h.spawn_ok(PID);
    let out = h.at(1000).exit(WaitStatus::Exited(0));
    assert_eq!(
        change_records(&out),
        vec![
            StateChange {
                from: Starting,
                to: Running,
                expected: true,
                tries: 0,
                pid: PID
            },
            StateChange {
                from: Running,
                to: Exited,
                expected: true,
                tries: 0,
                pid: PID
            },
        ]
    );
    // Python's finish() logs no `success:` line on this path.
    assert_eq!(
        logs(&out),
        vec![l(Info, "exited: web (exit status 0; expected)")]
    );
    assert_eq!(h.p.state(), Exited, "expected exit: no restart");
    assert_eq!(h.p.exitstatus(), Some(0));
}

#[test]
fn late_exit_from_starting_unexpected_restarts() {
    let mut h = H::new();
    let _ = h.spawn_ok(PID);
    let out = h.at(2500).exit(WaitStatus::Exited(2));
    assert_eq!(
        changes(&out),
        vec![(Starting, Running), (Running, Exited), (Exited, Starting)]
    );
    assert_eq!(spawns(&out), 1);
    assert_eq!(
        logs(&out),
        vec![l(Warn, "exited: web (exit status 2; not expected)")]
    );
}

// ---- RUNNING -> EXITED ---------------------------------------------------------------------

#[test]
fn running_exit_expected() {
    let mut h = H::with(|p| p.autorestart = AutoRestart::Never);
    h.run(PID);
    let out = h.at(60_000).exit(WaitStatus::Exited(0));
    assert_eq!(
        out.actions,
        vec![
            Action::StateChanged(StateChange {
                from: Running,
                to: Exited,
                expected: true,
                tries: 0,
                pid: PID,
            }),
            Action::Log {
                level: Info,
                message: "exited: web (exit status 0; expected)".into()
            },
        ]
    );
    assert_eq!(h.p.exitstatus(), Some(0));
    assert_eq!(h.p.spawnerr(), None);
    assert_eq!(h.p.pid(), None);
    assert_eq!(out.deadline, None);
}

#[test]
fn running_exit_unexpected_sets_bad_exit_code() {
    let mut h = H::with(|p| p.autorestart = AutoRestart::Never);
    h.run(PID);
    let out = h.at(60_000).exit(WaitStatus::Exited(3));
    assert_eq!(
        change_records(&out),
        vec![StateChange {
            from: Running,
            to: Exited,
            expected: false,
            tries: 0,
            pid: PID,
        }]
    );
    assert_eq!(
        logs(&out),
        vec![l(Warn, "exited: web (exit status 3; not expected)")]
    );
    assert_eq!(h.p.spawnerr(), Some("Bad exit code 3"));
    assert_eq!(h.p.exitstatus(), Some(3));
}

#[test]
fn signal_death_is_minus_one_and_never_expected() {
    let mut h = H::with(|p| {
        p.autorestart = AutoRestart::Never;
        p.exitcodes = vec![0, -1];
    });
    h.run(PID);
    let out = h.at(60_000).exit(sig(9));
    assert!(!change_records(&out)[0].expected);
    assert_eq!(
        logs(&out),
        vec![l(Warn, "exited: web (terminated by SIGKILL; not expected)")]
    );
    assert_eq!(h.p.exitstatus(), Some(-1));
    assert_eq!(h.p.spawnerr(), Some("Bad exit code -1"));
}

#[test]
fn exit_from_running_resets_the_backoff_counter() {
    let mut h = H::with(|p| p.autorestart = AutoRestart::Never);
    let _ = h.tick();
    let _ = h.ev(Event::SpawnFailed {
        message: "x".into(),
    });
    assert_eq!(h.p.backoff(), 1);
    let _ = h.at(1000).tick();
    let _ = h.ev(Event::Spawned { pid: PID });
    // Reaching RUNNING resets the counter already.
    let _ = h.at(2001).tick();
    assert_eq!(h.p.state(), Running);
    assert_eq!(h.p.backoff(), 0);
}

// ---- restart pacing for programs that die on every start -------------------------------------

#[test]
fn a_program_that_dies_on_every_start_is_restarted_at_once_then_paced() {
    let mut h = H::with(|p| {
        p.startsecs = 0;
        p.autorestart = AutoRestart::Always;
    });
    let mut pid = 100;
    // Each run lasts 2 ms: RUNNING at once (startsecs=0), then an exit that is restarted.
    let _ = h.spawn_ok(pid);
    let mut t = 0;
    for n in 1..=101u32 {
        t += 2;
        let out = h.at(t).exit(WaitStatus::Exited(0));
        if n <= 100 {
            assert_eq!(spawns(&out), 1, "exit {n} is restarted at once");
            assert_eq!(out.deadline, None);
            pid += 1;
            let _ = h.ev(Event::Spawned { pid });
        } else {
            // The 101st rapid exit: paced to one second after the last start, and said once.
            assert_eq!(spawns(&out), 0);
            assert_eq!(h.p.state(), Exited);
            assert_eq!(out.deadline, Some(Mono::from_millis(t - 2 + 1000)));
            assert_eq!(
                logs(&out)[1],
                l(
                    Warn,
                    "web exited 100 times in a row less than a second after starting; \
                     restarting it at most once a second"
                )
            );
        }
    }
    // Not before the deadline; at it, the restart happens.
    assert_eq!(spawns(&h.at(t + 500).tick()), 0);
    let restart_at = t - 2 + 1000;
    assert_eq!(spawns(&h.at(restart_at).tick()), 1);
    let _ = h.ev(Event::Spawned { pid: pid + 1 });
    // A run of a second or more ends the streak: the next exit is restarted at once.
    let out = h.at(restart_at + 1500).exit(WaitStatus::Exited(0));
    assert_eq!(spawns(&out), 1);
}

#[test]
fn an_explicit_start_is_never_paced() {
    let mut h = H::with(|p| {
        p.startsecs = 0;
        p.autorestart = AutoRestart::Always;
    });
    let mut pid = 100;
    let _ = h.spawn_ok(pid);
    let mut t = 0;
    for _ in 0..101 {
        t += 2;
        let out = h.at(t).exit(WaitStatus::Exited(0));
        if spawns(&out) == 1 {
            pid += 1;
            let _ = h.ev(Event::Spawned { pid });
        }
    }
    assert_eq!(h.p.state(), Exited);
    let out = h.at(t + 1).ev(Event::Start);
    assert_eq!(spawns(&out), 1);
}

// ---- EXITED -> STARTING (autorestart) --------------------------------------------------------

#[test]
fn autorestart_matrix() {
    let cases = [
        (AutoRestart::Always, WaitStatus::Exited(0), true),
        (AutoRestart::Always, WaitStatus::Exited(1), true),
        (AutoRestart::Always, sig(15), true),
        (AutoRestart::Never, WaitStatus::Exited(0), false),
        (AutoRestart::Never, WaitStatus::Exited(1), false),
        (AutoRestart::Never, sig(9), false),
        (AutoRestart::Unexpected, WaitStatus::Exited(0), false),
        (AutoRestart::Unexpected, WaitStatus::Exited(1), true),
        (AutoRestart::Unexpected, WaitStatus::Exited(2), false),
        (AutoRestart::Unexpected, sig(9), true),
    ];
    for (autorestart, status, restart) in cases {
        let mut h = H::with(|p| {
            p.autorestart = autorestart;
            p.exitcodes = vec![0, 2];
        });
        h.run(PID);
        let out = h.at(30_000).exit(status);
        let ctx = format!("{autorestart:?} {status:?}");
        if restart {
            // Restarted at once, in the same step (fix Q3: no 1 s delay).
            assert_eq!(
                changes(&out),
                vec![(Running, Exited), (Exited, Starting)],
                "{ctx}"
            );
            assert_eq!(spawns(&out), 1, "{ctx}");
            assert_eq!(h.p.state(), Starting, "{ctx}");
            assert!((h.p.laststart() - (WALL0 + 30.0)).abs() < 1e-6, "{ctx}");
            let starting = change_records(&out)[1];
            assert_eq!(starting.tries, 0, "{ctx}");
        } else {
            assert_eq!(changes(&out), vec![(Running, Exited)], "{ctx}");
            assert_eq!(spawns(&out), 0, "{ctx}");
            assert_eq!(h.p.state(), Exited, "{ctx}");
            assert_eq!(out.deadline, None, "{ctx}");
        }
    }
}

#[test]
fn restart_after_exit_keeps_exitstatus_until_the_spawn() {
    let mut h = H::with(|p| p.autorestart = AutoRestart::Always);
    h.run(PID);
    let _ = h.at(5000).exit(WaitStatus::Exited(0));
    // spawn() resets exitstatus and spawnerr, as Python does.
    assert_eq!(h.p.exitstatus(), None);
    let out = h.ev(Event::Spawned { pid: 43 });
    assert_eq!(logs(&out), vec![l(Info, "spawned: 'web' with pid 43")]);
    assert_eq!(
        out.deadline,
        Some(Mono::from_millis(6000) + Duration::from_nanos(1))
    );
}

#[test]
fn restarts_count_autorestarts_and_retries_but_not_commands() {
    let mut h = H::with(|p| {
        p.autorestart = AutoRestart::Always;
        p.startretries = 3;
    });
    h.run(PID);
    assert_eq!(
        h.p.restarts(),
        Restarts::default(),
        "autostart is no restart"
    );
    assert_eq!(h.p.last_exit(), None);
    let _ = h.at(5000).exit(WaitStatus::Exited(3));
    assert_eq!(
        h.p.restarts(),
        Restarts {
            exit: 1,
            backoff: 0
        }
    );
    assert_eq!(h.p.last_exit(), Some(3), "kept through the restart");
    assert_eq!(
        h.p.exitstatus(),
        None,
        "Supervisor's field is cleared by the spawn"
    );
    // The restarted child dies within startsecs: BACKOFF, then one retry.
    let _ = h.ev(Event::Spawned { pid: 43 });
    let out = h.at(5100).exit(sig(9));
    assert_eq!(h.p.last_exit(), Some(-1));
    h.t = out.deadline.expect("retry deadline");
    let _ = h.tick();
    assert_eq!(
        h.p.restarts(),
        Restarts {
            exit: 1,
            backoff: 1
        }
    );
    // An explicit stop and start counts nothing.
    let _ = h.ev(Event::Spawned { pid: 44 });
    let _ = h.ev(Event::Stop);
    let _ = h.exit(sig(15));
    let _ = h.ev(Event::Start);
    assert_eq!(
        h.p.restarts(),
        Restarts {
            exit: 1,
            backoff: 1
        }
    );
}

// ---- BACKOFF -> STARTING / FATAL timing ------------------------------------------------------

#[test]
fn backoff_delays_are_one_two_three_seconds_then_fatal() {
    // startretries=2 and a command that fails at once: spawns at 0, +1, +3; the third failure
    // exceeds startretries and is FATAL at once (Python takes one more ~1 s loop tick).
    let mut h = H::with(|p| p.startretries = 2);
    let mut spawn_times = vec![];
    let mut out = h.tick();
    for round in 1..=3u64 {
        assert_eq!(spawns(&out), 1);
        spawn_times.push(h.t);
        out = if round == 2 {
            // A child that exits at once...
            let _ = h.ev(Event::Spawned { pid: 100 });
            h.exit(WaitStatus::Exited(127))
        } else {
            // ...or a spawn that fails before fork: both are start failures.
            h.ev(Event::SpawnFailed {
                message: "boom".into(),
            })
        };
        if round < 3 {
            assert_eq!(h.p.state(), Backoff);
            assert_eq!(h.p.backoff(), round as u32);
            let retry = out.deadline.expect("retry deadline");
            assert_eq!(retry, h.t + Duration::from_secs(round));
            let before = retry.as_nanos() - 1;
            assert!(h.at_ns(before).tick().actions.is_empty());
            h.t = retry;
            out = h.tick();
        }
    }
    assert_eq!(spawn_times, vec![secs(0), secs(1), secs(3)]);
    assert_eq!(changes(&out), vec![(Starting, Backoff), (Backoff, Fatal)]);
    let backoff = change_records(&out)[0];
    assert_eq!(backoff.tries, 3);
    assert_eq!(logs(&out).last(), Some(&l(Info, GAVE_UP)));
    assert_eq!(h.p.state(), Fatal);
    assert_eq!(h.p.backoff(), 0);
    assert_eq!(out.deadline, None);
    assert!(h.at(100_000).tick().actions.is_empty(), "FATAL stays FATAL");
}

#[test]
fn starting_events_carry_the_try_count() {
    let mut h = H::with(|p| p.startretries = 5);
    let mut tries = vec![];
    let mut out = h.tick();
    for _ in 0..3 {
        tries.push(change_records(&out)[0].tries);
        let _ = h.ev(Event::SpawnFailed {
            message: "x".into(),
        });
        h.t = h.p.delay().expect("retry");
        out = h.tick();
    }
    assert_eq!(tries, vec![0, 1, 2]);
}

#[test]
fn startretries_zero_makes_the_first_failure_fatal() {
    let mut h = H::with(|p| p.startretries = 0);
    let _ = h.spawn_ok(PID);
    let out = h.at(100).exit(WaitStatus::Exited(1));
    assert_eq!(changes(&out), vec![(Starting, Backoff), (Backoff, Fatal)]);
    assert_eq!(
        logs(&out),
        vec![
            l(Warn, "exited: web (exit status 1; not expected)"),
            l(Info, GAVE_UP)
        ]
    );
    assert_eq!(
        h.p.spawnerr(),
        Some(EXITED_TOO_QUICKLY),
        "FATAL keeps the spawnerr"
    );
    assert_eq!(
        h.p.info(WALL0).description("web", |_| unreachable!()),
        EXITED_TOO_QUICKLY
    );
}

#[test]
fn fatal_only_leaves_by_explicit_start() {
    let mut h = H::with(|p| p.startretries = 0);
    let _ = h.tick();
    let _ = h.ev(Event::SpawnFailed {
        message: "x".into(),
    });
    assert_eq!(h.p.state(), Fatal);
    let out = h.at(50_000).ev(Event::Start);
    assert_eq!(
        change_records(&out),
        vec![StateChange {
            from: Fatal,
            to: Starting,
            expected: true,
            tries: 0,
            pid: 0
        }]
    );
    assert_eq!(spawns(&out), 1);
}

// ---- BACKOFF -> STOPPED / FATAL by stop ----------------------------------------------------

#[test]
fn stop_in_backoff_stops_without_a_signal_and_resets_backoff() {
    let mut h = H::with(|p| p.startretries = 1);
    let _ = h.tick();
    let _ = h.ev(Event::SpawnFailed {
        message: "x".into(),
    });
    assert_eq!(h.p.backoff(), 1);
    let out = h.at(200).ev(Event::Stop);
    assert_eq!(out.result, Ok(()));
    assert_eq!(
        out.actions,
        vec![
            Action::Log {
                level: Debug,
                message: "Attempted to kill web, which is in BACKOFF state.".into()
            },
            Action::StateChanged(StateChange {
                from: Backoff,
                to: Stopped,
                expected: true,
                tries: 0,
                pid: 0,
            }),
        ]
    );
    assert!(kills(&out).is_empty());
    // Fix Q6: the counter restarts, so a manual start gets all its retries again.
    assert_eq!(h.p.backoff(), 0);
    assert_eq!(out.deadline, None);
    assert!(
        h.at(5000).tick().actions.is_empty(),
        "no retry after the stop"
    );
    let _ = h.ev(Event::Start);
    let out = h.ev(Event::SpawnFailed {
        message: "x".into(),
    });
    assert_eq!(
        h.p.state(),
        Backoff,
        "one failure with startretries=1 is not fatal"
    );
    assert!(out.deadline.is_some());
}

#[test]
fn stop_while_retrying_also_resets_backoff() {
    // Q6 fix, second path: a stop during a retry's STARTING ends the streak too.
    let mut h = H::with(|p| p.startretries = 1);
    let _ = h.tick();
    let _ = h.ev(Event::SpawnFailed {
        message: "x".into(),
    });
    let _ = h.at(1000).tick();
    let _ = h.ev(Event::Spawned { pid: PID });
    assert_eq!((h.p.state(), h.p.backoff()), (Starting, 1));
    let _ = h.at(1200).ev(Event::Stop);
    let out = h.at(1300).exit(sig(15));
    assert_eq!(changes(&out), vec![(Stopping, Stopped)]);
    assert_eq!(h.p.backoff(), 0);
    let out = h.ev(Event::Start);
    assert_eq!(change_records(&out)[0].tries, 0);
    let _ = h.ev(Event::SpawnFailed {
        message: "x".into(),
    });
    assert_eq!(h.p.state(), Backoff);
}

#[test]
fn shutdown_stop_turns_backoff_into_fatal() {
    let mut h = H::new();
    let _ = h.tick();
    let _ = h.ev(Event::SpawnFailed {
        message: "x".into(),
    });
    h.mood = SupervisorState::Shutdown;
    let out = h.ev(Event::StopAll);
    assert_eq!(out.result, Ok(()));
    assert_eq!(changes(&out), vec![(Backoff, Fatal)]);
    assert!(
        logs(&out).is_empty(),
        "no `gave up:` line on the shutdown path"
    );
    assert_eq!(h.p.backoff(), 0);
    assert_eq!(out.deadline, None);
}

#[test]
fn stop_all_from_each_state() {
    // RUNNING and STARTING are stopped with stopsignal.
    for starting in [false, true] {
        let mut h = H::new();
        h.mood = SupervisorState::Running;
        if starting {
            let _ = h.spawn_ok(PID);
        } else {
            h.run(PID);
        }
        h.mood = SupervisorState::Restarting;
        let from = h.p.state();
        let out = h.ev(Event::StopAll);
        assert_eq!(changes(&out), vec![(from, Stopping)]);
        assert_eq!(kills(&out), vec![(PID, 15, false, KillPurpose::Stop)]);
        // Repeating the group stop (Python calls stop_all every loop) does nothing more.
        let again = h.ev(Event::StopAll);
        assert!(again.actions.is_empty());
    }
    // A pid-less STARTING (spawn pending) only logs, as Python's ignored stop() message.
    let mut h = H::new();
    let _ = h.tick();
    let out = h.ev(Event::StopAll);
    assert_eq!(out.result, Ok(()));
    assert_eq!(
        logs(&out),
        vec![l(
            Debug,
            "attempted to kill web with sig SIGTERM but it wasn't running"
        )]
    );
    // Stopped states are left alone.
    let mut h = H::with(|p| p.autostart = false);
    let out = h.ev(Event::StopAll);
    assert!(out.actions.is_empty());
    assert_eq!(out.result, Ok(()));
}

// ---- STARTING / RUNNING -> STOPPING -> STOPPED ---------------------------------------------

#[test]
fn stop_running_sends_stopsignal_and_arms_stopwaitsecs() {
    let mut h = H::new();
    h.run(PID);
    let out = h.at(5000).ev(Event::Stop);
    assert_eq!(out.result, Ok(()));
    assert_eq!(
        out.actions,
        vec![
            Action::Log {
                level: Debug,
                message: "killing web (pid 42) with signal SIGTERM".into()
            },
            Action::StateChanged(StateChange {
                from: Running,
                to: Stopping,
                expected: true,
                tries: 0,
                pid: PID,
            }),
            Action::Kill {
                pid: PID,
                signal: 15,
                to_group: false,
                purpose: KillPurpose::Stop,
            },
        ]
    );
    assert!(h.p.killing());
    assert_eq!(out.deadline, Some(secs(15)));
}

#[test]
fn stop_starting_process() {
    let mut h = H::new();
    let _ = h.spawn_ok(PID);
    let out = h.at(300).ev(Event::Stop);
    assert_eq!(changes(&out), vec![(Starting, Stopping)]);
    assert_eq!(kills(&out), vec![(PID, 15, false, KillPurpose::Stop)]);
    assert_eq!(out.deadline, Some(Mono::from_millis(10_300)));
    // The stop wins over startsecs: no RUNNING transition while stopping.
    let out = h.at(2000).tick();
    assert!(out.actions.is_empty());
    let out = h.at(2100).exit(WaitStatus::Exited(0));
    assert_eq!(changes(&out), vec![(Stopping, Stopped)]);
    assert_eq!(logs(&out), vec![l(Info, "stopped: web (exit status 0)")]);
}

#[test]
fn stop_with_a_spawn_pending_fails_like_python() {
    let mut h = H::new();
    let _ = h.tick();
    let out = h.ev(Event::Stop);
    let msg = "attempted to kill web with sig SIGTERM but it wasn't running";
    assert_eq!(out.result, Err(Refusal::Failed(msg.into())));
    assert_eq!(logs(&out), vec![l(Debug, msg)]);
    assert_eq!(h.p.state(), Starting);
}

#[test]
fn stop_refused_outside_running_states() {
    // STOPPED, EXITED, FATAL, UNKNOWN and STOPPING are not in RUNNING_STATES.
    let mut h = H::with(|p| p.autostart = false);
    assert_eq!(h.ev(Event::Stop).result, Err(Refusal::NotRunning));

    let mut h = H::with(|p| p.autorestart = AutoRestart::Never);
    h.run(PID);
    let _ = h.at(9000).exit(WaitStatus::Exited(0));
    assert_eq!(h.p.state(), Exited);
    assert_eq!(h.ev(Event::Stop).result, Err(Refusal::NotRunning));

    let mut h = H::with(|p| p.startretries = 0);
    let _ = h.tick();
    let _ = h.ev(Event::SpawnFailed {
        message: "x".into(),
    });
    assert_eq!(h.p.state(), Fatal);
    assert_eq!(h.ev(Event::Stop).result, Err(Refusal::NotRunning));

    let mut h = H::new();
    h.run(PID);
    let _ = h.ev(Event::Stop);
    assert_eq!(h.p.state(), Stopping);
    let out = h.ev(Event::Stop);
    assert_eq!(out.result, Err(Refusal::NotRunning));
    assert!(out.actions.is_empty());
    assert_eq!(h.p.state(), Stopping);

    let _ = h.ev(Event::KillFailed {
        purpose: KillPurpose::Stop,
        errno: 1,
        detail: "EPERM".into(),
    });
    assert_eq!(h.p.state(), Unknown);
    assert_eq!(h.ev(Event::Stop).result, Err(Refusal::NotRunning));
}

#[test]
fn stopped_by_signal_logs_a_warning_and_never_restarts() {
    let mut h = H::with(|p| p.autorestart = AutoRestart::Always);
    h.run(PID);
    let _ = h.at(5000).ev(Event::Stop);
    let out = h.at(5100).exit(sig(15));
    assert_eq!(
        out.actions,
        vec![
            Action::StateChanged(StateChange {
                from: Stopping,
                to: Stopped,
                expected: true,
                tries: 0,
                pid: PID,
            }),
            Action::Log {
                level: Warn,
                message: "stopped: web (terminated by SIGTERM)".into()
            },
        ]
    );
    assert_eq!(h.p.exitstatus(), Some(-1));
    assert_eq!(h.p.pid(), None);
    assert!(!h.p.killing());
    assert_eq!(out.deadline, None);
    assert!((h.p.laststop() - (WALL0 + 5.1)).abs() < 1e-6);
}

#[test]
fn stopped_with_unexpected_code_is_a_warning() {
    let mut h = H::new();
    h.run(PID);
    let _ = h.at(5000).ev(Event::Stop);
    let out = h.at(5100).exit(WaitStatus::Exited(143));
    assert_eq!(logs(&out), vec![l(Warn, "stopped: web (exit status 143)")]);
    assert_eq!(h.p.exitstatus(), Some(143));
}

#[test]
fn stopasgroup_and_custom_stopsignal() {
    let mut h = H::with(|p| {
        p.stopasgroup = true;
        p.killasgroup = true;
        p.stopsignal = 2;
    });
    h.run(PID);
    let out = h.ev(Event::Stop);
    assert_eq!(
        logs(&out),
        vec![l(
            Debug,
            "killing web (pid 42) process group with signal SIGINT"
        )]
    );
    assert_eq!(kills(&out), vec![(PID, 2, true, KillPurpose::Stop)]);

    let mut h = H::with(|p| p.stopsignal = 40);
    h.run(PID);
    let out = h.ev(Event::Stop);
    assert_eq!(
        logs(&out),
        vec![l(Debug, "killing web (pid 42) with signal signal 40")]
    );
}

// ---- STOPPING -> STOPPING (SIGKILL escalation) -------------------------------------------

#[test]
fn sigkill_after_stopwaitsecs_repeated_every_stopwaitsecs() {
    let mut h = H::with(|p| p.stopwaitsecs = 2);
    h.run(PID);
    let t0 = h.t;
    let out = h.ev(Event::Stop);
    assert_eq!(out.deadline, Some(t0 + Duration::from_secs(2)));
    h.t = Mono::from_nanos((t0 + Duration::from_secs(2)).as_nanos() - 1);
    assert!(h.tick().actions.is_empty());

    for round in 1..=3u64 {
        h.t = t0 + Duration::from_secs(2 * round);
        let out = h.tick();
        assert_eq!(
            out.actions,
            vec![
                Action::Log {
                    level: Warn,
                    message: "killing 'web' (42) with SIGKILL".into()
                },
                Action::Log {
                    level: Debug,
                    message: "killing web (pid 42) with signal SIGKILL".into()
                },
                Action::Kill {
                    pid: PID,
                    signal: 9,
                    to_group: false,
                    purpose: KillPurpose::Escalate,
                },
            ],
            "round {round}"
        );
        assert_eq!(h.p.state(), Stopping);
        assert_eq!(out.deadline, Some(t0 + Duration::from_secs(2 * round + 2)));
    }
    let out = h.exit(sig(9));
    assert_eq!(changes(&out), vec![(Stopping, Stopped)]);
    assert_eq!(
        logs(&out),
        vec![l(Warn, "stopped: web (terminated by SIGKILL)")]
    );
}

#[test]
fn killasgroup_targets_the_group_only_for_sigkill() {
    let mut h = H::with(|p| {
        p.stopwaitsecs = 1;
        p.killasgroup = true;
    });
    h.run(PID);
    let out = h.ev(Event::Stop);
    assert_eq!(kills(&out), vec![(PID, 15, false, KillPurpose::Stop)]);
    h.t = h.t + Duration::from_secs(1);
    let out = h.tick();
    assert_eq!(kills(&out), vec![(PID, 9, true, KillPurpose::Escalate)]);
    assert_eq!(
        logs(&out)[1],
        l(
            Debug,
            "killing web (pid 42) process group with signal SIGKILL"
        )
    );
}

#[test]
fn stopasgroup_without_killasgroup_kills_the_pid_only() {
    let mut h = H::with(|p| {
        p.stopwaitsecs = 1;
        p.stopasgroup = true;
    });
    h.run(PID);
    let out = h.ev(Event::Stop);
    assert_eq!(kills(&out), vec![(PID, 15, true, KillPurpose::Stop)]);
    h.t = h.t + Duration::from_secs(1);
    assert_eq!(
        kills(&h.tick()),
        vec![(PID, 9, false, KillPurpose::Escalate)]
    );
}

#[test]
fn stopwaitsecs_zero_kills_at_once_then_every_second() {
    let mut h = H::with(|p| p.stopwaitsecs = 0);
    h.run(PID);
    let t0 = h.t;
    let out = h.ev(Event::Stop);
    assert_eq!(kills(&out), vec![(PID, 15, false, KillPurpose::Stop)]);
    // SIGKILL is due at once: the deadline is the next nanosecond, after the daemon has
    // reported on the stop signal.
    let due = t0 + Duration::from_nanos(1);
    assert_eq!(out.deadline, Some(due));
    h.t = due;
    let out = h.tick();
    assert_eq!(kills(&out), vec![(PID, 9, false, KillPurpose::Escalate)]);
    assert_eq!(out.deadline, Some(due + Duration::from_secs(1)));
}

#[test]
fn a_command_that_signals_ends_its_outcome() {
    // A signal sent while the RUNNING deadline is due (the timer has not fired yet): the Kill
    // comes last and the due transition waits for the next nanosecond, so a failed kill is
    // reported before it.
    let mut h = H::new();
    let _ = h.spawn_ok(PID);
    h.t = secs(2);
    let out = h.ev(Event::Signal { signal: 1 });
    assert_eq!(out.actions.last().map(Action::is_effect), Some(true));
    assert!(changes(&out).is_empty());
    assert_eq!(out.deadline, Some(secs(2) + Duration::from_nanos(1)));
    let out = h.ev(Event::KillFailed {
        purpose: KillPurpose::Signal,
        errno: 1,
        detail: "EPERM".into(),
    });
    assert_eq!(changes(&out), vec![(Starting, Unknown)]);
    assert_eq!(out.deadline, None);

    // Without a failure the next tick performs the due transition.
    let mut h = H::new();
    let _ = h.spawn_ok(PID);
    h.t = secs(2);
    let out = h.ev(Event::Signal { signal: 1 });
    h.t = out.deadline.expect("due");
    assert_eq!(changes(&h.tick()), vec![(Starting, Running)]);
}

// ---- kill errors -> UNKNOWN ------------------------------------------------------------------

#[test]
fn kill_error_enters_unknown() {
    let mut h = H::new();
    h.run(PID);
    let _ = h.ev(Event::Stop);
    let out = h.ev(Event::KillFailed {
        purpose: KillPurpose::Stop,
        errno: 1,
        detail: "[Errno 1] Operation not permitted".into(),
    });
    let msg = "unknown problem killing web (42):[Errno 1] Operation not permitted";
    assert_eq!(
        out.actions,
        vec![
            Action::Log {
                level: Critical,
                message: msg.into()
            },
            Action::StateChanged(StateChange {
                from: Stopping,
                to: Unknown,
                expected: true,
                tries: 0,
                pid: PID,
            }),
        ]
    );
    assert_eq!(out.result, Err(Refusal::Failed(msg.into())));
    assert!(!h.p.killing());
    assert_eq!(h.p.delay(), None);
    assert_eq!(out.deadline, None, "no SIGKILL escalation from UNKNOWN");
    assert_eq!(h.p.pid(), Some(PID));

    // No automatic way out: starts are refused, ticks do nothing.
    assert_eq!(h.ev(Event::Start).result, Err(Refusal::UnknownState));
    assert!(h.at(100_000).tick().actions.is_empty());
    // If the child dies anyway, its pid is forgotten but the state stays UNKNOWN.
    let out = h.exit(sig(9));
    assert!(changes(&out).is_empty());
    assert_eq!(
        logs(&out),
        vec![l(Warn, "exited: web (terminated by SIGKILL; not expected)")]
    );
    assert_eq!(h.p.pid(), None);
    assert_eq!(h.p.state(), Unknown);
    assert_eq!(h.p.exitstatus(), Some(-1));
}

#[test]
fn escalation_error_enters_unknown() {
    let mut h = H::with(|p| p.stopwaitsecs = 1);
    h.run(PID);
    let _ = h.ev(Event::Stop);
    h.t = h.t + Duration::from_secs(1);
    let _ = h.tick();
    let out = h.ev(Event::KillFailed {
        purpose: KillPurpose::Escalate,
        errno: 22,
        detail: "EINVAL".into(),
    });
    assert_eq!(changes(&out), vec![(Stopping, Unknown)]);
    assert_eq!(
        logs(&out),
        vec![l(Critical, "unknown problem killing web (42):EINVAL")]
    );
}

#[test]
fn esrch_is_only_a_debug_line() {
    let mut h = H::new();
    h.run(PID);
    let _ = h.ev(Event::Stop);
    let out = h.ev(Event::KillFailed {
        purpose: KillPurpose::Stop,
        errno: ESRCH,
        detail: "[Errno 3] No such process".into(),
    });
    assert_eq!(out.result, Ok(()));
    assert_eq!(
        out.actions,
        vec![Action::Log {
            level: Debug,
            message: "unable to signal web (pid 42), it probably just exited on its own: \
                      [Errno 3] No such process"
                .into()
        }]
    );
    assert_eq!(h.p.state(), Stopping);
    assert!(h.p.killing());
    assert!(out.deadline.is_some(), "SIGKILL escalation still armed");
}

// ---- signalProcess -------------------------------------------------------------------------

#[test]
fn signal_a_running_process() {
    let mut h = H::new();
    h.run(PID);
    let out = h.ev(Event::Signal { signal: 1 });
    assert_eq!(out.result, Ok(()));
    assert_eq!(
        out.actions,
        vec![
            Action::Log {
                level: Debug,
                message: "sending web (pid 42) sig SIGHUP".into()
            },
            Action::Kill {
                pid: PID,
                signal: 1,
                to_group: false,
                purpose: KillPurpose::Signal,
            },
        ]
    );
    assert_eq!(
        h.p.state(),
        Running,
        "signals never change the state directly"
    );
}

#[test]
fn signal_refusals_and_errors() {
    let mut h = H::with(|p| p.autostart = false);
    assert_eq!(
        h.ev(Event::Signal { signal: 1 }).result,
        Err(Refusal::NotRunning)
    );
    // BACKOFF is not signallable.
    let _ = h.ev(Event::Start);
    let out = h.ev(Event::Signal { signal: 1 });
    let msg = "attempted to send web sig SIGHUP but it wasn't running";
    assert_eq!(out.result, Err(Refusal::Failed(msg.into())));
    assert_eq!(logs(&out), vec![l(Debug, msg)]);
    let _ = h.ev(Event::SpawnFailed {
        message: "x".into(),
    });
    assert_eq!(
        h.ev(Event::Signal { signal: 1 }).result,
        Err(Refusal::NotRunning)
    );

    // STOPPING is signallable.
    let mut h = H::new();
    h.run(PID);
    let _ = h.ev(Event::Stop);
    let out = h.ev(Event::Signal { signal: 10 });
    assert_eq!(kills(&out), vec![(PID, 10, false, KillPurpose::Signal)]);

    // ESRCH while signalling: debug line with Python's "just now" wording.
    let out = h.ev(Event::KillFailed {
        purpose: KillPurpose::Signal,
        errno: ESRCH,
        detail: "[Errno 3] No such process".into(),
    });
    assert_eq!(
        logs(&out),
        vec![l(
            Debug,
            "unable to signal web (pid 42), it probably just now exited on its own: [Errno 3] \
             No such process"
        )]
    );

    // Any other error: UNKNOWN with the "sending sig" wording.
    let mut h = H::new();
    h.run(PID);
    let _ = h.ev(Event::Signal { signal: 10 });
    let out = h.ev(Event::KillFailed {
        purpose: KillPurpose::Signal,
        errno: 1,
        detail: "EPERM".into(),
    });
    let msg = "unknown problem sending sig web (42):EPERM";
    assert_eq!(logs(&out), vec![l(Critical, msg)]);
    assert_eq!(changes(&out), vec![(Running, Unknown)]);
    assert_eq!(out.result, Err(Refusal::Failed(msg.into())));
}

// ---- explicit start ------------------------------------------------------------------------

#[test]
fn start_refusals() {
    let mut h = H::new();
    let _ = h.tick();
    assert_eq!(h.ev(Event::Start).result, Err(Refusal::AlreadyStarted));
    let _ = h.ev(Event::Spawned { pid: PID });
    assert_eq!(h.ev(Event::Start).result, Err(Refusal::AlreadyStarted));
    h.t = secs(2);
    let _ = h.tick();
    assert_eq!(h.p.state(), Running);
    let out = h.ev(Event::Start);
    assert_eq!(out.result, Err(Refusal::AlreadyStarted));
    assert!(out.actions.is_empty());

    let mut h = H::new();
    let _ = h.tick();
    let _ = h.ev(Event::SpawnFailed {
        message: "x".into(),
    });
    assert_eq!(h.p.state(), Backoff);
    assert_eq!(h.ev(Event::Start).result, Err(Refusal::AlreadyStarted));
}

#[test]
fn start_while_stopping_warns_already_running() {
    let mut h = H::new();
    h.run(PID);
    let _ = h.ev(Event::Stop);
    let out = h.ev(Event::Start);
    assert_eq!(out.result, Ok(()));
    assert_eq!(logs(&out), vec![l(Warn, "process 'web' already running")]);
    assert_eq!(spawns(&out), 0);
    assert_eq!(h.p.state(), Stopping);
}

#[test]
fn start_from_stopped_and_exited() {
    let mut h = H::with(|p| p.autorestart = AutoRestart::Never);
    h.run(PID);
    let _ = h.at(9000).exit(WaitStatus::Exited(0));
    let out = h.ev(Event::Start);
    assert_eq!(changes(&out), vec![(Exited, Starting)]);
    assert_eq!(spawns(&out), 1);
    assert_eq!(h.p.exitstatus(), None);

    let mut h = H::new();
    h.run(PID);
    let _ = h.ev(Event::Stop);
    let _ = h.exit(sig(15));
    let out = h.at(20_000).ev(Event::Start);
    assert_eq!(changes(&out), vec![(Stopped, Starting)]);
    assert!((h.p.laststart() - (WALL0 + 20.0)).abs() < 1e-6);
}

// ---- no spawns while shutting down ---------------------------------------------------------

#[test]
fn no_spawns_while_shutting_down() {
    for mood in [SupervisorState::Shutdown, SupervisorState::Restarting] {
        // Explicit start is refused.
        let mut h = H::with(|p| p.autostart = false);
        h.mood = mood;
        let out = h.ev(Event::Start);
        assert_eq!(out.result, Err(Refusal::ShuttingDown));
        assert!(out.actions.is_empty());

        // An exit from RUNNING is not restarted.
        let mut h = H::with(|p| p.autorestart = AutoRestart::Always);
        h.run(PID);
        h.mood = mood;
        let out = h.at(9000).exit(WaitStatus::Exited(1));
        assert_eq!(changes(&out), vec![(Running, Exited)]);
        assert_eq!(spawns(&out), 0);

        // A BACKOFF retry does not happen and arms no timer; the FATAL check still runs.
        let mut h = H::with(|p| p.startretries = 1);
        let _ = h.tick();
        let _ = h.ev(Event::SpawnFailed {
            message: "x".into(),
        });
        h.mood = mood;
        let out = h.tick();
        assert_eq!(out.deadline, None);
        let out = h.at(60_000).tick();
        assert!(out.actions.is_empty());
        assert_eq!(h.p.state(), Backoff);

        let mut h = H::with(|p| p.startretries = 0);
        let _ = h.tick();
        h.mood = mood;
        let out = h.ev(Event::SpawnFailed {
            message: "x".into(),
        });
        assert_eq!(changes(&out), vec![(Starting, Backoff), (Backoff, Fatal)]);
    }
}

#[test]
fn backoff_retry_resumes_when_the_mood_allows_spawns_again() {
    let mut h = H::new();
    let _ = h.tick();
    let _ = h.ev(Event::SpawnFailed {
        message: "x".into(),
    });
    h.mood = SupervisorState::Restarting;
    assert_eq!(h.tick().deadline, None);
    h.mood = SupervisorState::Running;
    let out = h.at(500).tick();
    assert_eq!(out.deadline, Some(secs(1)));
    let out = h.at(3000).tick();
    assert_eq!(spawns(&out), 1);
}

// ---- stop_report ---------------------------------------------------------------------------

#[test]
fn waiting_for_stop_is_throttled_to_every_two_seconds() {
    let mut h = H::new();
    assert_eq!(h.p.stop_report(&h.policy, secs(0)), None, "not stopping");
    h.run(PID);
    let _ = h.ev(Event::Stop);
    let line = Some(Action::Log {
        level: Info,
        message: "waiting for web to stop".into(),
    });
    assert_eq!(h.p.stop_report(&h.policy, secs(10)), line);
    assert_eq!(h.p.stop_report(&h.policy, secs(11)), None);
    assert_eq!(h.p.stop_report(&h.policy, secs(12)), None);
    assert_eq!(
        h.p.stop_report(&h.policy, secs(12) + Duration::from_nanos(1)),
        line
    );
}

// ---- robustness ------------------------------------------------------------------------------

#[test]
fn out_of_place_reports_are_ignored() {
    let mut h = H::with(|p| p.autostart = false);
    let before = h.p.clone();
    for event in [
        Event::Spawned { pid: 7 },
        Event::SpawnFailed {
            message: "x".into(),
        },
        Event::Exited {
            status: WaitStatus::Exited(0),
            survivors: vec![],
        },
        Event::KillFailed {
            purpose: KillPurpose::Stop,
            errno: 1,
            detail: "x".into(),
        },
        Event::Tick,
    ] {
        let out = h.ev(event.clone());
        assert!(out.actions.is_empty(), "{event:?}");
        assert_eq!(out.result, Ok(()));
        assert_eq!(h.p, before, "{event:?}");
    }
    // A second Spawned for the same spawn is ignored too.
    h.run(PID);
    let out = h.ev(Event::Spawned { pid: 8 });
    assert!(out.actions.is_empty());
    assert_eq!(h.p.pid(), Some(PID));
}

// ---- the daemonizing-program trap ------------------------------------------------------------

#[test]
fn exit_with_survivors_explains_the_daemonizing_trap() {
    let mut h = H::new();
    let _ = h.spawn_ok(PID);
    let out = h.at(50).ev(Event::Exited {
        status: WaitStatus::Exited(0),
        survivors: vec![77, 78],
    });
    assert_eq!(changes(&out), vec![(Starting, Backoff)]);
    assert_eq!(
        logs(&out),
        vec![
            l(
                Warn,
                "web exited but left 2 processes running (pids 77, 78): it probably \
                 daemonized itself; run it in the foreground (e.g. nginx with \"daemon off;\", \
                 uwsgi without daemonize=) or wrap it with pidproxy"
            ),
            l(Warn, "exited: web (exit status 0; not expected)"),
        ]
    );
    assert_eq!(
        h.p.spawnerr(),
        Some(
            "Exited too quickly (process log may have details); it left 2 processes running \
             (pids 77, 78): it probably daemonized itself; run it in the foreground or wrap it \
             with pidproxy"
        )
    );
}

#[test]
fn a_single_survivor_is_named_in_the_singular() {
    let mut h = H::new();
    let _ = h.spawn_ok(PID);
    let out = h.at(50).ev(Event::Exited {
        status: WaitStatus::Exited(0),
        survivors: vec![77],
    });
    assert!(logs(&out)[0]
        .1
        .starts_with("web exited but left 1 process running (pid 77): "));
    assert_eq!(
        h.p.spawnerr(),
        Some(
            "Exited too quickly (process log may have details); it left 1 process running \
             (pid 77): it probably daemonized itself; run it in the foreground or wrap it with \
             pidproxy"
        )
    );
}

// ---- getProcessInfo snapshot -------------------------------------------------------------------

#[test]
fn info_snapshot_follows_the_process() {
    let mut h = H::with(|p| p.autorestart = AutoRestart::Never);
    let i = h.p.info(WALL0);
    assert_eq!(
        (i.start, i.stop, i.pid, i.exitstatus, i.spawnerr.as_str()),
        (0, 0, 0, 0, "")
    );
    assert_eq!(i.description("web", |_| unreachable!()), "Not started");

    h.at(2000).run(PID);
    let i = h.p.info(WALL0 + 65.0);
    assert_eq!(i.start, 1_700_000_002);
    assert_eq!(i.now, 1_700_000_065);
    assert_eq!(i.pid, PID);
    assert_eq!(i.state, Running);
    assert_eq!(
        i.description("web", |_| unreachable!()),
        "pid 42, uptime 0:01:03"
    );

    let _ = h.at(70_000).exit(sig(9));
    let i = h.p.info(WALL0 + 80.0);
    assert_eq!(i.stop, 1_700_000_070);
    assert_eq!(i.exitstatus, -1);
    assert_eq!(i.pid, 0);
    assert_eq!(i.spawnerr, "Bad exit code -1");
    assert_eq!(i.statename(), "EXITED");
}

// ---- event payloads ----------------------------------------------------------------------------

#[test]
fn state_change_payloads_match_supervisor_events() {
    let c = |from, to, expected, tries, pid| StateChange {
        from,
        to,
        expected,
        tries,
        pid,
    };
    let cases = [
        (
            c(Stopped, Starting, true, 0, 0),
            "PROCESS_STATE_STARTING",
            "processname:web groupname:g from_state:STOPPED tries:0",
        ),
        (
            c(Starting, Backoff, true, 2, 0),
            "PROCESS_STATE_BACKOFF",
            "processname:web groupname:g from_state:STARTING tries:2",
        ),
        (
            c(Starting, Running, true, 0, 42),
            "PROCESS_STATE_RUNNING",
            "processname:web groupname:g from_state:STARTING pid:42",
        ),
        (
            c(Running, Stopping, true, 0, 42),
            "PROCESS_STATE_STOPPING",
            "processname:web groupname:g from_state:RUNNING pid:42",
        ),
        (
            c(Stopping, Stopped, true, 0, 42),
            "PROCESS_STATE_STOPPED",
            "processname:web groupname:g from_state:STOPPING pid:42",
        ),
        (
            c(Running, Exited, false, 0, 42),
            "PROCESS_STATE_EXITED",
            "processname:web groupname:g from_state:RUNNING expected:0 pid:42",
        ),
        (
            c(Running, Exited, true, 0, 42),
            "PROCESS_STATE_EXITED",
            "processname:web groupname:g from_state:RUNNING expected:1 pid:42",
        ),
        (
            c(Backoff, Fatal, true, 0, 0),
            "PROCESS_STATE_FATAL",
            "processname:web groupname:g from_state:BACKOFF",
        ),
        (
            c(Stopping, Unknown, true, 0, 42),
            "PROCESS_STATE_UNKNOWN",
            "processname:web groupname:g from_state:STOPPING",
        ),
    ];
    for (change, name, payload) in cases {
        assert_eq!(change.event_name(), name);
        assert_eq!(change.payload("web", "g"), payload);
    }
}
