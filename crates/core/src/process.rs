//! The lifecycle of one supervised process as a pure state machine.
//!
//! [`Process::handle`] takes the process's [`Policy`], supervisord's mood, one [`Event`] and the
//! current time, updates the state and returns an [`Outcome`]: the [`Action`]s the daemon must
//! perform, in order, the next instant at which it must call back with [`Event::Tick`], and the
//! result of a command (start, stop, signal).
//!
//! # Theory of operation
//!
//! Supervisor's `Subprocess.transition()` runs once per main-loop iteration (about once a
//! second) and moves a process along whenever a condition holds: autostart, autorestart, a
//! backoff retry, STARTING → RUNNING after `startsecs`, FATAL after too many retries, SIGKILL
//! after `stopwaitsecs`. Here the same conditions are evaluated after every event, until none
//! holds, so there is no polling latency (fixes Q1–Q3 of spec §9.1): a process that exits
//! from RUNNING is restarted in the same step, and a backoff retry happens exactly at its
//! delay. The conditions that wait on time are turned into [`Outcome::deadline`]; nothing else
//! ever needs a timer. Three exceptions keep Python's order of effects: autostart is only
//! considered on a `Tick`; a command that spawned or signalled ends its step there, as Python
//! runs an RPC before its loop's next `transition()`; and a spawn report only records the pid,
//! so `startsecs=0` reaches RUNNING on the next `Tick`, as in Python, where `spawn()` returns
//! STARTING and the next `transition()` moves it (at startup every autostart process is
//! STARTING before the first is RUNNING). A condition left due becomes a deadline 1 ns later,
//! which the daemon handles right after the current input.
//!
//! The daemon's side of the contract:
//!
//! - Call `handle(Tick)` on every process when supervisord starts and when a group is added
//!   (this is where `autostart` fires), and again whenever a returned deadline is reached.
//!   A deadline replaces the previous one; `None` means "no timer". Calling `Tick` early is
//!   harmless. If the mood goes back to one that allows spawns, `Tick` every process.
//! - Perform the actions in order. An outcome holds at most one [`Action::Spawn`] or
//!   [`Action::Kill`], always last. Answer a Spawn with [`Event::Spawned`] or
//!   [`Event::SpawnFailed`] before delivering any other event to this process; if a Kill's
//!   `kill(2)` fails, report [`Event::KillFailed`] at once (its outcome carries the FAILED
//!   message for the RPC that caused the kill).
//! - Deliver [`Event::Exited`] with `now` taken when the child was reaped, and deliver due
//!   exits before due deadlines: "exited too quickly" is judged from the exit time (fix Q2).
//!
//! Timers use [`Now::mono`]; the wall clock only feeds `laststart`/`laststop` (spec §2.8).
//!
//! # Where this differs from Python 4.3.0, on purpose
//!
//! - No polling latency (Q1–Q3): the retry limit is checked as soon as BACKOFF is entered, so
//!   the failure that exceeds `startretries` goes BACKOFF → FATAL in the same step (Python
//!   needs one more ~1 s loop iteration); a backoff retry fires at exactly `failure + N s`.
//! - A stop resets the backoff counter (Q6), whether it caught the process in BACKOFF or in
//!   the STARTING of a retry.
//! - An exit reported while UNKNOWN forgets the pid and stays UNKNOWN (Python fails an
//!   assertion there).
//! - With `stopwaitsecs=0`, SIGKILL follows the stop signal 1 ns later and then repeats every
//!   second (Python: in the same loop iteration, then on every iteration).
//! - [`Event::Exited::survivors`] lets the daemon explain the "daemonizing program" trap.
//! - Python restarts an EXITED process on its next loop iteration, about once a second when
//!   idle; here the restart is immediate, except for a program that keeps dying within a second
//!   of every start (possible with `startsecs=0`): after 100 such exits in a row its automatic
//!   restarts are paced to one a second (one WARN says so), instead of a tight fork loop.

use std::time::Duration;

use crate::info::{capped_int, ProcessInfo};
use crate::policy::{AutoRestart, Policy};
use crate::signals::{describe_wait_status, signal_name, WaitStatus, SIGKILL};
use crate::state::{LogLevel, ProcessState, SupervisorState};
use crate::time::{Mono, Now};

/// `ESRCH`: the target of `kill(2)` no longer exists (the reaper will report the exit).
pub const ESRCH: i32 = 3;

/// The `spawnerr` set when a process exits before `startsecs`.
pub const EXITED_TOO_QUICKLY: &str = "Exited too quickly (process log may have details)";

/// The shortest interval between repeated SIGKILLs: with `stopwaitsecs=0` Python re-sends
/// SIGKILL on every loop iteration (about once a second); a zero interval would spin.
const MIN_KILL_REPEAT: Duration = Duration::from_secs(1);

/// A run shorter than this counts as a rapid exit; restarts of a process that keeps exiting
/// rapidly are paced to one per this interval (about Python's loop period).
const RESTART_PACE: Duration = Duration::from_secs(1);

/// How many rapid exits in a row are restarted at once before restarts are paced. A crash is
/// normally followed by an immediate restart; only a program that dies on every start (with
/// `startsecs=0`, where that is not a start failure) would otherwise be restarted in a tight
/// loop, hundreds of times a second.
const RAPID_EXIT_BURST: u32 = 100;

/// How often `waiting for NAME to stop` may be logged.
const STOP_REPORT_INTERVAL: Duration = Duration::from_secs(2);

/// Something that happened to a process, fed to [`Process::handle`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// An explicit start (RPC `startProcess`, `supervisorctl start`, web UI).
    Start,
    /// An explicit stop (RPC `stopProcess`, including each process of a group stop).
    Stop,
    /// The stop that supervisord's ordered shutdown or reload sends (Python's
    /// `ProcessGroup.stop_all`): RUNNING/STARTING are stopped, BACKOFF becomes FATAL (Q7),
    /// other states are left alone.
    StopAll,
    /// RPC `signalProcess`: send `signal` without intending to stop the process.
    Signal {
        /// The signal number.
        signal: i32,
    },
    /// Re-evaluate every condition at `now` (a deadline arrived, or supervisord started).
    Tick,
    /// The daemon forked the child requested by [`Action::Spawn`].
    Spawned {
        /// The child's pid.
        pid: u32,
    },
    /// The spawn requested by [`Action::Spawn`] failed before a child existed (command not
    /// found, pipes, fork); `message` is Supervisor's `spawnerr` text for the failure.
    SpawnFailed {
        /// e.g. `can't find command 'foo'`.
        message: String,
    },
    /// The child was reaped; `now` must be the time it was reaped.
    Exited {
        /// The decoded wait status.
        status: WaitStatus,
        /// Pids of processes the child left running (e.g. still in its process group), if
        /// the daemon looked: the "daemonizing program" trap; empty otherwise.
        survivors: Vec<u32>,
    },
    /// `kill(2)` for an [`Action::Kill`] failed.
    KillFailed {
        /// The purpose of the failed kill, copied from the action.
        purpose: KillPurpose,
        /// The OS error number ([`ESRCH`] is harmless: the child is already gone).
        errno: i32,
        /// The error as the daemon words it, e.g. `[Errno 1] Operation not permitted`.
        detail: String,
    },
}

/// Why the machine asks for a signal to be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KillPurpose {
    /// The stop signal (`stopsignal`), starting a stop.
    Stop,
    /// SIGKILL after `stopwaitsecs`.
    Escalate,
    /// A signal requested with `signalProcess`.
    Signal,
}

/// Something the daemon must do, in the order returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Spawn the program now, then report [`Event::Spawned`] or [`Event::SpawnFailed`].
    Spawn,
    /// Send `signal` to `pid`, or to the process group `-pid` when `to_group` is set.
    Kill {
        /// The child's pid.
        pid: u32,
        /// The signal number.
        signal: i32,
        /// Signal the whole process group (`stopasgroup` / `killasgroup`).
        to_group: bool,
        /// Why; echo it in [`Event::KillFailed`].
        purpose: KillPurpose,
    },
    /// Write this line to supervisord's log.
    Log {
        /// The level.
        level: LogLevel,
        /// The exact message text.
        message: String,
    },
    /// The state changed: emit the matching `PROCESS_STATE_*` event.
    StateChanged(StateChange),
}

impl Action {
    /// Whether the daemon must report back on this action ([`Action::Spawn`] and
    /// [`Action::Kill`]); such an action is always the last of its [`Outcome`].
    #[must_use]
    pub fn is_effect(&self) -> bool {
        matches!(self, Action::Spawn | Action::Kill { .. })
    }
}

/// The data of one state transition, enough for a `PROCESS_STATE_*` event payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StateChange {
    /// The state left.
    pub from: ProcessState,
    /// The state entered (the event type).
    pub to: ProcessState,
    /// For EXITED: whether the exit status was expected (`expected:1`); true otherwise.
    pub expected: bool,
    /// The backoff counter after the change (`tries:` of STARTING and BACKOFF events).
    pub tries: u32,
    /// The pid at the time of the change, 0 if none (`pid:` of RUNNING, STOPPING, STOPPED and
    /// EXITED events; for STOPPED and EXITED it is the pid that just died).
    pub pid: u32,
}

impl StateChange {
    /// The event type this change emits: `PROCESS_STATE_` + the new state's name.
    #[must_use]
    pub fn event_name(&self) -> String {
        format!("PROCESS_STATE_{}", self.to.name())
    }

    /// The event payload as Supervisor writes it, e.g.
    /// `processname:web groupname:web from_state:STARTING pid:42`.
    #[must_use]
    pub fn payload(&self, process_name: &str, group_name: &str) -> String {
        let base = format!(
            "processname:{process_name} groupname:{group_name} from_state:{}",
            self.from.name()
        );
        match self.to {
            ProcessState::Starting | ProcessState::Backoff => {
                format!("{base} tries:{}", self.tries)
            }
            ProcessState::Exited => {
                format!(
                    "{base} expected:{} pid:{}",
                    u8::from(self.expected),
                    self.pid
                )
            }
            ProcessState::Running | ProcessState::Stopping | ProcessState::Stopped => {
                format!("{base} pid:{}", self.pid)
            }
            ProcessState::Fatal | ProcessState::Unknown => base,
        }
    }
}

/// Why a command was refused or failed; each maps to one Supervisor fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Start of a process in STARTING, RUNNING or BACKOFF (fault `ALREADY_STARTED`).
    #[error("already started")]
    AlreadyStarted,
    /// Start of a process in UNKNOWN (fault `FAILED`, text `NAME is in an unknown process
    /// state` with the client's namespec).
    #[error("is in an unknown process state")]
    UnknownState,
    /// Stop of a process not in RUNNING_STATES, or signal of one not in SIGNALLABLE_STATES
    /// (fault `NOT_RUNNING`).
    #[error("not running")]
    NotRunning,
    /// Start while supervisord is shutting down or reloading (fault `SHUTDOWN_STATE`).
    #[error("supervisor is shutting down")]
    ShuttingDown,
    /// The signal could not be sent (fault `FAILED` with this text).
    #[error("{0}")]
    Failed(String),
}

/// What [`Process::handle`] returns. At most one action needs a report back (a Spawn or a
/// Kill), and it is the last one, so the daemon may deliver that report as soon as it has
/// performed it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct Outcome {
    /// What the daemon must do, in order.
    pub actions: Vec<Action>,
    /// When to call back with [`Event::Tick`] (always later than `now`; 1 ns later when a
    /// condition is already due), or `None` if nothing will happen without another event.
    /// Replaces any previous deadline of this process.
    pub deadline: Option<Mono>,
    /// The result of the command, for the RPC reply; `Ok` for non-commands.
    pub result: Result<(), Refusal>,
}

/// The state of one supervised process (Python's `Subprocess` minus all I/O).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Process {
    state: ProcessState,
    pid: Option<u32>,
    spawn_pending: bool,
    laststart: Option<f64>,
    laststop: Option<f64>,
    started_at: Option<Mono>,
    delay: Option<Mono>,
    backoff: u32,
    killing: bool,
    exitstatus: Option<i32>,
    last_exit_expected: bool,
    spawnerr: Option<String>,
    last_stop_report: Option<Mono>,
    /// Consecutive exits after runs shorter than [`RESTART_PACE`] (reset by a longer run or an
    /// explicit start).
    rapid_exits: u32,
    /// Starts the machine made on its own, by reason (never reset).
    restarts: Restarts,
    /// The status of the child's last exit, kept across starts (unlike `exitstatus`).
    last_exit: Option<i32>,
}

/// How often a process was started again without being asked to, since it was created: by
/// `autorestart` after it exited, or as a retry after a failed start. Only ever grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Restarts {
    /// Restarts by `autorestart` after the process exited on its own (EXITED → STARTING).
    pub exit: u64,
    /// Retries after a failed start (BACKOFF → STARTING): the process exited within
    /// `startsecs`, or could not be spawned.
    pub backoff: u64,
}

/// The working set of one `handle` call.
struct Step<'a> {
    policy: &'a Policy,
    mood: SupervisorState,
    now: Now,
    actions: Vec<Action>,
}

impl Step<'_> {
    fn log(&mut self, level: LogLevel, message: String) {
        self.actions.push(Action::Log { level, message });
    }

    fn name(&self) -> &str {
        &self.policy.name
    }
}

impl Process {
    /// A process that was never started: STOPPED, no pid, `laststart == 0`.
    #[must_use]
    pub fn new() -> Process {
        Process::default()
    }

    /// The current state.
    #[must_use]
    pub fn state(&self) -> ProcessState {
        self.state
    }

    /// The child's pid, if one is alive (or believed alive, in UNKNOWN).
    #[must_use]
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// Whether an [`Action::Spawn`] awaits its [`Event::Spawned`] / [`Event::SpawnFailed`].
    #[must_use]
    pub fn spawn_pending(&self) -> bool {
        self.spawn_pending
    }

    /// Wall-clock time of the last start, 0.0 if never started.
    #[must_use]
    pub fn laststart(&self) -> f64 {
        self.laststart.unwrap_or(0.0)
    }

    /// Wall-clock time of the last exit, 0.0 if it never exited.
    #[must_use]
    pub fn laststop(&self) -> f64 {
        self.laststop.unwrap_or(0.0)
    }

    /// Whether the process was ever started (autostart only applies before that).
    #[must_use]
    pub fn ever_started(&self) -> bool {
        self.laststart.is_some()
    }

    /// The consecutive start failures counted towards `startretries`.
    #[must_use]
    pub fn backoff(&self) -> u32 {
        self.backoff
    }

    /// Whether a stop is in progress (an exit now means STOPPED).
    #[must_use]
    pub fn killing(&self) -> bool {
        self.killing
    }

    /// The last exit status (-1 for a signal death), `None` if unset.
    #[must_use]
    pub fn exitstatus(&self) -> Option<i32> {
        self.exitstatus
    }

    /// How often the process was started again without being asked to.
    #[must_use]
    pub fn restarts(&self) -> Restarts {
        self.restarts
    }

    /// The status of the child's last exit (-1 for a death by signal), `None` if no child ever
    /// exited. Unlike [`Process::exitstatus`] (Supervisor's field, cleared by a start and
    /// unset after a start that failed), it keeps the last status through restarts.
    #[must_use]
    pub fn last_exit(&self) -> Option<i32> {
        self.last_exit
    }

    /// The last spawn error, e.g. `Exited too quickly (process log may have details)`.
    #[must_use]
    pub fn spawnerr(&self) -> Option<&str> {
        self.spawnerr.as_deref()
    }

    /// The monotonic instant of the last start, if any.
    #[must_use]
    pub fn started_at(&self) -> Option<Mono> {
        self.started_at
    }

    /// The pending timer this state waits for (backoff retry or SIGKILL), if any.
    #[must_use]
    pub fn delay(&self) -> Option<Mono> {
        self.delay
    }

    /// The snapshot `getProcessInfo` is built from, with `now_wall` as its `now`.
    #[must_use]
    pub fn info(&self, now_wall: f64) -> ProcessInfo {
        ProcessInfo {
            start: capped_int(self.laststart()),
            stop: capped_int(self.laststop()),
            now: capped_int(now_wall),
            state: self.state,
            spawnerr: self.spawnerr.clone().unwrap_or_default(),
            exitstatus: self.exitstatus.unwrap_or(0),
            pid: self.pid.unwrap_or(0),
        }
    }

    /// The next instant at which a `Tick` can change something, given the current state.
    #[must_use]
    pub fn deadline(&self, policy: &Policy, mood: SupervisorState) -> Option<Mono> {
        match self.state {
            ProcessState::Starting if self.pid.is_some() => self
                .started_at
                // RUNNING needs strictly more than startsecs (`now - laststart > startsecs`).
                .map(|t| t + policy.startsecs_duration() + Duration::from_nanos(1)),
            ProcessState::Backoff if self.backoff <= policy.startretries && mood.allows_spawn() => {
                self.delay
            }
            ProcessState::Stopping if self.killing => self.delay,
            ProcessState::Exited if mood.allows_spawn() && self.should_restart(policy) => {
                self.delay
            }
            _ => None,
        }
    }

    /// Apply `event` at `now` and settle: see the module docs for the contract.
    pub fn handle(
        &mut self,
        policy: &Policy,
        mood: SupervisorState,
        event: Event,
        now: Now,
    ) -> Outcome {
        let mut step = Step {
            policy,
            mood,
            now,
            actions: Vec::new(),
        };
        let is_tick = event == Event::Tick;
        // Python's spawn() returns STARTING, and `startsecs=0` becomes RUNNING on the next
        // `transition()`: a spawn report only records the pid, the deadline below does the rest.
        let is_spawned = matches!(event, Event::Spawned { .. });
        let is_command = matches!(
            event,
            Event::Start | Event::Stop | Event::StopAll | Event::Signal { .. }
        );
        let result = match event {
            Event::Start => self.on_start(&mut step),
            Event::Stop => self.on_stop(&mut step),
            Event::StopAll => {
                self.on_stop_all(&mut step);
                Ok(())
            }
            Event::Signal { signal } => self.on_signal(&mut step, signal),
            Event::Tick => Ok(()),
            Event::Spawned { pid } => {
                self.on_spawned(&mut step, pid);
                Ok(())
            }
            Event::SpawnFailed { message } => {
                self.on_spawn_failed(&mut step, message);
                Ok(())
            }
            Event::Exited { status, survivors } => {
                self.on_exited(&mut step, status, &survivors);
                Ok(())
            }
            Event::KillFailed {
                purpose,
                errno,
                detail,
            } => self.on_kill_failed(&mut step, purpose, errno, &detail),
        };
        // A command that spawned or signalled stops here, so that Spawn/Kill is the last
        // action and the daemon can report its failure before anything else happens (Python
        // also runs the RPC first and its loop's transition() later). Any condition left due
        // shows as a deadline 1 ns from now.
        let acted = step.actions.last().is_some_and(Action::is_effect);
        if !((is_command && acted) || is_spawned) {
            self.settle(&mut step, is_tick);
        }
        let soonest = now.mono + Duration::from_nanos(1);
        Outcome {
            deadline: self.deadline(policy, mood).map(|d| d.max(soonest)),
            actions: step.actions,
            result,
        }
    }

    /// Log `waiting for NAME to stop` while STOPPING, at most every 2 seconds (Python's
    /// `stop_report`, called while an RPC waits for a stop).
    pub fn stop_report(&mut self, policy: &Policy, now: Mono) -> Option<Action> {
        if self.state != ProcessState::Stopping {
            return None;
        }
        if let Some(last) = self.last_stop_report {
            if now.saturating_since(last) <= STOP_REPORT_INTERVAL {
                return None;
            }
        }
        self.last_stop_report = Some(now);
        Some(Action::Log {
            level: LogLevel::Info,
            message: format!("waiting for {} to stop", policy.name),
        })
    }

    fn on_start(&mut self, step: &mut Step<'_>) -> Result<(), Refusal> {
        if !step.mood.allows_spawn() {
            return Err(Refusal::ShuttingDown);
        }
        match self.state {
            ProcessState::Starting | ProcessState::Running | ProcessState::Backoff => {
                Err(Refusal::AlreadyStarted)
            }
            ProcessState::Unknown => Err(Refusal::UnknownState),
            ProcessState::Stopping => {
                // Python's startProcess lets this through to spawn(), which refuses because a
                // pid is still set; the RPC's wait then reports ABNORMAL_TERMINATION.
                let msg = format!("process '{}' already running", step.name());
                step.log(LogLevel::Warn, msg);
                Ok(())
            }
            ProcessState::Stopped | ProcessState::Exited | ProcessState::Fatal => {
                self.rapid_exits = 0;
                self.spawn(step);
                Ok(())
            }
        }
    }

    fn on_stop(&mut self, step: &mut Step<'_>) -> Result<(), Refusal> {
        if !self.state.is_running() {
            return Err(Refusal::NotRunning);
        }
        self.last_stop_report = None;
        self.kill(step, step.policy.stopsignal, KillPurpose::Stop)
    }

    fn on_stop_all(&mut self, step: &mut Step<'_>) {
        match self.state {
            ProcessState::Running | ProcessState::Starting => {
                self.last_stop_report = None;
                // Python's stop_all ignores the "wasn't running" message of a pid-less stop.
                let _ = self.kill(step, step.policy.stopsignal, KillPurpose::Stop);
            }
            ProcessState::Backoff => self.give_up(step, false),
            _ => {}
        }
    }

    fn on_signal(&mut self, step: &mut Step<'_>, signal: i32) -> Result<(), Refusal> {
        if !self.state.is_signallable() {
            return Err(Refusal::NotRunning);
        }
        let Some(pid) = self.pid else {
            let msg = format!(
                "attempted to send {} sig {} but it wasn't running",
                step.name(),
                signal_name(signal)
            );
            step.log(LogLevel::Debug, msg.clone());
            return Err(Refusal::Failed(msg));
        };
        let msg = format!(
            "sending {} (pid {pid}) sig {}",
            step.name(),
            signal_name(signal)
        );
        step.log(LogLevel::Debug, msg);
        step.actions.push(Action::Kill {
            pid,
            signal,
            to_group: false,
            purpose: KillPurpose::Signal,
        });
        Ok(())
    }

    fn on_spawned(&mut self, step: &mut Step<'_>, pid: u32) {
        if !self.spawn_pending || self.state != ProcessState::Starting {
            return;
        }
        self.spawn_pending = false;
        self.pid = Some(pid);
        self.spawnerr = None;
        let msg = format!("spawned: '{}' with pid {pid}", step.name());
        step.log(LogLevel::Info, msg);
    }

    fn on_spawn_failed(&mut self, step: &mut Step<'_>, message: String) {
        if !self.spawn_pending || self.state != ProcessState::Starting {
            return;
        }
        self.spawn_pending = false;
        step.log(LogLevel::Info, format!("spawnerr: {message}"));
        self.spawnerr = Some(message);
        self.enter_backoff(step);
    }

    fn on_exited(&mut self, step: &mut Step<'_>, status: WaitStatus, survivors: &[u32]) {
        let Some(pid) = self.pid else {
            return;
        };
        let policy = step.policy;
        let es = status.exitstatus();
        let how = describe_wait_status(status);
        let name = policy.name.as_str();
        self.laststop = Some(step.now.wall);
        self.last_exit = Some(es);
        let too_quickly = self
            .started_at
            .is_some_and(|t| step.now.mono.saturating_since(t) < policy.startsecs_duration());
        let expected = policy.is_expected(es, status.is_signal());

        if !survivors.is_empty() {
            let msg = format!(
                "{name} exited but left {}: it probably daemonized itself; run it in the \
                 foreground (e.g. nginx with \"daemon off;\", uwsgi without daemonize=) or wrap \
                 it with pidproxy",
                left_running(survivors)
            );
            step.log(LogLevel::Warn, msg);
        }

        if self.killing {
            // The result of a stop request: STOPPING -> STOPPED. A stop ends any failure
            // streak (Q6 fix, also when stopped while STARTING after failed attempts).
            self.killing = false;
            self.delay = None;
            self.backoff = 0;
            self.exitstatus = Some(es);
            self.change_state(step, ProcessState::Stopped, true);
            let level = if expected {
                LogLevel::Info
            } else {
                LogLevel::Warn
            };
            step.log(level, format!("stopped: {name} ({how})"));
        } else if self.state == ProcessState::Starting && too_quickly {
            // It did not stay up for startsecs: STARTING -> BACKOFF.
            self.exitstatus = None;
            self.spawnerr = Some(if survivors.is_empty() {
                EXITED_TOO_QUICKLY.to_owned()
            } else {
                format!(
                    "{EXITED_TOO_QUICKLY}; it left {}: it probably daemonized itself; run it \
                     in the foreground or wrap it with pidproxy",
                    left_running(survivors)
                )
            });
            self.enter_backoff(step);
            step.log(
                LogLevel::Warn,
                format!("exited: {name} ({how}; not expected)"),
            );
        } else if matches!(self.state, ProcessState::Starting | ProcessState::Running) {
            // An exit on its own after startsecs: RUNNING -> EXITED. If the RUNNING deadline
            // had not been handled yet, both transitions happen here (no `success:` line, as
            // in Python's finish()).
            let ran = self
                .started_at
                .map_or(Duration::MAX, |t| step.now.mono.saturating_since(t));
            self.rapid_exits = if ran < RESTART_PACE {
                self.rapid_exits.saturating_add(1)
            } else {
                0
            };
            // Past the burst, an automatic restart waits until a second after the last start.
            self.delay = (self.rapid_exits > RAPID_EXIT_BURST)
                .then(|| self.started_at.map(|t| t + RESTART_PACE))
                .flatten();
            self.backoff = 0;
            self.exitstatus = Some(es);
            self.last_exit_expected = expected;
            if self.state == ProcessState::Starting {
                self.change_state(step, ProcessState::Running, true);
            }
            if expected {
                self.change_state(step, ProcessState::Exited, true);
                step.log(LogLevel::Info, format!("exited: {name} ({how}; expected)"));
            } else {
                self.spawnerr = Some(format!("Bad exit code {es}"));
                self.change_state(step, ProcessState::Exited, false);
                step.log(
                    LogLevel::Warn,
                    format!("exited: {name} ({how}; not expected)"),
                );
            }
            if self.rapid_exits == RAPID_EXIT_BURST + 1 && self.should_restart(policy) {
                let msg = format!(
                    "{name} exited {RAPID_EXIT_BURST} times in a row less than a second after \
                     starting; restarting it at most once a second"
                );
                step.log(LogLevel::Warn, msg);
            }
        } else {
            // UNKNOWN (signalling failed earlier): there is no automatic way out of it, but
            // the child is gone, so forget its pid. Python would fail an assertion here.
            self.exitstatus = Some(es);
            self.last_exit_expected = expected;
            let (level, word) = if expected {
                (LogLevel::Info, "expected")
            } else {
                (LogLevel::Warn, "not expected")
            };
            step.log(level, format!("exited: {name} ({how}; {word})"));
        }
        debug_assert_eq!(self.pid, Some(pid));
        self.pid = None;
    }

    fn on_kill_failed(
        &mut self,
        step: &mut Step<'_>,
        purpose: KillPurpose,
        errno: i32,
        detail: &str,
    ) -> Result<(), Refusal> {
        let Some(pid) = self.pid else {
            return Ok(());
        };
        let name = step.policy.name.as_str();
        if errno == ESRCH {
            // The child exited on its own; the reaper will report it.
            let when = if purpose == KillPurpose::Signal {
                "just now exited"
            } else {
                "just exited"
            };
            let msg = format!(
                "unable to signal {name} (pid {pid}), it probably {when} on its own: {detail}"
            );
            step.log(LogLevel::Debug, msg);
            return Ok(());
        }
        let msg = if purpose == KillPurpose::Signal {
            format!("unknown problem sending sig {name} ({pid}):{detail}")
        } else {
            format!("unknown problem killing {name} ({pid}):{detail}")
        };
        step.log(LogLevel::Critical, msg.clone());
        self.change_state(step, ProcessState::Unknown, true);
        self.killing = false;
        self.delay = None;
        Err(Refusal::Failed(msg))
    }

    /// Apply every condition-driven transition that holds at `now` (Python's `transition()`,
    /// repeated until nothing changes), ending after a Spawn or Kill so that it is the last
    /// action. Autostart is only considered on a `Tick`: it belongs to supervisord's pass over
    /// new processes, and a command refused for a never-started process must not start it as a
    /// side effect.
    fn settle(&mut self, step: &mut Step<'_>, is_tick: bool) {
        let policy = step.policy;
        let now = step.now.mono;
        while !step.actions.last().is_some_and(Action::is_effect) {
            match self.state {
                ProcessState::Stopped
                    if is_tick
                        && !self.ever_started()
                        && policy.autostart
                        && step.mood.allows_spawn() =>
                {
                    self.spawn(step);
                }
                ProcessState::Exited
                    if step.mood.allows_spawn()
                        && self.should_restart(policy)
                        && self.delay.is_none_or(|d| now >= d) =>
                {
                    self.restarts.exit += 1;
                    self.spawn(step);
                }
                ProcessState::Backoff if self.backoff > policy.startretries => {
                    self.give_up(step, true);
                }
                ProcessState::Backoff
                    if step.mood.allows_spawn() && self.delay.is_some_and(|d| now >= d) =>
                {
                    self.restarts.backoff += 1;
                    self.spawn(step);
                }
                ProcessState::Starting if self.pid.is_some() && self.stayed_up(policy, now) => {
                    self.delay = None;
                    self.backoff = 0;
                    self.change_state(step, ProcessState::Running, true);
                    let msg = format!(
                        "success: {} entered RUNNING state, process has stayed up for > than {} \
                         seconds (startsecs)",
                        policy.name, policy.startsecs
                    );
                    step.log(LogLevel::Info, msg);
                }
                ProcessState::Stopping if self.killing && self.delay.is_some_and(|d| now >= d) => {
                    let pid = self.pid.unwrap_or(0);
                    let msg = format!("killing '{}' ({pid}) with SIGKILL", policy.name);
                    step.log(LogLevel::Warn, msg);
                    if self.kill(step, SIGKILL, KillPurpose::Escalate).is_err() {
                        break;
                    }
                }
                _ => break,
            }
        }
    }

    fn should_restart(&self, policy: &Policy) -> bool {
        match policy.autorestart {
            AutoRestart::Always => true,
            AutoRestart::Never => false,
            AutoRestart::Unexpected => !self.last_exit_expected,
        }
    }

    fn stayed_up(&self, policy: &Policy, now: Mono) -> bool {
        policy.startsecs == 0
            || self
                .started_at
                .is_some_and(|t| now.saturating_since(t) > policy.startsecs_duration())
    }

    /// Begin a start: → STARTING and ask the daemon to spawn (Python's `spawn()` up to fork).
    fn spawn(&mut self, step: &mut Step<'_>) {
        self.killing = false;
        self.spawnerr = None;
        self.exitstatus = None;
        self.laststart = Some(step.now.wall);
        self.started_at = Some(step.now.mono);
        self.delay = None;
        self.spawn_pending = true;
        self.change_state(step, ProcessState::Starting, true);
        step.actions.push(Action::Spawn);
    }

    /// A failed start: count it and schedule the retry `backoff` seconds from now.
    fn enter_backoff(&mut self, step: &mut Step<'_>) {
        self.backoff += 1;
        self.delay = Some(step.now.mono + Duration::from_secs(u64::from(self.backoff)));
        self.change_state(step, ProcessState::Backoff, true);
    }

    /// BACKOFF → FATAL, with the `gave up:` line when it is the retry limit (not a shutdown).
    fn give_up(&mut self, step: &mut Step<'_>, log: bool) {
        self.delay = None;
        self.backoff = 0;
        self.change_state(step, ProcessState::Fatal, true);
        if log {
            let msg = format!(
                "gave up: {} entered FATAL state, too many start retries too quickly",
                step.name()
            );
            step.log(LogLevel::Info, msg);
        }
    }

    /// Python's `kill(sig)`: BACKOFF → STOPPED without a signal; otherwise signal the child
    /// (or its group) and wait `stopwaitsecs` in STOPPING.
    fn kill(
        &mut self,
        step: &mut Step<'_>,
        signal: i32,
        purpose: KillPurpose,
    ) -> Result<(), Refusal> {
        let policy = step.policy;
        if self.state == ProcessState::Backoff {
            let msg = format!(
                "Attempted to kill {}, which is in BACKOFF state.",
                policy.name
            );
            step.log(LogLevel::Debug, msg);
            // Fix Q6: a stop ends the failure streak, so a later start gets all its retries.
            self.backoff = 0;
            self.delay = None;
            self.change_state(step, ProcessState::Stopped, true);
            return Ok(());
        }
        let Some(pid) = self.pid else {
            let msg = format!(
                "attempted to kill {} with sig {} but it wasn't running",
                policy.name,
                signal_name(signal)
            );
            step.log(LogLevel::Debug, msg.clone());
            return Err(Refusal::Failed(msg));
        };
        let escalating = self.state == ProcessState::Stopping;
        let to_group = if escalating {
            policy.killasgroup
        } else {
            policy.stopasgroup
        };
        let msg = format!(
            "killing {} (pid {pid}) {}with signal {}",
            policy.name,
            if to_group { "process group " } else { "" },
            signal_name(signal)
        );
        step.log(LogLevel::Debug, msg);
        self.killing = true;
        let wait = if escalating {
            policy.stopwait_duration().max(MIN_KILL_REPEAT)
        } else {
            policy.stopwait_duration()
        };
        self.delay = Some(step.now.mono + wait);
        self.change_state(step, ProcessState::Stopping, true);
        step.actions.push(Action::Kill {
            pid,
            signal,
            to_group,
            purpose,
        });
        Ok(())
    }

    fn change_state(&mut self, step: &mut Step<'_>, to: ProcessState, expected: bool) {
        let from = self.state;
        if from == to {
            return;
        }
        self.state = to;
        step.actions.push(Action::StateChanged(StateChange {
            from,
            to,
            expected,
            tries: self.backoff,
            pid: self.pid.unwrap_or(0),
        }));
    }
}

/// `1 process running (pid 7)` / `2 processes running (pids 7, 8)`: the survivors, as the
/// daemon log and `spawnerr` name them.
fn left_running(pids: &[u32]) -> String {
    let list = pids
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if pids.len() == 1 {
        format!("1 process running (pid {list})")
    } else {
        format!("{} processes running (pids {list})", pids.len())
    }
}

#[cfg(test)]
mod tests;
