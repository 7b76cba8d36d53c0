//! The vocabulary of the owner API: what front ends pass in and get back.
//!
//! These types say what happened in Supervisor's terms (a bad name, a spawn error, a process
//! that is not running) without any wire format; XML-RPC turns an [`ApiError`] into a fault,
//! the web page into a message, and later front ends into their own answers.

use std::path::PathBuf;
use std::sync::Arc;

use supervisor_config::model::ProcessConfig;
use supervisor_core::SupervisorState;

use super::Proc;

/// Why an operation was refused or failed; each variant is one of Supervisor's fault kinds,
/// carrying the detail Supervisor puts after the fault name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// No process or group of that name (the name as the caller gave it).
    #[error("no such process or group: {0}")]
    BadName(String),
    /// No group of that name (twiddler's wording: `BAD_NAME: group: NAME`).
    #[error("no such group: {0}")]
    BadGroup(String),
    /// A program described at run time could not be read; the detail is the first problem,
    /// in Python's words, or nothing when the options were not option/value pairs.
    #[error("invalid program options{}", detail(.0))]
    BadProgram(Option<String>),
    /// A signal that is neither a known name nor a number.
    #[error("bad signal: {0}")]
    BadSignal(String),
    /// A missing file: a command not found, a log file that does not exist, a closed stdin.
    #[error("no such file{}", detail(.0))]
    NoFile(Option<String>),
    /// A command that exists but cannot be executed.
    #[error("not executable: {0}")]
    NotExecutable(String),
    /// A generic failure; the detail says what.
    #[error("failed{}", detail(.0))]
    Failed(Option<String>),
    /// A process left STARTING for something other than RUNNING.
    #[error("abnormal termination: {0}")]
    AbnormalTermination(String),
    /// A process could not be spawned, or exited too quickly.
    #[error("spawn error: {0}")]
    SpawnError(String),
    /// The process is already starting or running.
    #[error("already started: {0}")]
    AlreadyStarted(String),
    /// The process is not running.
    #[error("not running: {0}")]
    NotRunning(String),
    /// The group is already active.
    #[error("group already added: {0}")]
    AlreadyAdded(String),
    /// The group still has running processes.
    #[error("group still running: {0}")]
    StillRunning(String),
    /// The configuration could not be read; the detail is every error in it.
    #[error("cannot reread the configuration: {0}")]
    CantReread(String),
    /// An offset/length pair that makes no sense for a log read.
    #[error("bad arguments")]
    BadArguments,
    /// supervisord is shutting down or reloading.
    #[error("supervisord is shutting down")]
    ShuttingDown,
}

fn detail(d: &Option<String>) -> String {
    d.as_deref().map(|d| format!(": {d}")).unwrap_or_default()
}

/// Who a per-process result is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The process name.
    pub name: String,
    /// The group name.
    pub group: String,
    /// `group:name`, or `name` when both are equal (what errors carry).
    pub namespec: String,
}

impl Member {
    /// The member for a process.
    pub(super) fn of(proc: &Proc) -> Member {
        Member {
            name: proc.config.name.clone(),
            group: proc.config.group.clone(),
            namespec: proc.namespec(),
        }
    }
}

/// The result of an operation on one process of a multi-process operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessResult {
    /// The process.
    pub member: Member,
    /// What the operation gave for it.
    pub result: Result<(), ApiError>,
}

/// A signal as the client named it: parsed, or the text that names no signal (reported per
/// process by group operations, as Supervisor does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignalArg {
    /// A signal number; 0 only checks that the process exists.
    Number(i32),
    /// Text that names no signal.
    Invalid(String),
}

/// A process's output channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogChannel {
    /// Standard output (also the log of `redirect_stderr` programs).
    Stdout = 0,
    /// Standard error.
    Stderr = 1,
}

impl LogChannel {
    /// `stdout` / `stderr` → the channel; anything else is none.
    pub fn parse(name: &str) -> Option<LogChannel> {
        match name {
            "stdout" => Some(LogChannel::Stdout),
            "stderr" => Some(LogChannel::Stderr),
            _ => None,
        }
    }
}

/// The daemon as `getState` and friends describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonState {
    /// RUNNING, RESTARTING or SHUTDOWN.
    pub mood: SupervisorState,
    /// The `identifier` option.
    pub identification: String,
    /// supervisord's pid.
    pub pid: u32,
}

/// How `getAllConfigInfo` names a log file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogName {
    /// No log file (`NONE`).
    None,
    /// AUTO, not yet (or no longer) resolved to a file.
    Auto,
    /// A file.
    Path(PathBuf),
}

/// One process of the latest config read, as `getAllConfigInfo` reports it.
#[derive(Debug, Clone)]
pub struct ConfigEntry {
    /// Its group's name.
    pub group: String,
    /// Its group's priority.
    pub group_priority: i64,
    /// The process config (shared, not copied).
    pub process: Arc<ProcessConfig>,
    /// Whether its group is running in the daemon now.
    pub inuse: bool,
    /// The stdout and stderr log files.
    pub logfiles: [LogName; 2],
}

/// How `update` changed one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupChange {
    /// Gone from the config: stopped and removed.
    Removed,
    /// Its settings changed: stopped, removed and added again.
    Changed,
    /// New in the config: added (its autostart processes start).
    Added,
}

/// What `update` did to one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupUpdate {
    /// The group's name.
    pub group: String,
    /// What the reread found for it.
    pub change: GroupChange,
    /// Whether it was carried out; a removed group with a process that failed to stop stays
    /// (`FAILED: has problems; not removing`).
    pub result: Result<(), ApiError>,
}

/// The options of a program added at run time, as the caller sent them. Read only once its
/// group is found, as twiddler does: a call naming no group is `BAD_NAME` whatever the options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgramOptions {
    /// Option/value pairs, in the order sent (a later key replaces an earlier one).
    Pairs(Vec<(String, String)>),
    /// Not option/value pairs; the detail says why, when there is more to say.
    Invalid(Option<String>),
}

/// What a reread found, compared with the running groups (`reloadConfig`).
pub use supervisor_core::ReloadDiff;
