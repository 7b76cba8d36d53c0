//! Child output capture: one task per output pipe, writing what the child prints into the
//! channel's log (spec §6.3, §7.5).
//!
//! The work is split in two:
//! - [`OutputProcessor`] is synchronous and holds all of Supervisor's per-chunk semantics
//!   (`POutputDispatcher`): `strip_ansi`, the rotating [`LogFile`] or nothing for `NONE`,
//!   `*_syslog` line forwarding, the debug echo to the main log, `PROCESS_LOG_*` event payloads,
//!   and capture mode with the `<!--XSUPERVISOR:BEGIN-->`/`<!--XSUPERVISOR:END-->` tokens.
//! - [`spawn_capture`] runs the read loop: a tokio task on the non-blocking pipe. When nothing
//!   needs to see the bytes they go from the pipe to the file by splice(2); otherwise they are
//!   read in 128 KiB chunks (Python's read size) into a buffer shared by all capture tasks of
//!   the thread, so an idle daemon holds no per-pipe buffers.
//!
//! The loop has two modes. Normally the reactor wakes it whenever the pipe has output, and it
//! empties the pipe. That costs a wake-up per `write(2)` of the child (the kernel signals a
//! watched pipe on every write), and with a fast writer each wake-up finds a few KiB: at 8 KiB
//! per write that is 128k wake-ups and 128k small page-cache writes per GiB, which cost far
//! more than the bytes (a 256 KiB write into the page cache costs a third of what 32 writes of
//! 8 KiB do). So when output arrives on two wake-ups less than [`FLOOD_WINDOW`] apart, the
//! capture enters **flood mode**: it raises the pipe's capacity to 1 MiB, stops watching the
//! pipe and empties it on a fixed [`FLOOD_TICK`] instead (a `timerfd` on a grid shared by all
//! captures, see [`super::ticker`]), moving hundreds of KiB per call. A tick that moves little
//! doubles the tick (up to [`FLOOD_TICK_MAX`]), one that finds the pipe half full halves it, so
//! slower floods (many chatty children) are also moved in larger pieces. Two ticks that find the pipe
//! empty end flood mode: the pipe's capacity is restored (it counts against a per-user quota)
//! and the reactor watches it again. Output is at most one tick late in the log.
//!
//! Events, write failures and the end of the stream are reported through a callback the owner
//! provides ([`CaptureNotice`]); the owner tags them with the process and forwards them to its
//! own queue. Write errors (disk full, directory removed) are reported once per failure streak
//! and never stop the draining, so a child is never blocked by its log.
//!
//! Deliberate fixes of Supervisor quirks (Q43): bytes held back as a possible partial token are
//! flushed at end of stream instead of being lost, the capture buffer keeps exactly the last
//! `capture_maxbytes` bytes, and output is not held back merely for being shorter than a token.

use std::cell::RefCell;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio::io::unix::AsyncFd;
use tokio::io::Interest;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::ansi::strip_ansi;
use super::daemon_log::{self, Level};
use super::logfile::{LogFile, LogFileError, LogOp, Spliced};
use super::pyrepr::{repr_bytes, repr_str};
use super::syslog;
use super::ticker::Ticker;

/// Python's read size per readiness event (`2 << 16`).
pub const CHUNK: usize = 128 * 1024;

/// Bytes asked of one splice(2): a whole raised pipe (no user-space buffer is involved).
const SPLICE_CHUNK: usize = 1 << 20;

/// Chunks read per wake-up before yielding to other tasks (bounds latency during a flood).
const READS_PER_WAKE: usize = 8;

/// Chunks read at most after [`CaptureHandle::close`]: what a dead child left in the pipe, not
/// an endless stream from a grandchild that kept it open.
const FINAL_DRAIN_CHUNKS: usize = 32;

/// Output on two wake-ups less than this apart starts flood mode.
pub const FLOOD_WINDOW: Duration = Duration::from_millis(1);

/// How often a capture in flood mode empties its pipe at first, and at most. A writer at 1 GB/s
/// fills half of a 1 MiB pipe in this time, so it is never made to wait; shorter ticks cost more
/// wake-ups, longer ones stalled such a writer in measurements.
pub const FLOOD_TICK: Duration = Duration::from_micros(500);

/// The longest flood-mode tick: a slower flood (many chatty children) is emptied less often, in
/// larger pieces. Also the most that output is late in the log.
pub const FLOOD_TICK_MAX: Duration = Duration::from_millis(4);

/// A tick that moved less than this doubles the tick (up to [`FLOOD_TICK_MAX`]).
const FLOOD_SMALL_TICK: usize = 64 * 1024;

/// A tick that moved more than this halves the tick (down to [`FLOOD_TICK`]): the pipe was
/// half full, so the writer risked waiting.
const FLOOD_LARGE_TICK: usize = 512 * 1024;

/// Flood mode ends when this many ticks in a row found the pipe empty.
const FLOOD_QUIET_TICKS: u32 = 2;

/// Pipe capacity asked for in flood mode (capped by `/proc/sys/fs/pipe-max-size`).
const FLOOD_PIPE_SIZE: usize = 1 << 20;

/// Flood mode needs a pipe at least this large (what a fast writer produces in a tick), else
/// the writer would wait between ticks; with a smaller pipe (the per-user pipe quota refused to
/// raise it) the capture stays in the normal mode.
const FLOOD_MIN_PIPE_SIZE: usize = 512 * 1024;

/// After flood mode could not start, the normal mode goes on at least this long.
const FLOOD_RETRY: Duration = Duration::from_secs(1);

/// Supervisor's capture-mode start token.
pub const BEGIN_TOKEN: &[u8] = b"<!--XSUPERVISOR:BEGIN-->";
/// Supervisor's capture-mode end token.
pub const END_TOKEN: &[u8] = b"<!--XSUPERVISOR:END-->";

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
    LogEvent(Vec<u8>),
    /// The bytes between the capture tokens, for a `PROCESS_COMMUNICATION_STDOUT/STDERR` event.
    Communication(Vec<u8>),
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

/// A byte buffer that keeps only the last `max` bytes written (Supervisor's `BoundIO`, exact).
#[derive(Debug, Default)]
struct BoundBuffer {
    max: usize,
    buf: Vec<u8>,
}

impl BoundBuffer {
    fn write(&mut self, data: &[u8]) {
        if data.len() >= self.max {
            self.buf.clear();
            self.buf.extend_from_slice(&data[data.len() - self.max..]);
            return;
        }
        let excess = (self.buf.len() + data.len()).saturating_sub(self.max);
        self.buf.drain(..excess);
        self.buf.extend_from_slice(data);
    }
}

/// Length of the longest proper prefix of `token` that `data` ends with (asynchat's
/// `find_prefix_at_end`).
fn prefix_at_end(data: &[u8], token: &[u8]) -> usize {
    (1..token.len())
        .rev()
        .find(|&l| data.ends_with(&token[..l]))
        .unwrap_or(0)
}

/// Supervisor's per-chunk output handling for one channel of one process.
pub struct OutputProcessor {
    process_name: String,
    channel: Channel,
    logfile: Option<LogFile>,
    syslog_prefix: Option<Vec<u8>>,
    strip_ansi: bool,
    events_enabled: bool,
    capture_enabled: bool,
    /// Bytes not yet processed because they may be the start of a token.
    held: Vec<u8>,
    capturing: bool,
    capture: BoundBuffer,
    failing: bool,
    streak_lost: u64,
    report: CaptureReport,
    finished: bool,
    /// splice(2) failed in a way that will not change (e.g. the file system lacks support).
    splice_unsupported: bool,
    /// Inside [`begin_batch`](Self::begin_batch)/[`end_batch`](Self::end_batch).
    batching: bool,
    /// Something was written to the log file in the current batch.
    batch_written: bool,
    notices: NoticeSink,
    /// Set for an event listener's stdout (Supervisor's `PEventListenerDispatcher`).
    protocol: Option<ProtocolSink>,
}

impl std::fmt::Debug for OutputProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutputProcessor")
            .field("process_name", &self.process_name)
            .field("channel", &self.channel)
            .field("logfile", &self.logfile)
            .field("capturing", &self.capturing)
            .field("report", &self.report)
            .finish_non_exhaustive()
    }
}

impl OutputProcessor {
    /// Builds the processor; `notices` receives events and write failures.
    pub fn new(config: CaptureConfig, notices: NoticeSink) -> OutputProcessor {
        let syslog_prefix = config
            .syslog
            .then(|| format!("{} ", config.process_name).into_bytes());
        OutputProcessor {
            process_name: config.process_name,
            channel: config.channel,
            logfile: config.logfile,
            syslog_prefix,
            strip_ansi: config.strip_ansi,
            events_enabled: config.events_enabled,
            capture_enabled: config.capture_maxbytes > 0,
            held: Vec::new(),
            capturing: false,
            capture: BoundBuffer {
                max: config.capture_maxbytes,
                buf: Vec::new(),
            },
            failing: false,
            streak_lost: 0,
            report: CaptureReport::default(),
            finished: false,
            splice_unsupported: false,
            batching: false,
            batch_written: false,
            notices,
            protocol: None,
        }
    }

    /// Builds the processor of an event listener's stdout: each chunk is echoed to the main log
    /// at debug as a bytes repr (`'NAME' stdout output:\nb'READY\n'`), written to the log file
    /// (after `strip_ansi`), then handed raw to `protocol`. Capture mode, events and syslog do
    /// not apply to this channel.
    pub fn new_listener(
        config: CaptureConfig,
        notices: NoticeSink,
        protocol: ProtocolSink,
    ) -> OutputProcessor {
        let mut processor = OutputProcessor::new(
            CaptureConfig {
                syslog: false,
                capture_maxbytes: 0,
                events_enabled: false,
                ..config
            },
            notices,
        );
        processor.protocol = Some(protocol);
        processor
    }

    /// The log file's path, if the channel has one.
    pub fn log_path(&self) -> Option<&Path> {
        self.logfile.as_ref().map(LogFile::path)
    }

    /// Whether capture mode is active (between a BEGIN and an END token).
    pub fn is_capturing(&self) -> bool {
        self.capturing
    }

    /// Totals so far.
    pub fn report(&self) -> CaptureReport {
        self.report
    }

    /// Handles one chunk read from the pipe.
    pub fn feed(&mut self, chunk: &[u8]) {
        self.report.bytes_read += chunk.len() as u64;
        if self.protocol.is_some() {
            self.feed_listener(chunk);
            return;
        }
        if !self.capture_enabled {
            self.emit(chunk);
            return;
        }
        self.held.extend_from_slice(chunk);
        self.process_held(false);
    }

    /// Python's `PEventListenerDispatcher.handle_read_event` for one non-empty chunk.
    fn feed_listener(&mut self, chunk: &[u8]) {
        if chunk.is_empty() {
            return;
        }
        crate::log_debug!(
            "{} {} output:\n{}",
            repr_str(&self.process_name),
            self.channel.name(),
            repr_bytes(chunk)
        );
        let logged = if self.strip_ansi {
            strip_ansi(chunk)
        } else {
            std::borrow::Cow::Borrowed(chunk)
        };
        self.write_log(&logged);
        if let Some(protocol) = self.protocol.as_mut() {
            protocol(chunk);
        }
    }

    /// Whether the next bytes may skip user space: they go only to a regular log file, with no
    /// feature that needs to see them (capture mode, events, syslog, `strip_ansi`, the debug
    /// echo) and no failure streak in progress (which the plain path reports and counts).
    fn can_splice(&self) -> bool {
        !self.capture_enabled
            && !self.events_enabled
            && self.syslog_prefix.is_none()
            && !self.strip_ansi
            && !self.failing
            && !self.finished
            && !self.splice_unsupported
            && self.protocol.is_none()
            && self.logfile.as_ref().is_some_and(LogFile::can_splice)
            && !daemon_log::enabled(Level::Debug)
    }

    /// Moves bytes straight from `pipe` into the log file when [`can_splice`](Self::can_splice);
    /// `None` means the caller must read and [`feed`](Self::feed) instead (not eligible, or the
    /// file refused: the bytes are still in the pipe).
    fn splice_from(&mut self, pipe: BorrowedFd<'_>) -> Option<ReadOutcome> {
        if !self.can_splice() {
            return None;
        }
        let log = self.logfile.as_mut()?;
        match log.splice_from(pipe, SPLICE_CHUNK) {
            Ok(Spliced::Moved { bytes, emptied }) => {
                self.report.bytes_read += bytes as u64;
                if let Err(e) = log.rotate_if_full() {
                    // The bytes are in the file; the rollover failed. Later chunks take the
                    // plain path, which reports recovery.
                    if !self.failing {
                        self.failing = true;
                        (self.notices)(CaptureNotice::WriteFailed(e));
                    }
                }
                Some(ReadOutcome::Data { bytes, emptied })
            }
            Ok(Spliced::WouldBlock) => Some(ReadOutcome::WouldBlock),
            Ok(Spliced::Eof) => Some(ReadOutcome::Eof),
            Err(e) => {
                // A file system without splice support: stop trying for this capture.
                if matches!(
                    e.raw_os_error(),
                    Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP)
                ) {
                    self.splice_unsupported = true;
                }
                None
            }
        }
    }

    /// End of stream: flushes bytes held back as a possible partial token, then releases the
    /// log file (Python drops the handlers when the process ends).
    pub fn finish(&mut self) {
        if self.capture_enabled {
            self.process_held(true);
        }
        if let Some(log) = self.logfile.as_mut() {
            log.close();
        }
        self.finished = true;
    }

    /// Reopens the log file by name (SIGUSR2). Nothing to do once finished.
    pub fn reopen(&mut self) -> Result<(), LogFileError> {
        match self.logfile.as_mut() {
            Some(log) if !self.finished => log.reopen(),
            _ => Ok(()),
        }
    }

    /// Deletes and reopens the log file and empties the capture buffer (`clearProcessLogs`).
    /// After the capture finished the file is still cleared, then released again.
    pub fn clear(&mut self) -> Result<(), LogFileError> {
        self.capture.buf.clear();
        let Some(log) = self.logfile.as_mut() else {
            return Ok(());
        };
        let result = log.clear();
        if self.finished {
            log.close();
        }
        result
    }

    fn process_held(&mut self, eof: bool) {
        loop {
            let token = if self.capturing {
                END_TOKEN
            } else {
                BEGIN_TOKEN
            };
            let data = std::mem::take(&mut self.held);
            match memchr::memmem::find(&data, token) {
                Some(at) => {
                    self.emit(&data[..at]);
                    self.toggle_capture();
                    self.held = data[at + token.len()..].to_vec();
                    if self.held.is_empty() {
                        return;
                    }
                }
                None => {
                    let keep = if eof { 0 } else { prefix_at_end(&data, token) };
                    let cut = data.len() - keep;
                    self.emit(&data[..cut]);
                    self.held = data[cut..].to_vec();
                    return;
                }
            }
        }
    }

    fn toggle_capture(&mut self) {
        self.capturing = !self.capturing;
        if !self.capturing {
            let data = std::mem::take(&mut self.capture.buf);
            (self.notices)(CaptureNotice::Communication(data));
            crate::log_debug!(
                "{} {} emitted a comm event",
                repr_str(&self.process_name),
                self.channel.name()
            );
        }
    }

    /// Python's `_log`: one piece of output to the current log, the main log and events.
    fn emit(&mut self, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        let data = if self.strip_ansi {
            strip_ansi(data)
        } else {
            std::borrow::Cow::Borrowed(data)
        };
        if self.capturing {
            self.capture.write(&data);
        } else {
            self.write_log(&data);
            if let Some(prefix) = &self.syslog_prefix {
                syslog::send_lines(prefix, &data);
            }
        }
        if daemon_log::enabled(Level::Debug) {
            let text = match std::str::from_utf8(&data) {
                Ok(text) => std::borrow::Cow::Borrowed(text),
                Err(_) => std::borrow::Cow::Owned(format!("Undecodable: {}", repr_bytes(&data))),
            };
            crate::log_debug!(
                "{} {} output:\n{}",
                repr_str(&self.process_name),
                self.channel.name(),
                text
            );
        }
        if self.events_enabled {
            (self.notices)(CaptureNotice::LogEvent(data.into_owned()));
        }
    }

    fn write_log(&mut self, data: &[u8]) {
        let Some(log) = self.logfile.as_mut() else {
            return;
        };
        let result = if self.batching {
            self.batch_written = true;
            log.append(data)
        } else {
            log.write(data)
        };
        self.note_write(result, data.len());
    }

    /// Starts a batch: the chunks fed until [`end_batch`](Self::end_batch) are one read of the
    /// whole pipe, checked for a rollover only at its end, so what the child wrote at once
    /// never straddles two files even when the read is fed in several chunks.
    fn begin_batch(&mut self) {
        self.batching = true;
    }

    /// Ends a batch: the rollover check of the chunks written since [`begin_batch`](Self::begin_batch).
    fn end_batch(&mut self) {
        self.batching = false;
        if !std::mem::take(&mut self.batch_written) {
            return;
        }
        let rotated = match self.logfile.as_mut() {
            Some(log) => log.rotate_if_full(),
            None => Ok(()),
        };
        // A rollover that works says nothing about the writes before it.
        if let Err(e) = rotated {
            self.note_write(Err(e), 0);
        }
    }

    /// Tracks failure streaks: the first failure is reported, the first success after it too.
    fn note_write(&mut self, result: Result<(), LogFileError>, len: usize) {
        match result {
            Ok(()) => {
                if self.failing {
                    self.failing = false;
                    let bytes_lost = std::mem::take(&mut self.streak_lost);
                    (self.notices)(CaptureNotice::WriteRecovered { bytes_lost });
                }
            }
            Err(e) => {
                // A failed rollover happens after the data was written; anything else lost it.
                if e.op != LogOp::Rotate {
                    self.streak_lost += len as u64;
                    self.report.bytes_lost += len as u64;
                }
                if !self.failing {
                    self.failing = true;
                    (self.notices)(CaptureNotice::WriteFailed(e));
                }
            }
        }
    }
}

struct Shared {
    processor: Mutex<OutputProcessor>,
    close: Notify,
}

impl Shared {
    fn processor(&self) -> std::sync::MutexGuard<'_, OutputProcessor> {
        self.processor
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The owner's handle on a running capture: control messages and completion.
#[derive(Debug)]
pub struct CaptureHandle {
    shared: Arc<Shared>,
    task: JoinHandle<CaptureReport>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.processor().fmt(f)
    }
}

impl CaptureHandle {
    /// Reopens the channel's log file (SIGUSR2).
    pub fn reopen(&self) -> Result<(), LogFileError> {
        self.shared.processor().reopen()
    }

    /// Clears the channel's log file and capture buffer (`clearProcessLogs`).
    pub fn clear(&self) -> Result<(), LogFileError> {
        self.shared.processor().clear()
    }

    /// Asks the capture to read what is left in the pipe (bounded) and stop, even if a
    /// grandchild still holds the pipe open. Used when the process has exited.
    pub fn close(&self) {
        self.shared.close.notify_one();
    }

    /// The channel's log file path, if any.
    pub fn log_path(&self) -> Option<std::path::PathBuf> {
        self.shared.processor().log_path().map(Path::to_path_buf)
    }

    /// Whether the capture task has ended.
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Waits for the capture to end and returns its totals.
    pub async fn wait(self) -> CaptureReport {
        match self.task.await {
            Ok(report) => report,
            Err(_) => self.shared.processor().report(),
        }
    }
}

/// Starts capturing `pipe` (the parent's read end of a child's stdout or stderr pipe) on the
/// current tokio runtime. The pipe is made non-blocking. The task ends at end of stream (all
/// writers closed) or after [`CaptureHandle::close`], sending [`CaptureNotice::Finished`] last.
pub fn spawn_capture(
    pipe: OwnedFd,
    config: CaptureConfig,
    notices: NoticeSink,
) -> io::Result<CaptureHandle> {
    start(pipe, OutputProcessor::new(config, notices))
}

/// Like [`spawn_capture`], for an event listener's stdout: see [`OutputProcessor::new_listener`].
pub fn spawn_listener_capture(
    pipe: OwnedFd,
    config: CaptureConfig,
    notices: NoticeSink,
    protocol: ProtocolSink,
) -> io::Result<CaptureHandle> {
    start(
        pipe,
        OutputProcessor::new_listener(config, notices, protocol),
    )
}

fn start(pipe: OwnedFd, processor: OutputProcessor) -> io::Result<CaptureHandle> {
    set_nonblocking(&pipe)?;
    let fd = watch(pipe).map_err(|e| e.into_parts().1)?;
    let shared = Arc::new(Shared {
        processor: Mutex::new(processor),
        close: Notify::new(),
    });
    let task = tokio::spawn(run(fd, Arc::clone(&shared)));
    Ok(CaptureHandle { shared, task })
}

fn set_nonblocking(fd: &OwnedFd) -> io::Result<()> {
    use nix::fcntl::{fcntl, FcntlArg, OFlag};
    let flags = OFlag::from_bits_truncate(fcntl(fd, FcntlArg::F_GETFL)?);
    fcntl(fd, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))?;
    Ok(())
}

/// Registers the pipe with the reactor (read readiness only).
fn watch(
    pipe: OwnedFd,
) -> Result<AsyncFd<OwnedFd>, tokio::io::unix::AsyncFdRegisterError<OwnedFd>> {
    // SAFETY: an `OwnedFd` is open and owned by the `AsyncFd` until it is dropped or taken back
    // with `into_inner`, so the descriptor stays valid and unchanged for the registration's life.
    unsafe { AsyncFd::register_with_interest(pipe, Interest::READABLE) }
}

thread_local! {
    /// One read buffer for all capture tasks of the thread: reads and processing never await.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

enum ReadOutcome {
    /// Bytes moved to the log; `emptied` when fewer came than were asked for, which a pipe
    /// does only when it ran dry, so asking again at once would just find it empty.
    Data {
        bytes: usize,
        emptied: bool,
    },
    WouldBlock,
    Eof,
}

/// Moves what the pipe holds (up to `read_size` bytes) to the log: by splice(2) when nothing
/// needs to see the bytes, else by reading it and feeding it to the processor in chunks of at
/// most [`CHUNK`] (Python's read size, so event payloads stay as large as Python's at most).
///
/// A read as large as the pipe takes all it holds at once, and so ends where one of the child's
/// writes ended; the rollover check waits for the end of the read (see `begin_batch`).
fn read_and_feed(fd: &OwnedFd, shared: &Shared, read_size: usize) -> ReadOutcome {
    if let Some(outcome) = shared.processor().splice_from(fd.as_fd()) {
        return outcome;
    }
    SCRATCH.with(|scratch| {
        let mut owned;
        let mut borrowed;
        // A notice callback that re-enters another capture would find the buffer busy.
        let buf: &mut Vec<u8> = match scratch.try_borrow_mut() {
            Ok(b) => {
                borrowed = b;
                &mut borrowed
            }
            Err(_) => {
                owned = Vec::new();
                &mut owned
            }
        };
        if buf.len() < read_size {
            buf.resize(read_size, 0);
        }
        loop {
            match nix::unistd::read(fd.as_fd(), &mut buf[..read_size]) {
                Ok(0) => return ReadOutcome::Eof,
                Ok(n) => {
                    let mut processor = shared.processor();
                    processor.begin_batch();
                    for chunk in buf[..n].chunks(CHUNK) {
                        processor.feed(chunk);
                    }
                    processor.end_batch();
                    return ReadOutcome::Data {
                        bytes: n,
                        emptied: n < read_size,
                    };
                }
                Err(nix::errno::Errno::EINTR) => continue,
                Err(nix::errno::Errno::EAGAIN) => return ReadOutcome::WouldBlock,
                // EIO and friends: nothing more will come from this pipe.
                Err(_) => return ReadOutcome::Eof,
            }
        }
    })
}

/// Gives back the memory of a read buffer grown for a flood.
fn shrink_scratch() {
    SCRATCH.with(|scratch| {
        if let Ok(mut buf) = scratch.try_borrow_mut() {
            if buf.len() > CHUNK {
                buf.truncate(CHUNK);
                buf.shrink_to_fit();
            }
        }
    });
}

/// What emptying the pipe found.
enum Drain {
    /// The pipe is empty now; this many bytes were moved.
    Empty(usize),
    /// The chunk budget ran out with output still waiting.
    More,
    /// End of stream.
    Eof,
}

/// Moves output to the log until the pipe is empty, for at most `max_reads` reads of up to
/// `read_size` bytes.
fn drain(fd: &OwnedFd, shared: &Shared, max_reads: usize, read_size: usize) -> Drain {
    let mut moved = 0;
    for _ in 0..max_reads {
        match read_and_feed(fd, shared, read_size) {
            ReadOutcome::Data { bytes, emptied } => {
                moved += bytes;
                if emptied {
                    return Drain::Empty(moved);
                }
            }
            ReadOutcome::WouldBlock => return Drain::Empty(moved),
            ReadOutcome::Eof => return Drain::Eof,
        }
    }
    Drain::More
}

/// What is left in the pipe after [`CaptureHandle::close`], bounded; true at end of stream.
fn final_drain(fd: &OwnedFd, shared: &Shared, read_size: usize) -> bool {
    // Past a short read too: the writers may all be gone, which only the next read tells.
    for _ in 0..FINAL_DRAIN_CHUNKS {
        match read_and_feed(fd, shared, read_size) {
            ReadOutcome::Data { .. } => {}
            ReadOutcome::WouldBlock => return false,
            ReadOutcome::Eof => return true,
        }
    }
    false
}

/// `/proc/sys/fs/pipe-max-size`, read once.
fn pipe_max_size() -> usize {
    static MAX: OnceLock<usize> = OnceLock::new();
    *MAX.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/fs/pipe-max-size")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(FLOOD_PIPE_SIZE)
    })
}

/// The pipe's capacity in bytes.
fn pipe_size(fd: &OwnedFd) -> Option<usize> {
    let size = nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_GETPIPE_SZ).ok()?;
    usize::try_from(size).ok()
}

/// Asks for a pipe capacity of `size` bytes; the kernel may refuse (per-user pipe quota) or, when
/// shrinking, keep a pipe that holds more than `size` (EBUSY). Returns the capacity afterwards.
fn set_pipe_size(fd: &OwnedFd, size: usize) -> Option<usize> {
    let size = i32::try_from(size).unwrap_or(i32::MAX);
    let _ = nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_SETPIPE_SZ(size));
    pipe_size(fd)
}

/// How a capture waits for output.
enum Mode {
    /// Woken by the reactor whenever the pipe has output.
    Woken(AsyncFd<OwnedFd>),
    /// Flood mode: the pipe is not watched but emptied on every tick.
    Ticking(Flood),
}

/// A capture in flood mode.
struct Flood {
    pipe: OwnedFd,
    ticker: Ticker,
    /// The ticker's current period, between [`FLOOD_TICK`] and [`FLOOD_TICK_MAX`].
    period: Duration,
    /// The capacity the pipe had before flood mode raised it, restored afterwards.
    normal_size: Option<usize>,
    /// Ticks in a row that found the pipe empty.
    quiet_ticks: u32,
    /// Bytes per read: the whole (raised) pipe.
    read_size: usize,
}

/// What one turn of a mode decided.
enum Turn {
    /// Keep waiting in the same mode.
    Again,
    /// Output comes fast: switch to flood mode.
    Flood,
    /// Output is still waiting after a full budget: flood mode, or else let others run first.
    Busy,
    /// Flood mode is over: watch the pipe again.
    Calm,
    /// The capture ends; true at end of stream.
    Ended(bool),
}

/// Flood detection for one capture.
#[derive(Debug, Default)]
struct Pacing {
    /// When the last wake-up found output.
    last_output: Option<Instant>,
    /// Flood mode could not start; do not try again before this.
    retry_at: Option<Instant>,
}

impl Pacing {
    /// A wake-up found output at `now`: is it the second within [`FLOOD_WINDOW`]?
    fn output_at(&mut self, now: Instant) -> bool {
        let rapid = self
            .last_output
            .is_some_and(|last| now.duration_since(last) < FLOOD_WINDOW);
        self.last_output = Some(now);
        rapid
    }

    fn may_flood(&self, now: Instant) -> bool {
        self.retry_at.is_none_or(|at| now >= at)
    }
}

/// One wait of the normal mode: the reactor says the pipe has output, and it is drained.
async fn woken_turn(
    fd: &AsyncFd<OwnedFd>,
    shared: &Shared,
    pacing: &mut Pacing,
    read_size: usize,
) -> Turn {
    tokio::select! {
        biased;
        () = shared.close.notified() => Turn::Ended(final_drain(fd.get_ref(), shared, read_size)),
        ready = fd.readable() => {
            let Ok(mut guard) = ready else { return Turn::Ended(true) };
            match drain(fd.get_ref(), shared, READS_PER_WAKE, read_size) {
                Drain::Eof => Turn::Ended(true),
                Drain::Empty(moved) => {
                    guard.clear_ready();
                    if moved > 0 && pacing.output_at(Instant::now()) {
                        Turn::Flood
                    } else {
                        Turn::Again
                    }
                }
                Drain::More => {
                    pacing.output_at(Instant::now());
                    Turn::Busy
                }
            }
        }
    }
}

/// One tick of flood mode: wait for the tick, then empty the pipe.
async fn flood_turn(flood: &mut Flood, shared: &Shared) -> Turn {
    tokio::select! {
        biased;
        () = shared.close.notified() => {
            return Turn::Ended(final_drain(&flood.pipe, shared, flood.read_size));
        }
        tick = flood.ticker.tick() => {
            if tick.is_err() {
                return Turn::Calm;
            }
        }
    }
    match drain(&flood.pipe, shared, READS_PER_WAKE, flood.read_size) {
        Drain::Eof => Turn::Ended(true),
        Drain::Empty(0) => {
            flood.quiet_ticks += 1;
            if flood.quiet_ticks >= FLOOD_QUIET_TICKS {
                Turn::Calm
            } else {
                Turn::Again
            }
        }
        Drain::Empty(moved) => {
            flood.quiet_ticks = 0;
            if moved < FLOOD_SMALL_TICK && flood.period < FLOOD_TICK_MAX {
                flood.set_period(flood.period * 2);
            } else if moved > FLOOD_LARGE_TICK && flood.period > FLOOD_TICK {
                flood.set_period(flood.period / 2);
            }
            Turn::Again
        }
        Drain::More => {
            flood.quiet_ticks = 0;
            if flood.period > FLOOD_TICK {
                flood.set_period(FLOOD_TICK);
            }
            Turn::Again
        }
    }
}

impl Flood {
    /// Changes the tick; if the timer refuses, the old tick goes on.
    fn set_period(&mut self, period: Duration) {
        let period = period.clamp(FLOOD_TICK, FLOOD_TICK_MAX);
        if self.ticker.set_period(period).is_ok() {
            self.period = period;
        }
    }
}

/// Enters flood mode if the pipe can be made large enough and a ticker started; otherwise
/// stays in the normal mode and does not try again for [`FLOOD_RETRY`].
fn start_flood(fd: AsyncFd<OwnedFd>, pacing: &mut Pacing) -> Mode {
    let before = pipe_size(fd.get_ref()).unwrap_or(0);
    let mut normal_size = None;
    let mut size = before;
    if before < FLOOD_PIPE_SIZE.min(pipe_max_size()) {
        size = set_pipe_size(fd.get_ref(), FLOOD_PIPE_SIZE.min(pipe_max_size())).unwrap_or(0);
        if size != before {
            normal_size = Some(before);
        }
    }
    let ticker = if size >= FLOOD_MIN_PIPE_SIZE {
        Ticker::start(FLOOD_TICK).ok()
    } else {
        None
    };
    let Some(ticker) = ticker else {
        if let Some(normal) = normal_size {
            set_pipe_size(fd.get_ref(), normal);
        }
        pacing.retry_at = Some(Instant::now() + FLOOD_RETRY);
        return Mode::Woken(fd);
    };
    pacing.last_output = None;
    Mode::Ticking(Flood {
        pipe: fd.into_inner(),
        ticker,
        period: FLOOD_TICK,
        normal_size,
        quiet_ticks: 0,
        read_size: size.max(CHUNK),
    })
}

/// Leaves flood mode: restores the pipe's capacity and watches it again. If the reactor
/// refuses the pipe, flood mode simply goes on.
fn end_flood(mut flood: Flood) -> Mode {
    if let Some(normal) = flood.normal_size {
        // Fails (EBUSY) if the pipe holds more than that by now; then it stays large.
        if set_pipe_size(&flood.pipe, normal) == Some(normal) {
            flood.normal_size = None;
            shrink_scratch();
        }
    }
    match watch(flood.pipe) {
        Ok(fd) => Mode::Woken(fd),
        Err(e) => {
            flood.pipe = e.into_parts().0;
            flood.quiet_ticks = 0;
            Mode::Ticking(flood)
        }
    }
}

async fn run(fd: AsyncFd<OwnedFd>, shared: Arc<Shared>) -> CaptureReport {
    let mut pacing = Pacing::default();
    // A read as large as the pipe ends where one of the child's writes ended.
    let mut read_size = pipe_size(fd.get_ref()).unwrap_or(0).max(CHUNK);
    let mut mode = Mode::Woken(fd);
    let reached_eof = loop {
        mode = match mode {
            Mode::Woken(fd) => match woken_turn(&fd, &shared, &mut pacing, read_size).await {
                Turn::Ended(eof) => break eof,
                Turn::Flood if pacing.may_flood(Instant::now()) => start_flood(fd, &mut pacing),
                Turn::Busy => {
                    if pacing.may_flood(Instant::now()) {
                        start_flood(fd, &mut pacing)
                    } else {
                        // Still more to read: let the owner and other captures run first.
                        tokio::task::yield_now().await;
                        Mode::Woken(fd)
                    }
                }
                _ => Mode::Woken(fd),
            },
            Mode::Ticking(mut flood) => match flood_turn(&mut flood, &shared).await {
                Turn::Ended(eof) => break eof,
                Turn::Calm => {
                    let mode = end_flood(flood);
                    if let Mode::Woken(fd) = &mode {
                        read_size = pipe_size(fd.get_ref()).unwrap_or(0).max(CHUNK);
                    }
                    mode
                }
                _ => Mode::Ticking(flood),
            },
        };
    };
    let mut processor = shared.processor();
    processor.finish();
    processor.report.reached_eof = reached_eof;
    let report = processor.report;
    (processor.notices)(CaptureNotice::Finished(report));
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn processor(
        capture_maxbytes: usize,
        events: bool,
    ) -> (OutputProcessor, mpsc::Receiver<CaptureNotice>) {
        let (tx, rx) = mpsc::channel();
        let config = CaptureConfig {
            process_name: "cat".into(),
            channel: Channel::Stdout,
            logfile: None,
            syslog: false,
            strip_ansi: false,
            capture_maxbytes,
            events_enabled: events,
        };
        let p = OutputProcessor::new(config, Box::new(move |n| tx.send(n).unwrap()));
        (p, rx)
    }

    fn drain(rx: &mpsc::Receiver<CaptureNotice>) -> Vec<String> {
        rx.try_iter()
            .map(|n| match n {
                CaptureNotice::LogEvent(d) => format!("log:{}", String::from_utf8_lossy(&d)),
                CaptureNotice::Communication(d) => format!("comm:{}", String::from_utf8_lossy(&d)),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn prefix_at_end_like_asynchat() {
        assert_eq!(prefix_at_end(b"abc<!--XSUP", BEGIN_TOKEN), 8);
        assert_eq!(prefix_at_end(b"abc<", BEGIN_TOKEN), 1);
        assert_eq!(prefix_at_end(b"abc", BEGIN_TOKEN), 0);
        // A whole token at the end is not a proper prefix.
        assert_eq!(prefix_at_end(BEGIN_TOKEN, BEGIN_TOKEN), 0);
    }

    #[test]
    fn bound_buffer_keeps_exactly_the_last_bytes() {
        let mut b = BoundBuffer {
            max: 5,
            buf: Vec::new(),
        };
        b.write(b"abc");
        b.write(b"def");
        assert_eq!(b.buf, b"bcdef");
        b.write(b"0123456789");
        assert_eq!(b.buf, b"56789");
    }

    #[test]
    fn events_carry_each_chunk() {
        let (mut p, rx) = processor(0, true);
        p.feed(b"one\n");
        p.feed(b"\xff\x00two");
        assert_eq!(
            drain(&rx),
            vec![
                "log:one\n".to_string(),
                format!("log:{}", String::from_utf8_lossy(b"\xff\x00two"))
            ]
        );
    }

    #[test]
    fn capture_mode_splits_on_tokens_across_chunks() {
        let (mut p, rx) = processor(100, true);
        p.feed(b"before<!--XSUPERVI");
        p.feed(b"SOR:BEGIN-->inside<!--XSUPERVISOR:END-->after\n");
        assert_eq!(
            drain(&rx),
            vec!["log:before", "log:inside", "comm:inside", "log:after\n"]
        );
        assert!(!p.is_capturing());
    }

    #[test]
    fn held_partial_token_is_flushed_at_eof() {
        let (mut p, rx) = processor(100, true);
        p.feed(b"tail<!--XSUP");
        assert_eq!(drain(&rx), vec!["log:tail"]);
        p.finish();
        assert_eq!(drain(&rx), vec!["log:<!--XSUP"]);
    }

    #[test]
    fn short_output_is_not_held_back() {
        let (mut p, rx) = processor(100, true);
        p.feed(b"ok\n");
        assert_eq!(drain(&rx), vec!["log:ok\n"]);
    }

    #[test]
    fn comm_event_payload_is_bounded() {
        let (mut p, rx) = processor(4, false);
        p.feed(b"<!--XSUPERVISOR:BEGIN-->123456<!--XSUPERVISOR:END-->");
        assert_eq!(drain(&rx), vec!["comm:3456"]);
    }

    #[test]
    fn consecutive_sections_in_one_chunk() {
        let (mut p, rx) = processor(64, false);
        p.feed(b"<!--XSUPERVISOR:BEGIN-->a<!--XSUPERVISOR:END--><!--XSUPERVISOR:BEGIN-->b<!--XSUPERVISOR:END-->");
        assert_eq!(drain(&rx), vec!["comm:a", "comm:b"]);
    }

    #[test]
    fn listener_chunks_go_raw_to_the_protocol_reader_and_stripped_to_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("listener.log");
        let (tx, rx) = mpsc::channel();
        let config = CaptureConfig {
            process_name: "listener".into(),
            channel: Channel::Stdout,
            logfile: Some(LogFile::open(&path, 0, 0).unwrap()),
            syslog: true,
            strip_ansi: true,
            capture_maxbytes: 10,
            events_enabled: true,
        };
        let (ptx, prx) = mpsc::channel();
        let mut p = OutputProcessor::new_listener(
            config,
            Box::new(move |n| tx.send(n).unwrap()),
            Box::new(move |chunk: &[u8]| ptx.send(chunk.to_vec()).unwrap()),
        );
        p.feed(b"\x1b[1mREADY\n");
        p.feed(b"RESULT 2\nOK<!--XSUPERVISOR:BEGIN-->");
        let raw: Vec<Vec<u8>> = prx.try_iter().collect();
        assert_eq!(
            raw,
            vec![
                b"\x1b[1mREADY\n".to_vec(),
                b"RESULT 2\nOK<!--XSUPERVISOR:BEGIN-->".to_vec()
            ]
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"READY\nRESULT 2\nOK<!--XSUPERVISOR:BEGIN-->"
        );
        // No events and no capture mode for a listener's stdout.
        assert!(drain(&rx).is_empty());
        assert!(!p.is_capturing());
    }

    #[test]
    fn clear_empties_capture_buffer() {
        let (mut p, rx) = processor(64, false);
        p.feed(b"<!--XSUPERVISOR:BEGIN-->lost");
        p.clear().unwrap();
        p.feed(b"kept<!--XSUPERVISOR:END-->");
        assert_eq!(drain(&rx), vec!["comm:kept"]);
    }
}
