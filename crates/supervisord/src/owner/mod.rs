//! The owner task: the one place that holds and mutates the supervisor's state, and the one
//! typed API ([`Owner`]) through which every front end reaches it.
//!
//! # Theory of operation
//!
//! [`Supervisor`] owns every group and process; its fields are private to this module. Its loop
//! ([`run`]) waits on six inputs and handles one at a time: child exits from the reaper,
//! notices from the log captures, signals, jobs sent through an [`Owner`] (or the TICK timer),
//! a change in the TICK periods event streams want, and the earliest deadline any process asked
//! for. There is no periodic tick: when nothing is pending the loop sleeps without a timer.
//!
//! Each process's lifecycle is `supervisor_core`'s pure state machine; the owner feeds it events
//! and performs the actions it returns (spawn, kill, log, arm a deadline) in `lifecycle.rs`.
//! Operations that must wait for a state (`start_process(…, wait = true)`, stops) register a
//! watcher that is re-evaluated after every input and replies through its channel when
//! satisfied (`batch.rs`). Start and stop order come from `supervisor_core::order`.
//!
//! Front ends translate: XML-RPC (`crate::rpc`), the web page (`crate::http::web`), the log
//! streams and the event stream call [`Owner`]'s typed methods and turn [`ApiError`]s and
//! results into their own wire format; only the owner decides.
//!
//! Ordering guarantees: exits are handled before deadlines that are ready at the same time (the
//! loop is `biased`), so "exited too quickly" is judged from the real exit time; a job sees the
//! effects of every job sent before it through the same handle. Fairness: no input takes more
//! than a small budget of turns in a row while another waits (`turns.rs`), so a flood of
//! captured output cannot starve signals, jobs or deadlines; the captures themselves stop
//! reading while the owner is behind on their output (`crate::logs::capture`, back-pressure).
//!
//! Startup follows Supervisor: [`Supervisor::add_all_groups`] creates the groups (AUTO log files,
//! FastCGI socket checks) before the HTTP servers start; [`run`] then lets autostart happen.
//! Shutdown and reload stop the groups one at a time (`shutdown.rs`).
//!
//! Files: `api.rs` the typed handle, `types.rs` its vocabulary, `view.rs` read-only views of
//! processes for front ends, `ops.rs` the operations on the owner side, `batch.rs` starting and
//! stopping with waits, `lifecycle.rs` performing state machine actions (spawn, kill, exits),
//! `proc.rs` one process's runtime state, `stdin.rs` its stdin pipe, `groups.rs`, `fcgi.rs`,
//! `shutdown.rs`, `events.rs` (the event hooks), `twiddle.rs` (programs added to and removed
//! from a running group), `metrics.rs` (what `/metrics` reads, in one job), `handle.rs` the job
//! queue, `turns.rs` fairness between the inputs.

mod api;
mod batch;
mod events;
mod fcgi;
mod groups;
mod handle;
mod lifecycle;
mod metrics;
mod ops;
mod proc;
mod shutdown;
mod stdin;
#[cfg(test)]
mod tests;
mod turns;
mod twiddle;
mod types;
mod view;

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use supervisor_config::model::{Config, ProcessConfig};
use supervisor_core::{Mono, Now, SupervisorState};
use tokio::sync::mpsc;

use crate::events::Journal;
use crate::logs::{daemon_log, CaptureNotice, Channel};
use crate::reaper::Reaper;
use crate::signals::{DaemonSignal, Signals};
use crate::spawn::DaemonContext;
use supervisor_core::LogLevel;

pub use api::{Applied, Owner};
use groups::Group;
pub use handle::Gone;
pub(crate) use handle::Handle;
pub use metrics::{MetricsSnapshot, PoolMetrics, ProcessMetrics};
use proc::Proc;
pub use proc::ProcId;
use turns::{Input, Turns};
pub use types::{
    ApiError, ConfigEntry, DaemonState, GroupChange, GroupUpdate, LogChannel, LogName, Member,
    ProcessResult, ProgramOptions, ReloadDiff, SignalArg,
};
pub use view::{ProcessStatus, ProcessView};

/// A condition a waiting operation is blocked on; returns `true` once it has replied and can be
/// dropped.
type Watcher = Box<dyn FnMut(&mut Supervisor) -> bool + Send>;

/// How the owner's loop ended.
#[derive(Debug)]
pub enum RunEnd {
    /// Shut down: exit 0.
    Shutdown,
    /// Reload: run the startup sequence again with this (already validated) config.
    Restart(Box<Config>),
}

/// All mutable state of the daemon.
pub struct Supervisor {
    /// The running configuration.
    config: Config,
    /// Groups in start order (priority, name).
    groups: Vec<Group>,
    /// How many groups have been added so far (each group's `added`).
    groups_added: u64,
    /// Every process, by id.
    procs: HashMap<ProcId, Proc>,
    /// Live pids → process.
    pids: HashMap<u32, ProcId>,
    /// Pids of the most recent children (each led its own process group), oldest first.
    recent_spawns: VecDeque<u32>,
    /// Processes already named as some program's survivors (until they are reaped).
    survivors: HashSet<u32>,
    /// Reaped orphans, reported at INFO once per window.
    orphans: crate::orphans::OrphanLog,
    /// The listening sockets of FastCGI groups, by group name.
    fcgi_sockets: HashMap<String, fcgi::SharedSocket>,
    /// (deadline, process) pairs; an entry is live only if it equals the process's deadline.
    deadlines: BTreeSet<(Mono, ProcId)>,
    next_id: ProcId,
    /// supervisord's mood (RUNNING, RESTARTING, SHUTDOWN).
    mood: SupervisorState,
    origin: Instant,
    /// What the spawner needs from the daemon (its environment, uid).
    daemon_ctx: DaemonContext,
    notices: mpsc::UnboundedSender<(ProcId, Channel, CaptureNotice)>,
    watchers: Vec<Watcher>,
    shutdown: Option<shutdown::StopPlan>,
    restart_with: Option<Box<Config>>,
    /// Config loaded by the last `reloadConfig`, used by `addProcessGroup`.
    pending_config: Option<Config>,
    /// Event listener pools, serials and the TICK timer.
    events: crate::events::EventBus,
    /// How configs are reloaded (HUP, `restart`, `reloadConfig`).
    reloader: Reloader,
    /// How programs described at run time are read (twiddler's `addProgramToGroup`).
    program_reader: ProgramReader,
}

/// Reads the processes of a program described at run time, `(config, group, program,
/// options)`, as a `[program:x]` section of `config`'s file would be read; the error is the
/// first problem, in Python's words.
pub type ProgramReader = Box<
    dyn Fn(&Config, &str, &str, &[(String, String)]) -> Result<Vec<Arc<ProcessConfig>>, String>
        + Send,
>;

impl Supervisor {
    /// The current time on both clocks.
    fn now(&self) -> Now {
        Now::new(self.mono(Instant::now()), wall_now())
    }

    /// `instant` on the monotonic scale the state machines use.
    fn mono(&self, instant: Instant) -> Mono {
        Mono::from_duration(instant.saturating_duration_since(self.origin))
    }

    /// The wall-clock time of an instant in the past (for exit times).
    fn now_at(&self, instant: Instant) -> Now {
        let ago = Instant::now()
            .saturating_duration_since(instant)
            .as_secs_f64();
        Now::new(self.mono(instant), wall_now() - ago)
    }

    /// Writes a line to the daemon log.
    fn log(&self, level: LogLevel, message: &str) {
        daemon_log::log(level, message);
    }

    /// Registers a watcher, evaluating it once right away.
    fn watch(&mut self, mut watcher: Watcher) {
        if !watcher(self) {
            self.watchers.push(watcher);
        }
    }

    fn run_watchers(&mut self) {
        if self.watchers.is_empty() {
            return;
        }
        let mut watchers = std::mem::take(&mut self.watchers);
        watchers.retain_mut(|w| !w(self));
        // Watchers registered while running the old ones were appended to self.watchers.
        watchers.append(&mut self.watchers);
        self.watchers = watchers;
    }

    fn next_deadline(&self) -> Option<Mono> {
        self.deadlines.first().map(|(at, _)| *at)
    }

    fn instant_of(&self, mono: Mono) -> Instant {
        self.origin + mono.as_duration()
    }

    fn on_deadlines(&mut self) {
        let now = self.now();
        while let Some(&(at, id)) = self.deadlines.first() {
            if at > now.mono {
                break;
            }
            self.deadlines.pop_first();
            if self.procs.get(&id).is_some_and(|p| p.deadline == Some(at)) {
                self.tick(id);
            }
        }
    }

    fn on_signal(&mut self, sig: DaemonSignal) {
        match sig {
            DaemonSignal::Term | DaemonSignal::Int | DaemonSignal::Quit => {
                self.log(
                    LogLevel::Warn,
                    &format!("received {} indicating exit request", sig.name()),
                );
                self.request_shutdown();
            }
            DaemonSignal::Hup => {
                if self.mood == SupervisorState::Shutdown {
                    self.log(
                        LogLevel::Warn,
                        "ignored SIGHUP indicating restart request (shutdown in progress)",
                    );
                } else {
                    self.log(LogLevel::Warn, "received SIGHUP indicating restart request");
                    // An invalid config is logged by request_restart and changes nothing.
                    let _ = self.request_restart();
                }
            }
            DaemonSignal::Usr2 => {
                self.log(
                    LogLevel::Info,
                    "received SIGUSR2 indicating log reopen request",
                );
                self.reopen_logs();
            }
        }
    }

    fn reopen_logs(&mut self) {
        if let Some(Err(e)) = daemon_log::with_installed(|log| log.reopen()) {
            // Written if the file can be opened again by the time of this line; else dropped.
            self.log(LogLevel::Error, &format!("cannot reopen the log: {e}"));
        }
        self.log(LogLevel::Info, "supervisord logreopen");
        for proc in self.procs.values() {
            for capture in proc.captures.iter().flatten() {
                if let Err(e) = capture.reopen() {
                    daemon_log::log(LogLevel::Error, &e.to_string());
                }
            }
        }
    }

    /// Starts an orderly shutdown (signals, RPC `shutdown`).
    fn request_shutdown(&mut self) {
        self.mood = SupervisorState::Shutdown;
        self.begin_stopping();
    }

    /// Validates the config on disk and, if it loads, starts an orderly stop followed by a
    /// restart with it. An invalid config keeps the running one (fix Q4): the problem is
    /// logged at ERROR and returned (for the `restart` RPC's fault).
    fn request_restart(&mut self) -> Result<(), String> {
        let config = (self.reloader)().map_err(|e| {
            let msg = format!("not reloading: the configuration has errors: {e}");
            self.log(LogLevel::Error, &msg);
            msg
        })?;
        self.restart_with = Some(Box::new(config));
        self.mood = SupervisorState::Restarting;
        self.begin_stopping();
        Ok(())
    }
}

/// Reads and validates the config on disk (the file and the command line's overrides), for a
/// reread or a restart. Shared, so a reread can run it off the owner's thread: parsing 10,000
/// programs must not stop the daemon from answering.
pub type Reloader = std::sync::Arc<dyn Fn() -> Result<Config, String> + Send + Sync>;

/// Seconds since the epoch, as a float (Python's `time.time()`).
pub fn wall_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Creates the owner for `config`, recording its events in `journal` (one per daemon, kept
/// across reloads), and returns it with the typed handle front ends use and its input queues.
pub fn new(
    config: Config,
    daemon_ctx: DaemonContext,
    reloader: Reloader,
    program_reader: ProgramReader,
    journal: Arc<Journal>,
) -> (Supervisor, Owner, Inputs) {
    let (job_tx, job_rx) = mpsc::unbounded_channel();
    let (notice_tx, notice_rx) = mpsc::unbounded_channel();
    let sup = Supervisor {
        config,
        groups: Vec::new(),
        groups_added: 0,
        procs: HashMap::new(),
        pids: HashMap::new(),
        recent_spawns: VecDeque::new(),
        survivors: HashSet::new(),
        orphans: crate::orphans::OrphanLog::default(),
        fcgi_sockets: HashMap::new(),
        deadlines: BTreeSet::new(),
        next_id: 1,
        mood: SupervisorState::Running,
        origin: Instant::now(),
        daemon_ctx,
        notices: notice_tx,
        watchers: Vec::new(),
        shutdown: None,
        restart_with: None,
        pending_config: None,
        events: crate::events::EventBus::new(Handle { tx: job_tx.clone() }, journal),
        reloader,
        program_reader,
    };
    (
        sup,
        Owner::new(Handle { tx: job_tx }),
        Inputs {
            jobs: job_rx,
            notices: notice_rx,
        },
    )
}

/// The receiving ends of the owner's queues.
pub struct Inputs {
    jobs: mpsc::UnboundedReceiver<handle::Job>,
    notices: mpsc::UnboundedReceiver<(ProcId, Channel, CaptureNotice)>,
}

/// Runs the owner until shutdown or reload. Must run inside the runtime (it spawns captures),
/// after [`Supervisor::add_all_groups`].
///
/// The reaper is borrowed: it outlives reloads, as the process's only `waitpid` caller.
pub async fn run(
    mut sup: Supervisor,
    mut inputs: Inputs,
    reaper: &mut Reaper,
    mut signals: Signals,
) -> RunEnd {
    // The groups exist already (startup creates them before serving HTTP, as Supervisor does);
    // announce RUNNING, then the loop's first pass starts the autostart programs.
    sup.events_supervisor_running();
    // Event streams that wanted TICKs before a reload are still open.
    let journal = Arc::clone(sup.events.journal());
    sup.events_update_ticks();
    sup.autostart_all();
    let mut turns = Turns::default();
    loop {
        let sleep: Pin<Box<dyn Future<Output = ()> + Send>> = match sup.next_deadline() {
            // Already due (e.g. the RUNNING a spawn report leaves for the next pass): no timer,
            // whose millisecond granularity would delay it by up to a millisecond. It still
            // comes after every other ready input: the select is biased.
            Some(at) if at <= sup.mono(Instant::now()) => Box::pin(std::future::ready(())),
            Some(at) => Box::pin(tokio::time::sleep_until(sup.instant_of(at).into())),
            None => Box::pin(std::future::pending()),
        };
        tokio::select! {
            biased;
            reaped = reaper.recv(), if turns.allows(Input::Exit) => {
                turns.took(Input::Exit);
                sup.on_reaped(reaped);
            }
            Some((id, channel, notice)) = inputs.notices.recv(), if turns.allows(Input::Notice) => {
                turns.took(Input::Notice);
                sup.on_notice(id, channel, notice);
            }
            sig = signals.recv(), if turns.allows(Input::Signal) => {
                turns.took(Input::Signal);
                sup.on_signal(sig);
            }
            Some(job) = inputs.jobs.recv(), if turns.allows(Input::Job) => {
                turns.took(Input::Job);
                job(&mut sup);
            }
            // Only when a stream that wants TICKs comes or goes: no flood to bound.
            () = journal.ticks_changed() => sup.events_update_ticks(),
            () = sleep, if turns.allows_deadlines() => {
                turns.took(Input::Deadline);
                sup.on_deadlines();
            }
            // The input sitting out was the only one ready: it goes on next turn.
            () = std::future::ready(()), if turns.holding() => turns.idle(),
        }
        sup.run_watchers();
        if let Some(end) = sup.progress_shutdown() {
            // Answer whatever is still queued (e.g. the `shutdown` RPC's own reply) before the
            // servers go away.
            while let Ok(job) = inputs.jobs.try_recv() {
                job(&mut sup);
            }
            sup.run_watchers();
            return end;
        }
    }
}
