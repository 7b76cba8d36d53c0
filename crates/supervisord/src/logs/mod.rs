//! Logging: child output capture, rotating log files, log reading for the RPC layer, `AUTO`
//! child log names, and supervisord's own log.
//!
//! - [`logfile`]: [`LogFile`], a file with Supervisor's `maxbytes`/`backups` rotation.
//! - [`capture`]: the per-pipe capture task: Supervisor's output semantics, the pump, flood mode.
//! - [`tail`]: `readLog` / `tailProcess*Log` offset arithmetic on log files.
//! - [`follow`]: the one follower of a growing log (`/logtail`, `/mainlogtail`, the tail page).
//! - [`autolog`]: `AUTO` log file names and their cleanup at startup.
//! - [`daemon_log`]: the daemon's levelled logger and its macros (`log_info!` …).
//! - [`ansi`], [`syslog`]: `strip_ansi`, `syslog(3)` (Python's `repr()` for messages is
//!   [`supervisor_core::pystr`]).

pub mod ansi;
pub mod autolog;
pub mod capture;
pub mod daemon_log;
pub mod follow;
pub mod logfile;
pub mod syslog;
pub mod tail;
mod ticker;

pub use autolog::{clear_auto_child_logs, create_auto_log, is_auto_log_name};
pub use capture::{
    spawn_capture, spawn_listener_capture, CaptureConfig, CaptureHandle, CaptureNotice,
    CaptureReport, Channel, NoticeSink, OutputProcessor, Payload, ProtocolSink,
};
pub use daemon_log::{ClearLogError, DaemonLog, DaemonLogConfig, LogLevel, LogTarget};
pub use logfile::{LogFile, LogFileError, LogOp, Spliced};
pub use tail::{read_log, read_log_slice, tail_log, LogSlice, ReadLogError, Tail};
