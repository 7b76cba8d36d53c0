//! The capture task and the owner's handle on it: starting a capture on a pipe, the loop that
//! alternates between the two ways of waiting ([`super::flood`]), and the end of the capture.
//!
//! The processor sits behind a mutex shared by the task and the handle, because the owner
//! reopens and clears log files (SIGUSR2, `clearProcessLogs`) while the task writes to them;
//! the task never holds it across an await. Before each turn the task waits for room in its
//! [`Backlog`]: output handed to the owner and not yet taken stops further reads.

use std::io;
use std::os::fd::OwnedFd;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::io::unix::AsyncFd;
use tokio::io::Interest;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::backlog::Backlog;
use super::flood::{end_flood, flood_turn, pipe_size, start_flood, woken_turn, Mode, Pacing, Turn};
use super::pump::CHUNK;
use super::{
    CaptureConfig, CaptureNotice, CaptureReport, NoticeSink, OutputProcessor, ProtocolSink,
};
use crate::logs::logfile::LogFileError;

/// What the task and the handle share: the processor, the request to stop, and the output
/// the owner has not taken yet.
pub(super) struct Shared {
    processor: Mutex<OutputProcessor>,
    /// Notified by [`CaptureHandle::close`].
    pub(super) close: Notify,
    /// Output sent in notices and not yet taken by the owner.
    pub(super) backlog: Arc<Backlog>,
}

impl Shared {
    /// The processor, locked (a panic while it was held does not make it unusable).
    pub(super) fn processor(&self) -> std::sync::MutexGuard<'_, OutputProcessor> {
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

    /// Bytes read from the pipe so far: the counter the capture keeps anyway, so counting
    /// output for `/metrics` adds nothing to the write path.
    pub fn bytes_read(&self) -> u64 {
        self.shared.processor().report().bytes_read
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
/// writers closed) or after [`CaptureHandle::close`], sending
/// [`CaptureNotice::Finished`](super::CaptureNotice::Finished) last.
pub fn spawn_capture(
    pipe: OwnedFd,
    config: CaptureConfig,
    notices: NoticeSink,
) -> io::Result<CaptureHandle> {
    let backlog = Arc::new(Backlog::default());
    let processor = OutputProcessor::new(config, charging(&backlog, notices));
    start(pipe, processor, backlog)
}

/// Like [`spawn_capture`], for an event listener's stdout: see [`OutputProcessor::new_listener`].
pub fn spawn_listener_capture(
    pipe: OwnedFd,
    config: CaptureConfig,
    notices: NoticeSink,
    protocol: ProtocolSink,
) -> io::Result<CaptureHandle> {
    let backlog = Arc::new(Backlog::default());
    let processor = OutputProcessor::new_listener(config, charging(&backlog, notices), protocol);
    start(pipe, processor, backlog)
}

/// Wraps the owner's sink so that the output each notice carries is charged to `backlog`.
fn charging(backlog: &Arc<Backlog>, mut notices: NoticeSink) -> NoticeSink {
    let backlog = Arc::clone(backlog);
    Box::new(move |mut notice| {
        if let CaptureNotice::LogEvent(payload) | CaptureNotice::Communication(payload) =
            &mut notice
        {
            payload.charge(&backlog);
        }
        notices(notice);
    })
}

fn start(
    pipe: OwnedFd,
    processor: OutputProcessor,
    backlog: Arc<Backlog>,
) -> io::Result<CaptureHandle> {
    set_nonblocking(&pipe)?;
    let fd = watch(pipe).map_err(|e| e.into_parts().1)?;
    let shared = Arc::new(Shared {
        processor: Mutex::new(processor),
        close: Notify::new(),
        backlog,
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
pub(super) fn watch(
    pipe: OwnedFd,
) -> Result<AsyncFd<OwnedFd>, tokio::io::unix::AsyncFdRegisterError<OwnedFd>> {
    // SAFETY: an `OwnedFd` is open and owned by the `AsyncFd` until it is dropped or taken back
    // with `into_inner`, so the descriptor stays valid and unchanged for the registration's life.
    unsafe { AsyncFd::register_with_interest(pipe, Interest::READABLE) }
}

async fn run(fd: AsyncFd<OwnedFd>, shared: Arc<Shared>) -> CaptureReport {
    let mut pacing = Pacing::default();
    // A read as large as the pipe ends where one of the child's writes ended.
    let mut read_size = pipe_size(fd.get_ref()).unwrap_or(0).max(CHUNK);
    let mut mode = Mode::Woken(fd);
    let reached_eof = loop {
        // The owner has not taken what was sent yet: leave the rest in the pipe meanwhile.
        shared.backlog.room().await;
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
    shared.processor().conclude(reached_eof)
}
