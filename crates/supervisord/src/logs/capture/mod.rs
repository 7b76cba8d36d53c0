//! Child output capture: one task per output pipe, writing what the child prints into the
//! channel's log (spec §6.3, §7.5).
//!
//! Capturing is the daemon's hot path, and three concerns meet in it that change for different
//! reasons: what Supervisor does with output (its semantics, pinned by the compatibility tests),
//! how bytes get from the pipe to the file fast (measured by `bench/`), and how the task is
//! started, controlled and ended by the owner. Each has its own file:
//!
//! - `output.rs`: [`OutputProcessor`], synchronous, with all of Supervisor's per-chunk semantics
//!   (`POutputDispatcher`): `strip_ansi`, the rotating [`LogFile`] or nothing for `NONE`,
//!   `*_syslog` line forwarding, the debug echo to the main log, `PROCESS_LOG_*` event payloads,
//!   and capture mode, whose token search and bounded buffer are in `tokens.rs`.
//! - `pump.rs`: one step of moving output from the non-blocking pipe to the processor: by
//!   splice(2) straight into the file when nothing needs to see the bytes, else by reading
//!   chunks into a per-thread buffer.
//! - `flood.rs`: how a capture waits for output: woken by the reactor, or, while a child floods
//!   its pipe, on a timer that empties a raised pipe in large pieces (flood mode).
//! - `task.rs`: [`spawn_capture`] and the [`CaptureHandle`] the owner keeps; the task's loop.
//! - `backlog.rs`, `payload.rs`: back-pressure from the owner. Output sent as events travels in a
//!   [`Payload`] charged to the capture's backlog until the owner takes it; while a capture's
//!   backlog is over [`BACKLOG_LIMIT`] it leaves its pipe alone, so the child blocks instead of
//!   the daemon's memory growing.
//!
//! Events, write failures and the end of the stream are reported through a callback the owner
//! provides ([`CaptureNotice`]); the owner tags them with the process and forwards them to its
//! own queue. Write errors (disk full, directory removed) are reported once per failure streak
//! and never stop the draining, so a child is never blocked by its log.

mod backlog;
mod flood;
mod output;
mod payload;
mod pump;
mod task;
mod tokens;

pub use backlog::BACKLOG_LIMIT;

pub use flood::{FLOOD_TICK, FLOOD_TICK_MAX, FLOOD_WINDOW};
pub use output::OutputProcessor;
pub use payload::Payload;
pub use pump::CHUNK;
pub use task::{spawn_capture, spawn_listener_capture, CaptureHandle};
pub use tokens::{BEGIN_TOKEN, END_TOKEN};

use super::logfile::{LogFile, LogFileError};

/// Which of a child's output streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// The child's stdout (and stderr with `redirect_stderr`).
    Stdout,
    /// The child's stderr.
    Stderr,
}

impl Channel {
    /// `stdout` or `stderr`, as in option names, messages and AUTO log names.
    pub fn name(self) -> &'static str {
        match self {
            Channel::Stdout => "stdout",
            Channel::Stderr => "stderr",
        }
    }
}

/// How one channel of one process is logged (the `<channel>_*` options of a program).
#[derive(Debug)]
pub struct CaptureConfig {
    /// The process name (`process_name` expanded), used in syslog lines and debug echoes.
    pub process_name: String,
    /// Which stream this is.
    pub channel: Channel,
    /// The open log file; `None` for `NONE`.
    pub logfile: Option<LogFile>,
    /// `<channel>_syslog`: forward each line to syslog as `<process_name> <line>`.
    pub syslog: bool,
    /// `strip_ansi` (a `[supervisord]` option).
    pub strip_ansi: bool,
    /// `<channel>_capture_maxbytes`; 0 disables capture mode.
    pub capture_maxbytes: usize,
    /// `<channel>_events_enabled`: report each chunk as a `PROCESS_LOG_*` payload.
    pub events_enabled: bool,
}

/// Totals of one capture, reported when it ends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaptureReport {
    /// Bytes read from the pipe.
    pub bytes_read: u64,
    /// Bytes that could not be written to the log file.
    pub bytes_lost: u64,
    /// True if the stream ended (all writers closed); false if [`CaptureHandle::close`] cut it.
    pub reached_eof: bool,
}

/// What a capture tells its owner.
#[derive(Debug)]
pub enum CaptureNotice {
    /// A chunk of output (after `strip_ansi`) for a `PROCESS_LOG_STDOUT/STDERR` event; only
    /// sent with `events_enabled`.
    LogEvent(Payload),
    /// The bytes between the capture tokens, for a `PROCESS_COMMUNICATION_STDOUT/STDERR` event.
    Communication(Payload),
    /// The first failure of a streak of failed log writes (later failures stay silent).
    WriteFailed(LogFileError),
    /// Writing works again after a [`WriteFailed`](CaptureNotice::WriteFailed); `bytes_lost` were dropped meanwhile.
    WriteRecovered {
        /// Bytes dropped during the failure streak.
        bytes_lost: u64,
    },
    /// The capture ended; always the last notice.
    Finished(CaptureReport),
}

/// The owner's callback for [`CaptureNotice`]s.
pub type NoticeSink = Box<dyn FnMut(CaptureNotice) + Send>;

/// The event-listener protocol reader: receives every chunk of a listener's stdout, raw
/// (before `strip_ansi`), right after it was logged.
pub type ProtocolSink = Box<dyn FnMut(&[u8]) + Send>;
