//! supervisord's own log: its line format and its handlers, at Supervisor's seven levels
//! ([`LogLevel`], from `supervisor-core`).
//!
//! Lines look like `2026-11-25 14:20:07,997 INFO spawned: 'x' with pid 123` (local time,
//! milliseconds truncated), multi-line messages are written as they are. The sinks mirror
//! Python's `make_logger`: the `logfile` (a rotating [`LogFile`], or syslog for the magic name
//! `syslog`) and, with `nodaemon` and not `silent`, stdout as well, each getting every record.
//!
//! Why not `tracing`: Supervisor has seven levels (tracing has five), one flat message per
//! record and one consumer, on one thread. A global logger behind a relaxed atomic level check
//! costs one load for a filtered-out message, is callable from the owner task and from HTTP
//! handlers alike (no `Send` issue, no handle to thread through), and keeps the format exact.
//! Use the macros ([`log_info!`](crate::log_info) etc.) or [`log`] after [`install`]ing a
//! [`DaemonLog`]; records logged before that are buffered and flushed at install in
//! Supervisor's order (criticals, then warnings, then infos — spec §1.8).

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Mutex;

use super::logfile::{LogFile, LogFileError};
use super::syslog;

pub use supervisor_core::LogLevel;

/// Where the main log goes besides stdout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogTarget {
    /// A file, rotated when `maxbytes > 0` (Supervisor's `logfile`, `logfile_maxbytes`, `logfile_backups`).
    File {
        /// The `logfile` path.
        path: PathBuf,
        /// `logfile_maxbytes` (0: never rotate).
        maxbytes: u64,
        /// `logfile_backups`.
        backups: u32,
    },
    /// `logfile=syslog`: every line of every record goes to `syslog()` at `LOG_INFO`.
    Syslog,
}

impl LogTarget {
    /// The target Supervisor derives from a `logfile` value (`syslog` is the magic name).
    pub fn from_logfile(logfile: &Path, maxbytes: u64, backups: u32) -> LogTarget {
        if logfile == Path::new("syslog") {
            LogTarget::Syslog
        } else {
            LogTarget::File {
                path: logfile.to_path_buf(),
                maxbytes,
                backups,
            }
        }
    }
}

/// Everything needed to build the daemon's logger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonLogConfig {
    /// `loglevel`: records below it are dropped.
    pub level: LogLevel,
    /// `logfile`.
    pub target: LogTarget,
    /// `nodaemon && !silent`: also write every record to stdout.
    pub echo_stdout: bool,
}

/// Why `clearLog` failed, mapped by the RPC layer to `NO_FILE` / `FAILED`.
#[derive(Debug, thiserror::Error)]
pub enum ClearLogError {
    /// The log is syslog, or the file does not exist.
    #[error("no log file")]
    NoFile,
    /// Deleting or reopening failed.
    #[error(transparent)]
    Failed(#[from] LogFileError),
}

enum Sink {
    Stdout,
    File { log: LogFile, failing: bool },
    Syslog,
}

/// The daemon's logger: a level and the sinks that receive each record.
pub struct DaemonLog {
    level: LogLevel,
    sinks: Vec<Sink>,
    line: Vec<u8>,
}

impl fmt::Debug for DaemonLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DaemonLog")
            .field("level", &self.level)
            .field("path", &self.path())
            .finish()
    }
}

impl DaemonLog {
    /// Opens the sinks; fails if the log file cannot be opened (supervisord then exits).
    pub fn open(config: &DaemonLogConfig) -> Result<DaemonLog, LogFileError> {
        let mut sinks = Vec::with_capacity(2);
        // Python adds the stdout handler first, so stdout sees each record first.
        if config.echo_stdout {
            sinks.push(Sink::Stdout);
        }
        match &config.target {
            LogTarget::File {
                path,
                maxbytes,
                backups,
            } => {
                sinks.push(Sink::File {
                    log: LogFile::open(path.clone(), *maxbytes, *backups)?,
                    failing: false,
                });
            }
            LogTarget::Syslog => sinks.push(Sink::Syslog),
        }
        Ok(DaemonLog {
            level: config.level,
            sinks,
            line: Vec::with_capacity(256),
        })
    }

    /// The threshold level.
    pub fn level(&self) -> LogLevel {
        self.level
    }

    /// The log file's path (`None` for syslog).
    pub fn path(&self) -> Option<&Path> {
        self.sinks.iter().find_map(|s| match s {
            Sink::File { log, .. } => Some(log.path()),
            _ => None,
        })
    }

    /// Writes one record to every sink if `level` passes the threshold.
    pub fn log(&mut self, level: LogLevel, message: &str) {
        if level < self.level {
            return;
        }
        let now = jiff::ZonedDateTime::now();
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        format_prefix(&mut line, now.datetime(), level);
        let prefix_len = line.len();
        line.extend_from_slice(message.as_bytes());
        line.push(b'\n');
        for sink in &mut self.sinks {
            match sink {
                Sink::Stdout => {
                    // Like Python, a broken stdout (EPIPE) is not worth reporting.
                    let mut out = std::io::stdout().lock();
                    let _ = out.write_all(&line).and_then(|()| out.flush());
                }
                Sink::File { log, failing } => match log.write(&line) {
                    Ok(()) => *failing = false,
                    Err(e) => {
                        // The log cannot report its own failure; say it once per streak.
                        if !*failing {
                            let _ = writeln!(std::io::stderr(), "supervisord: {e}");
                        }
                        *failing = true;
                    }
                },
                Sink::Syslog => {
                    let prefix = &line[..prefix_len];
                    for msg_line in syslog::lines(message.as_bytes()) {
                        let mut m = Vec::with_capacity(prefix.len() + msg_line.len());
                        m.extend_from_slice(prefix);
                        m.extend_from_slice(msg_line);
                        syslog::send(&m);
                    }
                }
            }
        }
        self.line = line;
    }

    /// Reopens the log file by name (SIGUSR2); stdout and syslog need nothing.
    pub fn reopen(&mut self) -> Result<(), LogFileError> {
        let mut result = Ok(());
        for sink in &mut self.sinks {
            if let Sink::File { log, failing } = sink {
                match log.reopen() {
                    Ok(()) => *failing = false,
                    Err(e) => result = Err(e),
                }
            }
        }
        result
    }

    /// `supervisor.clearLog`: deletes the log file and reopens it. As in Python, each handler
    /// logs `reopening log file` before being reopened (so the message lands in the old file
    /// and, with `nodaemon`, on stdout), and the new file starts empty.
    pub fn clear(&mut self) -> Result<(), ClearLogError> {
        let Some(path) = self.path().map(Path::to_path_buf) else {
            return Err(ClearLogError::NoFile);
        };
        if !path.exists() {
            return Err(ClearLogError::NoFile);
        }
        // Python: os.remove(logfile); a failure here is FAILED.
        if let Some(Sink::File { log, .. }) = self
            .sinks
            .iter_mut()
            .find(|s| matches!(s, Sink::File { .. }))
        {
            if log.is_regular() {
                std::fs::remove_file(&path).map_err(|source| LogFileError {
                    op: super::logfile::LogOp::Remove,
                    path: path.clone(),
                    source,
                })?;
            }
        }
        for i in 0..self.sinks.len() {
            self.log(LogLevel::Info, "reopening log file");
            if let Sink::File { log, failing } = &mut self.sinks[i] {
                log.reopen()?;
                *failing = false;
            }
        }
        Ok(())
    }
}

/// Writes `YYYY-MM-DD HH:MM:SS,mmm LEVL ` for `time` (milliseconds truncated, as Python's `%03d`).
pub fn format_prefix(out: &mut Vec<u8>, time: jiff::civil::DateTime, level: LogLevel) {
    let millis = time.subsec_nanosecond() / 1_000_000;
    let _ = write!(
        out,
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02},{:03} {} ",
        time.year(),
        time.month(),
        time.day(),
        time.hour(),
        time.minute(),
        time.second(),
        millis,
        level.tag()
    );
}

/// Records kept while no logger is installed; bounded so a daemon that never gets one cannot grow.
const EARLY_CAP: usize = 4096;

struct Global {
    log: Option<DaemonLog>,
    early: Vec<(LogLevel, String)>,
    early_bytes: usize,
}

static GLOBAL: Mutex<Global> = Mutex::new(Global {
    log: None,
    early: Vec::new(),
    early_bytes: 0,
});

/// The installed logger's level. While no logger is installed, records at `info` and above are
/// buffered (Supervisor's pre-logger messages are criticals, warnings and infos); anything
/// chattier, such as a child's output echo, is dropped rather than piling up.
static THRESHOLD: AtomicU8 = AtomicU8::new(LogLevel::Info.number());

/// Bytes of message text the pre-logger buffer may hold.
const EARLY_MAX_BYTES: usize = 1 << 20;

fn global() -> std::sync::MutexGuard<'static, Global> {
    GLOBAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Whether a record at `level` would be kept (cheap: one atomic load). The macros check this
/// before formatting.
pub fn enabled(level: LogLevel) -> bool {
    level.number() >= THRESHOLD.load(Ordering::Relaxed)
}

/// Logs `message` through the installed logger, or buffers it until [`install`].
pub fn log(level: LogLevel, message: &str) {
    if !enabled(level) {
        return;
    }
    let mut g = global();
    match g.log.as_mut() {
        Some(log) => log.log(level, message),
        None => {
            if g.early.len() < EARLY_CAP && g.early_bytes + message.len() <= EARLY_MAX_BYTES {
                g.early_bytes += message.len();
                g.early.push((level, message.to_owned()));
            }
        }
    }
}

/// [`log`] for preformatted arguments (what the macros call).
pub fn log_args(level: LogLevel, args: fmt::Arguments<'_>) {
    match args.as_str() {
        Some(s) => log(level, s),
        None => log(level, &args.to_string()),
    }
}

/// Installs `log` as the daemon's logger and flushes the records buffered so far, most severe
/// first (criticals, then warnings, then infos, …; order kept within a level). Returns the
/// previously installed logger, if any.
pub fn install(mut log: DaemonLog) -> Option<DaemonLog> {
    let mut g = global();
    let mut early = std::mem::take(&mut g.early);
    g.early_bytes = 0;
    early.sort_by_key(|(level, _)| std::cmp::Reverse(*level));
    for (level, message) in &early {
        log.log(*level, message);
    }
    THRESHOLD.store(log.level.number(), Ordering::Relaxed);
    g.log.replace(log)
}

/// Removes the installed logger (e.g. to close it at exit or before a reload re-creates it);
/// records logged afterwards are buffered again.
pub fn uninstall() -> Option<DaemonLog> {
    let mut g = global();
    THRESHOLD.store(LogLevel::Info.number(), Ordering::Relaxed);
    g.log.take()
}

/// Takes the records buffered while no logger was installed (to print them to stderr when
/// supervisord exits before creating its logger).
pub fn take_early() -> Vec<(LogLevel, String)> {
    let mut g = global();
    g.early_bytes = 0;
    std::mem::take(&mut g.early)
}

/// Runs `f` on the installed logger (for `reopen`, `clear`), if there is one.
pub fn with_installed<R>(f: impl FnOnce(&mut DaemonLog) -> R) -> Option<R> {
    global().log.as_mut().map(f)
}

/// Logs at an explicit [`LogLevel`] with `format!` syntax, skipping the formatting when filtered out.
#[macro_export]
macro_rules! daemon_log {
    ($level:expr, $($arg:tt)*) => {{
        let level = $level;
        if $crate::logs::daemon_log::enabled(level) {
            $crate::logs::daemon_log::log_args(level, ::std::format_args!($($arg)*));
        }
    }};
}

/// Logs at `critical` (CRIT).
#[macro_export]
macro_rules! log_crit { ($($arg:tt)*) => { $crate::daemon_log!($crate::logs::LogLevel::Critical, $($arg)*) }; }
/// Logs at `error` (ERRO).
#[macro_export]
macro_rules! log_error { ($($arg:tt)*) => { $crate::daemon_log!($crate::logs::LogLevel::Error, $($arg)*) }; }
/// Logs at `warn` (WARN).
#[macro_export]
macro_rules! log_warn { ($($arg:tt)*) => { $crate::daemon_log!($crate::logs::LogLevel::Warn, $($arg)*) }; }
/// Logs at `info` (INFO).
#[macro_export]
macro_rules! log_info { ($($arg:tt)*) => { $crate::daemon_log!($crate::logs::LogLevel::Info, $($arg)*) }; }
/// Logs at `debug` (DEBG).
#[macro_export]
macro_rules! log_debug { ($($arg:tt)*) => { $crate::daemon_log!($crate::logs::LogLevel::Debug, $($arg)*) }; }
/// Logs at `trace` (TRAC).
#[macro_export]
macro_rules! log_trace { ($($arg:tt)*) => { $crate::daemon_log!($crate::logs::LogLevel::Trace, $($arg)*) }; }
/// Logs at `blather` (BLAT).
#[macro_export]
macro_rules! log_blather { ($($arg:tt)*) => { $crate::daemon_log!($crate::logs::LogLevel::Blather, $($arg)*) }; }

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_have_supervisor_numbers_tags_and_names() {
        let table: Vec<(u8, &str, &str)> = LogLevel::ALL
            .iter()
            .map(|l| (l.number(), l.tag(), l.as_str()))
            .collect();
        assert_eq!(
            table,
            vec![
                (50, "CRIT", "critical"),
                (40, "ERRO", "error"),
                (30, "WARN", "warn"),
                (20, "INFO", "info"),
                (10, "DEBG", "debug"),
                (5, "TRAC", "trace"),
                (3, "BLAT", "blather"),
            ]
        );
        assert_eq!(LogLevel::from_name("WARN"), Some(LogLevel::Warn));
        assert_eq!(LogLevel::from_name("warning"), None);
        assert!(LogLevel::Blather < LogLevel::Trace && LogLevel::Error < LogLevel::Critical);
    }

    #[test]
    fn prefix_has_comma_millis_truncated() {
        let t = jiff::civil::date(2026, 11, 25).at(14, 20, 7, 997_999_999);
        let mut out = Vec::new();
        format_prefix(&mut out, t, LogLevel::Info);
        assert_eq!(out, b"2026-11-25 14:20:07,997 INFO ");
        out.clear();
        format_prefix(
            &mut out,
            jiff::civil::date(2027, 1, 2).at(3, 4, 5, 6_000_000),
            LogLevel::Blather,
        );
        assert_eq!(out, b"2027-01-02 03:04:05,006 BLAT ");
    }

    #[test]
    fn syslog_target_from_magic_name() {
        assert_eq!(
            LogTarget::from_logfile(Path::new("syslog"), 5, 1),
            LogTarget::Syslog
        );
        assert!(matches!(
            LogTarget::from_logfile(Path::new("/x/syslog"), 5, 1),
            LogTarget::File { .. }
        ));
    }
}
