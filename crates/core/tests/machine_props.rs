//! Property tests: random event sequences keep the state machine's invariants.
//!
//! A small simulated world answers the machine's actions the way the daemon would (a spawn
//! succeeds or fails at once, kills may fail, children exit when the sequence says so), and
//! after every step the machine is checked against the rules in `check`.

use std::time::Duration;

use proptest::prelude::*;
use supervisor_core::{
    Action, AutoRestart, Event, KillPurpose, Mono, Now, Outcome, Policy, Process, ProcessState,
    StateChange, SupervisorState, WaitStatus,
};

/// One step of a scenario.
#[derive(Debug, Clone)]
enum Op {
    Start,
    Stop,
    StopAll,
    Signal(i32),
    /// Let time pass, then deliver a Tick (as a daemon whose timer fired late or early).
    Advance(u64),
    /// Jump exactly to the machine's deadline and Tick.
    TickAtDeadline,
    /// The live child exits `after_ms` from now.
    ChildExits {
        after_ms: u64,
        status: WaitStatus,
    },
    /// The next kill(2) fails with this errno.
    FailNextKill(i32),
    /// supervisord's mood changes (the daemon then ticks every process).
    Mood(SupervisorState),
}

fn status() -> impl Strategy<Value = WaitStatus> {
    prop_oneof![
        (0..4i32).prop_map(WaitStatus::Exited),
        prop_oneof![Just(9), Just(15), Just(11), Just(2)].prop_map(|signal| {
            WaitStatus::Signaled {
                signal,
                core_dumped: false,
            }
        }),
    ]
}

fn mood() -> impl Strategy<Value = SupervisorState> {
    prop_oneof![
        4 => Just(SupervisorState::Running),
        1 => Just(SupervisorState::Restarting),
        1 => Just(SupervisorState::Shutdown),
        1 => Just(SupervisorState::Fatal),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Start),
        3 => Just(Op::Stop),
        1 => Just(Op::StopAll),
        1 => prop_oneof![Just(1), Just(10), Just(15)].prop_map(Op::Signal),
        4 => (0..4000u64).prop_map(Op::Advance),
        5 => Just(Op::TickAtDeadline),
        5 => ((0..3000u64), status()).prop_map(|(after_ms, status)| Op::ChildExits { after_ms, status }),
        1 => prop_oneof![Just(1), Just(3), Just(22)].prop_map(Op::FailNextKill),
        1 => mood().prop_map(Op::Mood),
    ]
}

fn policy() -> impl Strategy<Value = Policy> {
    (
        0..4u64,
        0..4u32,
        any::<bool>(),
        prop_oneof![
            Just(AutoRestart::Always),
            Just(AutoRestart::Never),
            Just(AutoRestart::Unexpected)
        ],
        prop::collection::vec(0..4i32, 0..3),
        0..4u64,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(
                startsecs,
                startretries,
                autostart,
                autorestart,
                exitcodes,
                stopwaitsecs,
                stopasgroup,
                killasgroup,
            )| {
                let mut p = Policy::new("prop");
                p.startsecs = startsecs;
                p.startretries = startretries;
                p.autostart = autostart;
                p.autorestart = autorestart;
                p.exitcodes = exitcodes;
                p.stopwaitsecs = stopwaitsecs;
                p.stopasgroup = stopasgroup;
                p.killasgroup = killasgroup || stopasgroup;
                p
            },
        )
}

/// The daemon and the operating system around one process.
struct World {
    p: Process,
    policy: Policy,
    mood: SupervisorState,
    t: Mono,
    /// The child that is alive, if any.
    alive: Option<u32>,
    next_pid: u32,
    spawn_results: Vec<bool>,
    spawn_count: usize,
    fail_next_kill: Option<i32>,
    deadline: Option<Mono>,
}

impl World {
    fn now(&self) -> Now {
        Now::new(self.t, 1_700_000_000.0 + self.t.as_nanos() as f64 / 1e9)
    }

    /// Deliver `event`, perform the actions like the daemon would, and check every invariant.
    fn deliver(&mut self, event: Event) -> Vec<Action> {
        let mut all = Vec::new();
        let mut queue = vec![event];
        while let Some(event) = queue.pop() {
            let before = self.p.clone();
            let is_tick = event == Event::Tick;
            let out = self
                .p
                .handle(&self.policy, self.mood, event.clone(), self.now());
            self.check(&before, &event, &out);
            if is_tick
                && before
                    .deadline(&self.policy, self.mood)
                    .is_some_and(|d| self.t >= d)
            {
                assert!(
                    !out.actions.is_empty(),
                    "a due deadline produced nothing: {before:?}"
                );
            }
            self.deadline = out.deadline;
            for action in &out.actions {
                match action {
                    Action::Spawn => {
                        assert!(self.alive.is_none(), "spawn while a child is alive");
                        assert!(self.mood.allows_spawn(), "spawn in mood {:?}", self.mood);
                        let ok = self.spawn_results[self.spawn_count % self.spawn_results.len()];
                        self.spawn_count += 1;
                        if ok {
                            self.next_pid += 1;
                            self.alive = Some(self.next_pid);
                            queue.push(Event::Spawned { pid: self.next_pid });
                        } else {
                            queue.push(Event::SpawnFailed {
                                message: "can't find command 'x'".into(),
                            });
                        }
                    }
                    Action::Kill { pid, purpose, .. } => {
                        assert_eq!(Some(*pid), self.alive, "kill of a pid that is not alive");
                        if let Some(errno) = self.fail_next_kill.take() {
                            queue.push(Event::KillFailed {
                                purpose: *purpose,
                                errno,
                                detail: format!("errno {errno}"),
                            });
                        }
                    }
                    Action::Log { message, .. } => assert!(!message.is_empty()),
                    Action::StateChanged(_) => {}
                }
            }
            all.extend(out.actions);
        }
        all
    }

    fn check(&self, before: &Process, event: &Event, out: &Outcome) {
        let p = &self.p;
        let state = p.state();

        // pid != 0 iff the state has a child (UNKNOWN may keep one), and the machine tracks
        // exactly the world's live child.
        match state {
            ProcessState::Running | ProcessState::Stopping => assert!(p.pid().is_some()),
            ProcessState::Starting => assert!(p.pid().is_some() != p.spawn_pending()),
            ProcessState::Stopped
            | ProcessState::Exited
            | ProcessState::Fatal
            | ProcessState::Backoff => assert!(p.pid().is_none() && !p.spawn_pending()),
            ProcessState::Unknown => assert!(!p.spawn_pending()),
        }
        if !p.spawn_pending() {
            assert_eq!(p.pid(), self.alive, "lost track of the child in {state:?}");
        }

        // killing only while STOPPING.
        assert_eq!(p.killing(), state == ProcessState::Stopping);

        // The backoff counter never runs past the limit; FATAL resets it.
        assert!(p.backoff() <= self.policy.startretries + 1);
        // Only STARTING, BACKOFF, STOPPING and UNKNOWN can carry a failure streak.
        if matches!(
            state,
            ProcessState::Fatal
                | ProcessState::Stopped
                | ProcessState::Exited
                | ProcessState::Running
        ) {
            assert_eq!(p.backoff(), 0, "{state:?}");
        }

        // A deadline is armed exactly when the machine waits on time, and lies in the future.
        let waits = match state {
            ProcessState::Starting => p.pid().is_some(),
            ProcessState::Backoff => {
                p.backoff() <= self.policy.startretries && self.mood.allows_spawn()
            }
            ProcessState::Stopping => true,
            _ => false,
        };
        assert_eq!(out.deadline.is_some(), waits, "{state:?} {out:?}");
        if let Some(d) = out.deadline {
            assert!(d > self.t, "deadline {d:?} not after now {:?}", self.t);
        }

        // State changes chain from the old state to the new one, never to the same state.
        let changes: Vec<StateChange> = out
            .actions
            .iter()
            .filter_map(|a| match a {
                Action::StateChanged(c) => Some(*c),
                _ => None,
            })
            .collect();
        let mut cur = before.state();
        for c in &changes {
            assert_eq!(c.from, cur, "broken chain in {changes:?}");
            assert_ne!(c.from, c.to);
            cur = c.to;
            if c.to == ProcessState::Running && c.from == ProcessState::Starting {
                let started = before.started_at().or(p.started_at()).expect("started");
                let up = self.t.saturating_since(started);
                assert!(
                    self.policy.startsecs == 0 || up >= Duration::from_secs(self.policy.startsecs),
                    "RUNNING after {up:?}"
                );
            }
            if c.to == ProcessState::Exited && c.expected {
                if let Event::Exited { status, .. } = event {
                    assert!(!status.is_signal(), "signal death counted as expected");
                }
            }
        }
        assert_eq!(cur, state);

        // At most one Spawn or Kill per step, and it is the last action.
        let effects = out.actions.iter().filter(|a| a.is_effect()).count();
        assert!(effects <= 1, "{out:?}");
        if effects == 1 {
            assert!(out.actions.last().is_some_and(Action::is_effect), "{out:?}");
        }

        // Settled: ticking again at the same instant does nothing (except the autostart of a
        // never-started process, which only a Tick performs).
        // A command that spawned or signalled, and a spawn report, leave due conditions to a
        // deadline 1 ns later.
        let autostart_pending =
            state == ProcessState::Stopped && !p.ever_started() && self.policy.autostart;
        let is_command = matches!(
            event,
            Event::Start | Event::Stop | Event::StopAll | Event::Signal { .. }
        );
        let deferred = (is_command && effects == 1) || matches!(event, Event::Spawned { .. });
        if deferred {
            if let Some(d) = out.deadline {
                assert!(d > self.t);
            }
        } else if !autostart_pending || !self.mood.allows_spawn() {
            let mut again = p.clone();
            let idle = again.handle(&self.policy, self.mood, Event::Tick, self.now());
            assert!(idle.actions.is_empty(), "not settled: {idle:?}");
        }
        // A refused command changes no state by itself: this world delivers due deadlines
        // before commands (a failed kill is not a command: it reports). The one exception is a
        // RUNNING left due "1 ns from now" by a spawn report, which the daemon's loop may let
        // a command overtake: the command's settle then performs it.
        if out.result.is_err() && !matches!(event, Event::KillFailed { .. }) {
            let due_running = changes.len() == 1
                && changes[0].from == ProcessState::Starting
                && changes[0].to == ProcessState::Running
                && before
                    .deadline(&self.policy, self.mood)
                    .is_some_and(|d| d <= self.t + Duration::from_nanos(1));
            assert!(
                changes.is_empty() || due_running,
                "a refused {event:?} changed the state"
            );
        }
    }

    fn run(&mut self, op: Op) {
        match op {
            Op::Start => {
                let _ = self.deliver(Event::Start);
            }
            Op::Stop => {
                let _ = self.deliver(Event::Stop);
            }
            Op::StopAll => {
                let _ = self.deliver(Event::StopAll);
            }
            Op::Signal(signal) => {
                let _ = self.deliver(Event::Signal { signal });
            }
            Op::Advance(ms) => {
                self.t = self.t + Duration::from_millis(ms);
                let _ = self.deliver(Event::Tick);
            }
            Op::TickAtDeadline => {
                if let Some(d) = self.deadline {
                    self.t = d;
                    let actions = self.deliver(Event::Tick);
                    assert!(!actions.is_empty(), "useless wake-up at {d:?}");
                }
            }
            Op::ChildExits { after_ms, status } => {
                // Deadlines that fall before the exit are delivered first, as the daemon's
                // loop would.
                let exit_at = self.t + Duration::from_millis(after_ms);
                while let Some(d) = self.deadline.filter(|d| *d <= exit_at) {
                    self.t = d;
                    let _ = self.deliver(Event::Tick);
                }
                self.t = exit_at;
                if self.alive.is_some() && self.p.pid() == self.alive {
                    let exited = self.alive;
                    let started = self.p.started_at();
                    let state = self.p.state();
                    self.alive = None;
                    let actions = self.deliver(Event::Exited {
                        status,
                        survivors: vec![],
                    });
                    // "Too quickly" is judged from the real exit time.
                    if state == ProcessState::Starting && !self.p.killing() {
                        let up = exit_at.saturating_since(started.expect("started"));
                        // (A BACKOFF of a failed restart has no pid; this one carries it.)
                        let backoff = actions.iter().any(|a| {
                            matches!(a, Action::StateChanged(c)
                                if c.to == ProcessState::Backoff && Some(c.pid) == exited)
                        });
                        assert_eq!(
                            backoff,
                            up < Duration::from_secs(self.policy.startsecs),
                            "pid {exited:?} up {up:?}"
                        );
                    }
                }
            }
            Op::FailNextKill(errno) => self.fail_next_kill = Some(errno),
            Op::Mood(mood) => {
                self.mood = mood;
                let _ = self.deliver(Event::Tick);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_scenarios_keep_the_invariants(
        policy in policy(),
        spawn_results in prop::collection::vec(prop::bool::weighted(0.8), 1..8),
        ops in prop::collection::vec(op(), 1..60),
    ) {
        let mut w = World {
            p: Process::new(),
            policy,
            mood: SupervisorState::Running,
            t: Mono::ZERO,
            alive: None,
            next_pid: 100,
            spawn_results,
            spawn_count: 0,
            fail_next_kill: None,
            deadline: None,
        };
        // supervisord's first pass over every process.
        let _ = w.deliver(Event::Tick);
        for op in ops {
            w.run(op);
        }
    }

    #[test]
    fn arbitrary_events_never_panic_or_break_state_rules(
        policy in policy(),
        steps in prop::collection::vec(
            (
                0..2000u64,
                mood(),
                prop_oneof![
                    Just(Event::Start),
                    Just(Event::Stop),
                    Just(Event::StopAll),
                    Just(Event::Tick),
                    Just(Event::Signal { signal: 1 }),
                    (1..5u32).prop_map(|pid| Event::Spawned { pid }),
                    Just(Event::SpawnFailed { message: "x".into() }),
                    status().prop_map(|status| Event::Exited { status, survivors: vec![] }),
                    (1..4i32).prop_map(|errno| Event::KillFailed {
                        purpose: KillPurpose::Stop,
                        errno,
                        detail: "x".into(),
                    }),
                ],
            ),
            1..80,
        ),
    ) {
        let mut p = Process::new();
        let mut t = Mono::ZERO;
        for (dt, mood, event) in steps {
            t = t + Duration::from_millis(dt);
            let before = p.state();
            let out = p.handle(&policy, mood, event, Now::new(t, 0.0));
            let mut cur = before;
            for a in &out.actions {
                if let Action::StateChanged(c) = a {
                    prop_assert_eq!(c.from, cur);
                    cur = c.to;
                }
            }
            prop_assert_eq!(cur, p.state());
            if let Some(d) = out.deadline {
                prop_assert!(d > t);
            }
            match p.state() {
                ProcessState::Running | ProcessState::Stopping => prop_assert!(p.pid().is_some()),
                ProcessState::Starting => prop_assert!(p.pid().is_some() != p.spawn_pending()),
                ProcessState::Unknown => {}
                _ => prop_assert!(p.pid().is_none()),
            }
        }
    }
}
