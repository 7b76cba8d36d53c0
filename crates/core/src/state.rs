//! Supervisor's state codes: process states, supervisord's own state ("mood") and log levels.
//!
//! The numeric codes and names are part of the wire contract (XML-RPC `getProcessInfo`,
//! `getState`, event payloads, log lines), so they are exactly Python Supervisor's.

use std::fmt;

/// The state of one supervised process, with Supervisor's numeric codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum ProcessState {
    /// Not running: never started, or stopped by request (the initial state).
    #[default]
    Stopped,
    /// Spawned (or being spawned), not yet up for `startsecs`.
    Starting,
    /// Up for longer than `startsecs`.
    Running,
    /// The last start failed; waiting to retry.
    Backoff,
    /// A stop signal was sent; waiting for the process to exit.
    Stopping,
    /// Exited on its own from RUNNING.
    Exited,
    /// Could not be started after `startretries` retries.
    Fatal,
    /// Signalling the process failed unexpectedly; nothing automatic happens any more.
    Unknown,
}

impl ProcessState {
    /// Every state, in code order.
    pub const ALL: [ProcessState; 8] = [
        ProcessState::Stopped,
        ProcessState::Starting,
        ProcessState::Running,
        ProcessState::Backoff,
        ProcessState::Stopping,
        ProcessState::Exited,
        ProcessState::Fatal,
        ProcessState::Unknown,
    ];

    /// Supervisor's `STOPPED_STATES`.
    pub const STOPPED_STATES: [ProcessState; 4] = [
        ProcessState::Stopped,
        ProcessState::Exited,
        ProcessState::Fatal,
        ProcessState::Unknown,
    ];

    /// Supervisor's `RUNNING_STATES` (note: BACKOFF is "running", STOPPING is neither).
    pub const RUNNING_STATES: [ProcessState; 3] = [
        ProcessState::Running,
        ProcessState::Backoff,
        ProcessState::Starting,
    ];

    /// Supervisor's `SIGNALLABLE_STATES`.
    pub const SIGNALLABLE_STATES: [ProcessState; 3] = [
        ProcessState::Running,
        ProcessState::Starting,
        ProcessState::Stopping,
    ];

    /// The numeric code (`STOPPED` 0 … `UNKNOWN` 1000).
    #[must_use]
    pub const fn code(self) -> i32 {
        match self {
            ProcessState::Stopped => 0,
            ProcessState::Starting => 10,
            ProcessState::Running => 20,
            ProcessState::Backoff => 30,
            ProcessState::Stopping => 40,
            ProcessState::Exited => 100,
            ProcessState::Fatal => 200,
            ProcessState::Unknown => 1000,
        }
    }

    /// The upper-case name used in `statename`, events and `supervisorctl status`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            ProcessState::Stopped => "STOPPED",
            ProcessState::Starting => "STARTING",
            ProcessState::Running => "RUNNING",
            ProcessState::Backoff => "BACKOFF",
            ProcessState::Stopping => "STOPPING",
            ProcessState::Exited => "EXITED",
            ProcessState::Fatal => "FATAL",
            ProcessState::Unknown => "UNKNOWN",
        }
    }

    /// The state with this numeric code, if any.
    #[must_use]
    pub fn from_code(code: i32) -> Option<ProcessState> {
        ProcessState::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The state with this exact upper-case name, if any.
    #[must_use]
    pub fn from_name(name: &str) -> Option<ProcessState> {
        ProcessState::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Whether the state is in `STOPPED_STATES`.
    #[must_use]
    pub const fn is_stopped(self) -> bool {
        matches!(
            self,
            ProcessState::Stopped
                | ProcessState::Exited
                | ProcessState::Fatal
                | ProcessState::Unknown
        )
    }

    /// Whether the state is in `RUNNING_STATES`.
    #[must_use]
    pub const fn is_running(self) -> bool {
        matches!(
            self,
            ProcessState::Running | ProcessState::Backoff | ProcessState::Starting
        )
    }

    /// Whether the state is in `SIGNALLABLE_STATES`.
    #[must_use]
    pub const fn is_signallable(self) -> bool {
        matches!(
            self,
            ProcessState::Running | ProcessState::Starting | ProcessState::Stopping
        )
    }
}

impl fmt::Display for ProcessState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// supervisord's own state (Python's `SupervisorStates`, the "mood").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SupervisorState {
    /// Code 2: supervisord hit an unrecoverable error.
    Fatal,
    /// Code 1: normal operation.
    Running,
    /// Code 0: a reload is in progress (processes are being stopped).
    Restarting,
    /// Code -1: a shutdown is in progress.
    Shutdown,
}

impl SupervisorState {
    /// Every state, in descending code order.
    pub const ALL: [SupervisorState; 4] = [
        SupervisorState::Fatal,
        SupervisorState::Running,
        SupervisorState::Restarting,
        SupervisorState::Shutdown,
    ];

    /// The numeric code returned by `supervisor.getState`.
    #[must_use]
    pub const fn code(self) -> i32 {
        match self {
            SupervisorState::Fatal => 2,
            SupervisorState::Running => 1,
            SupervisorState::Restarting => 0,
            SupervisorState::Shutdown => -1,
        }
    }

    /// The upper-case name returned by `supervisor.getState`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            SupervisorState::Fatal => "FATAL",
            SupervisorState::Running => "RUNNING",
            SupervisorState::Restarting => "RESTARTING",
            SupervisorState::Shutdown => "SHUTDOWN",
        }
    }

    /// The state with this numeric code, if any.
    #[must_use]
    pub fn from_code(code: i32) -> Option<SupervisorState> {
        SupervisorState::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Whether processes may be spawned in this mood.
    ///
    /// Python tests `mood > RESTARTING`, so FATAL (2) allows spawns just like RUNNING; only a
    /// reload or shutdown in progress forbids them.
    #[must_use]
    pub const fn allows_spawn(self) -> bool {
        self.code() > SupervisorState::Restarting.code()
    }
}

impl fmt::Display for SupervisorState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Supervisor's seven log levels (`supervisor/loggers.py`), declared least severe first so that
/// `Ord` compares severity; the discriminant is Python's number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum LogLevel {
    /// `BLAT` (3): per-fd poll chatter.
    Blather = 3,
    /// `TRAC` (5): RPC calls and HTTP access.
    Trace = 5,
    /// `DEBG` (10): kill/signal details, child output echo.
    Debug = 10,
    /// `INFO` (20): spawned, success, expected exits, gave up.
    Info = 20,
    /// `WARN` (30): unexpected exits, SIGKILL escalation.
    Warn = 30,
    /// `ERRO` (40): errors that don't stop supervisord.
    Error = 40,
    /// `CRIT` (50): e.g. unknown problems killing a process.
    Critical = 50,
}

impl LogLevel {
    /// Every level, most severe first (the order Supervisor lists them in).
    pub const ALL: [LogLevel; 7] = [
        LogLevel::Critical,
        LogLevel::Error,
        LogLevel::Warn,
        LogLevel::Info,
        LogLevel::Debug,
        LogLevel::Trace,
        LogLevel::Blather,
    ];

    /// Python's numeric level (50 … 3): a message is written when its level ≥ the configured one.
    #[must_use]
    pub const fn number(self) -> u8 {
        self as u8
    }

    /// The four-letter tag written in log lines (`CRIT`, `ERRO`, `WARN`, `INFO`, `DEBG`, `TRAC`,
    /// `BLAT`).
    #[must_use]
    pub const fn tag(self) -> &'static str {
        match self {
            LogLevel::Blather => "BLAT",
            LogLevel::Trace => "TRAC",
            LogLevel::Debug => "DEBG",
            LogLevel::Info => "INFO",
            LogLevel::Warn => "WARN",
            LogLevel::Error => "ERRO",
            LogLevel::Critical => "CRIT",
        }
    }

    /// The name used in `loglevel=` and `-e` (`critical` … `blather`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            LogLevel::Blather => "blather",
            LogLevel::Trace => "trace",
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
            LogLevel::Critical => "critical",
        }
    }

    /// The level with this name, case-insensitively (Supervisor's `logging_level` names; the
    /// config's `warning` alias, quirk Q23, is `supervisor_config::types::logging_level`'s).
    #[must_use]
    pub fn from_name(name: &str) -> Option<LogLevel> {
        let lower = name.to_lowercase();
        LogLevel::ALL.into_iter().find(|l| l.as_str() == lower)
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_state_codes_and_names_match_supervisor() {
        let table = [
            (ProcessState::Stopped, 0, "STOPPED"),
            (ProcessState::Starting, 10, "STARTING"),
            (ProcessState::Running, 20, "RUNNING"),
            (ProcessState::Backoff, 30, "BACKOFF"),
            (ProcessState::Stopping, 40, "STOPPING"),
            (ProcessState::Exited, 100, "EXITED"),
            (ProcessState::Fatal, 200, "FATAL"),
            (ProcessState::Unknown, 1000, "UNKNOWN"),
        ];
        for (state, code, name) in table {
            assert_eq!(state.code(), code);
            assert_eq!(state.name(), name);
            assert_eq!(state.to_string(), name);
            assert_eq!(ProcessState::from_code(code), Some(state));
            assert_eq!(ProcessState::from_name(name), Some(state));
        }
        assert_eq!(ProcessState::from_code(5), None);
        assert_eq!(ProcessState::from_name("running"), None);
    }

    #[test]
    fn state_sets_match_supervisor() {
        for state in ProcessState::ALL {
            assert_eq!(
                state.is_stopped(),
                ProcessState::STOPPED_STATES.contains(&state)
            );
            assert_eq!(
                state.is_running(),
                ProcessState::RUNNING_STATES.contains(&state)
            );
            assert_eq!(
                state.is_signallable(),
                ProcessState::SIGNALLABLE_STATES.contains(&state)
            );
        }
        // STOPPING is in neither the stopped nor the running set.
        assert!(!ProcessState::Stopping.is_stopped());
        assert!(!ProcessState::Stopping.is_running());
        assert!(ProcessState::Backoff.is_running());
        assert!(!ProcessState::Backoff.is_signallable());
        assert!(ProcessState::Unknown.is_stopped());
    }

    #[test]
    fn supervisor_state_codes() {
        let table = [
            (SupervisorState::Fatal, 2, "FATAL", true),
            (SupervisorState::Running, 1, "RUNNING", true),
            (SupervisorState::Restarting, 0, "RESTARTING", false),
            (SupervisorState::Shutdown, -1, "SHUTDOWN", false),
        ];
        for (state, code, name, spawns) in table {
            assert_eq!(state.code(), code);
            assert_eq!(state.name(), name);
            assert_eq!(state.to_string(), name);
            assert_eq!(SupervisorState::from_code(code), Some(state));
            assert_eq!(state.allows_spawn(), spawns);
        }
        assert_eq!(SupervisorState::from_code(3), None);
    }

    #[test]
    fn log_levels() {
        let table = [
            (LogLevel::Critical, 50, "CRIT", "critical"),
            (LogLevel::Error, 40, "ERRO", "error"),
            (LogLevel::Warn, 30, "WARN", "warn"),
            (LogLevel::Info, 20, "INFO", "info"),
            (LogLevel::Debug, 10, "DEBG", "debug"),
            (LogLevel::Trace, 5, "TRAC", "trace"),
            (LogLevel::Blather, 3, "BLAT", "blather"),
        ];
        for (level, value, tag, name) in table {
            assert_eq!(level.number(), value);
            assert_eq!(level as u8, value);
            assert_eq!(level.tag(), tag);
            assert_eq!(level.to_string(), tag);
            assert_eq!(level.as_str(), name);
            assert_eq!(LogLevel::from_name(name), Some(level));
            assert_eq!(LogLevel::from_name(&name.to_uppercase()), Some(level));
        }
        assert_eq!(
            LogLevel::ALL.map(LogLevel::number),
            [50, 40, 30, 20, 10, 5, 3]
        );
        assert_eq!(LogLevel::from_name("warning"), None);
        assert_eq!(LogLevel::from_name("loud"), None);
        assert!(LogLevel::Critical > LogLevel::Info);
        assert!(LogLevel::Blather < LogLevel::Trace);
        assert!(LogLevel::Error < LogLevel::Critical);
    }

    #[test]
    fn log_level_names_fold_case_like_python_lower() {
        // The daemon's copy folded ASCII only, this crate's and the config's all of Unicode:
        // no non-ASCII character lowers onto a level name, so both accept the same names.
        assert_eq!(LogLevel::from_name("wArN"), Some(LogLevel::Warn));
        assert_eq!(LogLevel::from_name("\u{130}nfo"), None); // İ lowers to "i̇", not "i"
        assert_eq!(LogLevel::from_name("\u{212a}"), None); // KELVIN SIGN lowers to "k"
        assert_eq!(LogLevel::from_name(" info"), None);
    }
}
