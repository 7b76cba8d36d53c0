//! [`Owner`]: the one door to process state. Every front end (XML-RPC, the web page, the JSON
//! API, the event stream, and the metrics to come) calls these typed methods and only translates
//! their arguments and results; what an operation means is decided here and below.
//!
//! Each method runs as one job on the owner task, after Supervisor's mood check (nothing but
//! remote events while shutting down or reloading), so a call costs one round trip. Methods
//! that wait (`start_process(…, wait = true)`, stops, groups) register a watcher on the owner and
//! answer when it is satisfied. Log files are read in the caller's task, never on the owner.

use std::path::PathBuf;

use supervisor_core::events::Subscription;
use supervisor_core::namespec::Namespec;
use supervisor_core::LogLevel;
use tokio::sync::oneshot;

use super::batch::Op;
use super::handle::{Gone, Handle};
use super::metrics::MetricsSnapshot;
use super::types::{
    ApiError, ConfigEntry, DaemonState, GroupChange, GroupUpdate, LogChannel, ProcessResult,
    ProgramOptions, ReloadDiff, SignalArg,
};
use super::view::{ProcessStatus, ProcessView};
use super::{wall_now, Supervisor};
use crate::events::EventSubscription;
use crate::logs::{
    daemon_log, read_log, read_log_slice, tail_log, ClearLogError, LogSlice, ReadLogError, Tail,
};

/// What an operation named by a namespec did: `name` and `group:name` name one process,
/// `group:*` every process of the group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The one process named succeeded.
    One,
    /// Each process of the group named, with its result.
    Each(Vec<ProcessResult>),
}

/// A typed handle on the owner; cheap to clone.
#[derive(Clone)]
pub struct Owner {
    jobs: Handle,
}

/// A dropped owner means the daemon is going away: the same answer as a call made while
/// shutting down.
fn gone(_: Gone) -> ApiError {
    ApiError::ShuttingDown
}

impl Owner {
    pub(super) fn new(jobs: Handle) -> Owner {
        Owner { jobs }
    }

    /// Runs `f` on the owner after the mood check.
    async fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Supervisor) -> Result<R, ApiError> + Send + 'static,
    ) -> Result<R, ApiError> {
        self.jobs
            .call(move |s| s.check_mood().and_then(|()| f(s)))
            .await
            .map_err(gone)?
    }

    /// Runs `f` on the owner after the mood check; `f` answers through the sender, maybe later.
    async fn run_deferred<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Supervisor, oneshot::Sender<Result<R, ApiError>>) + Send + 'static,
    ) -> Result<R, ApiError> {
        self.jobs
            .call_deferred(move |s, reply| match s.check_mood() {
                Ok(()) => f(s, reply),
                Err(e) => drop(reply.send(Err(e))),
            })
            .await
            .map_err(gone)?
    }

    /// Whether this owner has stopped (after a reload a new one serves the same sockets).
    pub async fn is_gone(&self) -> bool {
        self.jobs.call(|_| ()).await.is_err()
    }

    /// The daemon's state, identification and pid (`getState`, `getIdentification`).
    pub async fn state(&self) -> Result<DaemonState, ApiError> {
        self.run(|s| Ok(s.daemon_state())).await
    }

    /// The same, without the mood check: for a page header shown even while shutting down.
    pub async fn peek_state(&self) -> Result<DaemonState, ApiError> {
        self.jobs.call(|s| s.daemon_state()).await.map_err(gone)
    }

    /// Checks the mood only (for calls whose work needs nothing from the owner).
    pub async fn check(&self) -> Result<(), ApiError> {
        self.run(|_| Ok(())).await
    }

    /// Runs `f` on the view of one process (`getProcessInfo`).
    pub async fn process<R: Send + 'static>(
        &self,
        spec: &str,
        f: impl FnOnce(ProcessView<'_>) -> R + Send + 'static,
    ) -> Result<R, ApiError> {
        let spec = spec.to_string();
        self.run(move |s| {
            let id = s.resolve_one(&spec)?;
            let tz = jiff::tz::TimeZone::system();
            Ok(f(s.view(id, wall_now(), &tz)))
        })
        .await
    }

    /// Runs `f` on the views of every process, sorted by group then name
    /// (`getAllProcessInfo`); the status poll encodes them on the owner without copies.
    pub async fn with_processes<R: Send + 'static>(
        &self,
        f: impl FnOnce(Vec<ProcessView<'_>>) -> R + Send + 'static,
    ) -> Result<R, ApiError> {
        self.run(move |s| Ok(f(s.views()))).await
    }

    /// Every process's status, sorted by group then name.
    pub async fn processes(&self) -> Result<Vec<ProcessStatus>, ApiError> {
        self.with_processes(|views| views.iter().map(ProcessView::to_status).collect())
            .await
    }

    /// Starts (`Op::Start`) or stops one process or `group:*`.
    async fn op_process(&self, op: Op, spec: &str, wait: bool) -> Result<Applied, ApiError> {
        let spec = spec.to_string();
        if let Namespec::Group(group) = Namespec::parse(&spec) {
            let group = group.to_string();
            return self
                .run_deferred(move |s, reply| s.op_group(op, &group, &spec, wait, reply))
                .await
                .map(Applied::Each);
        }
        self.run_deferred(move |s, reply| s.op_one(op, &spec, wait, reply))
            .await
            .map(|()| Applied::One)
    }

    /// Starts a process (or `group:*`); with `wait`, answers once it is RUNNING or failed.
    pub async fn start_process(&self, spec: &str, wait: bool) -> Result<Applied, ApiError> {
        self.op_process(Op::Start, spec, wait).await
    }

    /// Stops a process (or `group:*`); with `wait`, answers once it has stopped.
    pub async fn stop_process(&self, spec: &str, wait: bool) -> Result<Applied, ApiError> {
        self.op_process(Op::Stop, spec, wait).await
    }

    /// Stops a process, waiting, then starts it: the web page's restart, which goes on to
    /// the start whatever the stop said (a process that is not running is just started).
    pub async fn restart_process(&self, spec: &str, wait: bool) -> Result<Applied, ApiError> {
        let _ = self.stop_process(spec, true).await;
        self.start_process(spec, wait).await
    }

    /// Starts or stops every process of a group.
    async fn op_group(
        &self,
        op: Op,
        group: &str,
        wait: bool,
    ) -> Result<Vec<ProcessResult>, ApiError> {
        let group = group.to_string();
        self.run_deferred(move |s, reply| s.op_group(op, &group, &group, wait, reply))
            .await
    }

    /// Starts every process of a group, in process priority order.
    pub async fn start_group(
        &self,
        group: &str,
        wait: bool,
    ) -> Result<Vec<ProcessResult>, ApiError> {
        self.op_group(Op::Start, group, wait).await
    }

    /// Stops every process of a group.
    pub async fn stop_group(
        &self,
        group: &str,
        wait: bool,
    ) -> Result<Vec<ProcessResult>, ApiError> {
        self.op_group(Op::Stop, group, wait).await
    }

    /// Starts every process, in start order, all at once.
    pub async fn start_all(&self, wait: bool) -> Result<Vec<ProcessResult>, ApiError> {
        self.run_deferred(move |s, reply| s.start_all(wait, reply))
            .await
    }

    /// Stops every process in stop order; with `wait`, one group after the other.
    pub async fn stop_all(&self, wait: bool) -> Result<Vec<ProcessResult>, ApiError> {
        self.run_deferred(move |s, reply| s.stop_all(wait, reply))
            .await
    }

    /// Signals one process, or every signallable process of `group:*`.
    pub async fn signal_process(&self, spec: &str, signal: SignalArg) -> Result<Applied, ApiError> {
        let spec = spec.to_string();
        self.run(move |s| match Namespec::parse(&spec) {
            Namespec::Group(group) => s
                .signal_many(Some((group, &spec)), &signal)
                .map(Applied::Each),
            Namespec::Process { .. } => s.signal_one(&spec, &signal).map(|()| Applied::One),
        })
        .await
    }

    /// Signals every signallable process of a group.
    pub async fn signal_group(
        &self,
        group: &str,
        signal: SignalArg,
    ) -> Result<Vec<ProcessResult>, ApiError> {
        let group = group.to_string();
        self.run(move |s| s.signal_many(Some((&group, &group)), &signal))
            .await
    }

    /// Signals every signallable process (the mood is checked before anything is signalled:
    /// fix Q30).
    pub async fn signal_all(&self, signal: SignalArg) -> Result<Vec<ProcessResult>, ApiError> {
        self.run(move |s| s.signal_many(None, &signal)).await
    }

    /// Writes `data` to a running process's stdin, never blocking the owner.
    pub async fn send_stdin(&self, spec: &str, data: Vec<u8>) -> Result<(), ApiError> {
        let spec = spec.to_string();
        self.run(move |s| s.send_stdin(&spec, &data)).await
    }

    /// Publishes a `REMOTE_COMMUNICATION` event; allowed in any mood, as in Supervisor.
    pub async fn remote_event(&self, kind: String, data: String) -> Result<(), ApiError> {
        self.jobs
            .call(move |s| s.events_remote(&kind, &data))
            .await
            .map_err(gone)
    }

    /// Opens an event stream: the events of `types` recorded after id `after` (a client's
    /// `Last-Event-ID`), then each new one as it is published; without `after`, only new ones.
    /// Allowed in any mood: a stream also reports shutdowns and reloads, and outlives them.
    pub async fn subscribe_events(
        &self,
        after: Option<u64>,
        types: Subscription,
    ) -> Result<EventSubscription, ApiError> {
        self.jobs
            .call(move |s| s.events_subscribe(after, types))
            .await
            .map_err(gone)
    }

    /// The log file of one process's channel (`None`: it logs nowhere), for the log streams
    /// and the web page: without the mood check, as Supervisor's `/logtail` has none.
    pub async fn log_path(
        &self,
        spec: &str,
        channel: LogChannel,
    ) -> Result<Option<PathBuf>, ApiError> {
        let spec = spec.to_string();
        self.jobs
            .call(move |s| s.log_path(&spec, channel))
            .await
            .map_err(gone)?
    }

    /// The same after the mood check (the `read`/`tail` methods).
    async fn checked_log_path(
        &self,
        spec: &str,
        channel: LogChannel,
    ) -> Result<Option<PathBuf>, ApiError> {
        let spec = spec.to_string();
        self.run(move |s| s.log_path(&spec, channel)).await
    }

    /// Reads `length` bytes at `offset` of a process's log (`readProcessStdoutLog`).
    pub async fn read_log(
        &self,
        spec: &str,
        channel: LogChannel,
        offset: i64,
        length: i64,
    ) -> Result<Vec<u8>, ApiError> {
        let path = self.checked_log_path(spec, channel).await?;
        read_file(path, offset, length)
    }

    /// Like [`Owner::read_log`], with where the bytes start and at most `cap` of them (a
    /// front end that must bound its answers).
    pub async fn read_log_slice(
        &self,
        spec: &str,
        channel: LogChannel,
        offset: i64,
        length: i64,
        cap: u64,
    ) -> Result<LogSlice, ApiError> {
        let path = self.checked_log_path(spec, channel).await?;
        let Some(path) = path else {
            return Err(ApiError::NoFile(Some("None".into())));
        };
        read_log_slice(&path, offset, length, cap).map_err(|e| read_error(e, &path))
    }

    /// The end of a process's log from `offset`, at most `length` bytes
    /// (`tailProcessStdoutLog`); a process without a log file has an empty one.
    pub async fn tail_log(
        &self,
        spec: &str,
        channel: LogChannel,
        offset: i64,
        length: i64,
    ) -> Result<Tail, ApiError> {
        Ok(match self.checked_log_path(spec, channel).await? {
            Some(path) => tail_log(&path, offset, length),
            None => Tail {
                data: Vec::new(),
                offset: 0,
                overflow: false,
            },
        })
    }

    /// Truncates one process's log files and drops their backups.
    pub async fn clear_logs(&self, spec: &str) -> Result<(), ApiError> {
        let spec = spec.to_string();
        self.run(move |s| s.clear_logs(&spec)).await
    }

    /// Clears one process's logs, or those of every process of `group:*` (which
    /// `clearProcessLogs` refuses as Supervisor does; the JSON API accepts it).
    pub async fn clear_process_logs(&self, spec: &str) -> Result<Applied, ApiError> {
        let spec = spec.to_string();
        self.run(move |s| match Namespec::parse(&spec) {
            Namespec::Group(group) => s.clear_group_logs(group, &spec).map(Applied::Each),
            Namespec::Process { .. } => s.clear_logs(&spec).map(|()| Applied::One),
        })
        .await
    }

    /// Clears every process's logs.
    pub async fn clear_all_logs(&self) -> Result<Vec<ProcessResult>, ApiError> {
        self.run(|s| Ok(s.clear_all_logs())).await
    }

    /// supervisord's own log file, if it writes one.
    pub fn main_log_path() -> Option<PathBuf> {
        daemon_log::with_installed(|l| l.path().map(PathBuf::from)).flatten()
    }

    /// Reads `length` bytes at `offset` of supervisord's own log (`readLog`).
    pub async fn read_main_log(&self, offset: i64, length: i64) -> Result<Vec<u8>, ApiError> {
        self.check().await?;
        read_file(Owner::main_log_path(), offset, length)
    }

    /// Truncates supervisord's own log (`clearLog`).
    pub async fn clear_main_log(&self) -> Result<(), ApiError> {
        self.check().await?;
        match daemon_log::with_installed(|l| l.clear()) {
            Some(Ok(())) => Ok(()),
            Some(Err(ClearLogError::Failed(_))) => Err(ApiError::Failed(None)),
            _ => Err(ApiError::NoFile(None)),
        }
    }

    /// Reads the config on disk and compares it with the running groups (`reloadConfig`).
    pub async fn reread(&self) -> Result<ReloadDiff, ApiError> {
        // Parsed on a blocking thread (a big config takes a while), compared on the owner.
        let reloader = self.run(|s| Ok(s.reloader())).await?;
        let new = tokio::task::spawn_blocking(move || reloader())
            .await
            .map_err(|_| ApiError::Failed(Some("the config reader failed".into())))?
            .map_err(ApiError::CantReread)?;
        self.run(move |s| Ok(s.reread_with(new))).await
    }

    /// Adds a group from the latest config read; its autostart processes start.
    pub async fn add_group(&self, name: &str) -> Result<(), ApiError> {
        let name = name.to_string();
        self.run(move |s| s.add_group_named(&name)).await
    }

    /// Removes a group whose processes are all stopped.
    pub async fn remove_group(&self, name: &str) -> Result<(), ApiError> {
        let name = name.to_string();
        self.run(move |s| s.remove_group_named(&name)).await
    }

    /// Rereads the config and applies the difference, group by group, as `supervisorctl
    /// update` does: removed groups are stopped and removed, changed ones stopped, removed and
    /// added again, new ones added. `only` limits it to the named groups (empty: all).
    pub async fn update(&self, only: &[String]) -> Result<Vec<GroupUpdate>, ApiError> {
        let diff = self.reread().await?;
        let wanted = |g: &String| only.is_empty() || only.contains(g);
        let mut done = Vec::new();
        for group in diff.removed.into_iter().filter(wanted) {
            let result = match self.stop_group(&group, true).await {
                Ok(results)
                    if results
                        .iter()
                        .any(|r| matches!(r.result, Err(ApiError::Failed(_)))) =>
                {
                    Err(ApiError::Failed(Some("has problems; not removing".into())))
                }
                Ok(_) => self.remove_group(&group).await,
                Err(e) => Err(e),
            };
            done.push(GroupUpdate {
                group,
                change: GroupChange::Removed,
                result,
            });
        }
        for group in diff.changed.into_iter().filter(wanted) {
            let mut result = self.stop_group(&group, true).await.map(drop);
            if result.is_ok() {
                result = self.remove_group(&group).await;
            }
            if result.is_ok() {
                result = self.add_group(&group).await;
            }
            done.push(GroupUpdate {
                group,
                change: GroupChange::Changed,
                result,
            });
        }
        for group in diff.added.into_iter().filter(wanted) {
            let result = self.add_group(&group).await;
            done.push(GroupUpdate {
                group,
                change: GroupChange::Added,
                result,
            });
        }
        Ok(done)
    }

    /// The groups' names in the order they were added (twiddler's `getGroupNames`).
    pub async fn group_names(&self) -> Result<Vec<String>, ApiError> {
        self.run(|s| Ok(s.group_names())).await
    }

    /// Adds the processes of program `program`, described by `options` as in a `[program:x]`
    /// section, to the running group `group`; autostart ones start (twiddler's
    /// `addProgramToGroup`). Nothing is written to the config file.
    pub async fn add_program_to_group(
        &self,
        group: &str,
        program: &str,
        options: ProgramOptions,
    ) -> Result<(), ApiError> {
        let (group, program) = (group.to_string(), program.to_string());
        self.run(move |s| s.add_program(&group, &program, &options))
            .await
    }

    /// Removes one stopped process from a running group (twiddler's `removeProcessFromGroup`).
    pub async fn remove_process_from_group(
        &self,
        group: &str,
        process: &str,
    ) -> Result<(), ApiError> {
        let (group, process) = (group.to_string(), process.to_string());
        self.run(move |s| s.remove_process(&group, &process)).await
    }

    /// Writes `message` to supervisord's own log at `level` (twiddler's `log`); below the
    /// configured level it is dropped, as every log line is.
    pub async fn log(&self, level: LogLevel, message: &str) -> Result<(), ApiError> {
        self.check().await?;
        daemon_log::log(level, message);
        Ok(())
    }

    /// Every process of the latest config read (`getAllConfigInfo`).
    pub async fn config(&self) -> Result<Vec<ConfigEntry>, ApiError> {
        self.run(|s| Ok(s.config_entries())).await
    }

    /// Whether Supervisor's state-changing GET links on the web page
    /// (`index.html?processname=x&action=stop`) may act at once: only when an HTTP server section
    /// says `legacy_web_actions = true` (an option Python ignores, so the config stays
    /// portable); otherwise any other site could trigger them.
    pub async fn legacy_web_actions(&self) -> bool {
        self.jobs
            .call(|s| s.legacy_web_actions())
            .await
            .unwrap_or(false)
    }

    /// What `/metrics` reports of the daemon and every process, in one job; without the mood
    /// check, so a scrape during a shutdown or reload still answers (with `mood` saying so).
    pub async fn metrics_snapshot(&self) -> Result<MetricsSnapshot, ApiError> {
        self.jobs.call(|s| s.metrics_snapshot()).await.map_err(gone)
    }

    /// Starts an orderly shutdown.
    pub async fn shutdown(&self) -> Result<(), ApiError> {
        self.run(|s| {
            s.request_shutdown();
            Ok(())
        })
        .await
    }

    /// Validates the config on disk and, if it loads, stops everything and starts again with
    /// it; an invalid config keeps the daemon running the old one (fix Q4).
    pub async fn restart(&self) -> Result<(), ApiError> {
        self.run(|s| s.request_restart().map_err(ApiError::CantReread))
            .await
    }
}

/// Reads part of a log file, with Supervisor's errors.
fn read_file(path: Option<PathBuf>, offset: i64, length: i64) -> Result<Vec<u8>, ApiError> {
    let Some(path) = path else {
        return Err(ApiError::NoFile(Some("None".into())));
    };
    read_log(&path, offset, length).map_err(|e| read_error(e, &path))
}

/// A failed log read as Supervisor reports it.
fn read_error(e: ReadLogError, path: &std::path::Path) -> ApiError {
    match e {
        ReadLogError::BadArguments => ApiError::BadArguments,
        ReadLogError::NoFile => ApiError::NoFile(Some(path.display().to_string())),
        ReadLogError::Failed(_) => ApiError::Failed(None),
    }
}
