//! Ctrl-C handling for the streaming commands (`tail -f`, `maintail -f`, `fg`) and the shell.
//!
//! Python turns SIGINT into `KeyboardInterrupt`, which those commands catch to print their
//! closing line and return. We get the same effect with a handler that only records the signal:
//! it is installed without `SA_RESTART`, so a blocking `read`/`poll` returns `EINTR`, and the
//! code that sees `EINTR` checks [`interrupted`].
//!
//! `EINTR` alone has a window: a Ctrl-C arriving just *before* a blocking call (while the last
//! piece of a log is being printed) would leave the call waiting for data that may never come.
//! So the handler also writes a byte to a pipe (the self-pipe trick), and the code about to block
//! polls its descriptor together with that pipe ([`wait_readable`]); the pipe stays readable
//! until [`clear`], so no Ctrl-C is missed.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::OnceLock;

use nix::fcntl::OFlag;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{self, SaFlags, SigAction, SigHandler, SigSet, Signal};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// The self-pipe: (read end, write end), non-blocking.
static WAKE: OnceLock<Option<(OwnedFd, OwnedFd)>> = OnceLock::new();

/// The write end's raw descriptor for the handler (-1 before the pipe exists).
static WAKE_WRITE: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_sigint(_: nix::libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
    let fd = WAKE_WRITE.load(Ordering::SeqCst);
    if fd >= 0 {
        // SAFETY: write(2) is async-signal-safe; the descriptor lives as long as the process
        // (a static). A full pipe (EAGAIN) already wakes every poll, so the result is ignored.
        let _ = unsafe { nix::libc::write(fd, b"!".as_ptr().cast(), 1) };
    }
}

/// The self-pipe, created on first use; `None` if the system refused one (then only `EINTR`
/// wakes a blocked call, as before).
fn wake_pipe() -> Option<&'static (OwnedFd, OwnedFd)> {
    WAKE.get_or_init(|| {
        let (r, w) = nix::unistd::pipe2(OFlag::O_NONBLOCK | OFlag::O_CLOEXEC).ok()?;
        WAKE_WRITE.store(w.as_raw_fd(), Ordering::SeqCst);
        Some((r, w))
    })
    .as_ref()
}

/// The descriptor that becomes readable on Ctrl-C, for callers that run their own `poll`.
pub fn wake_fd() -> Option<BorrowedFd<'static>> {
    wake_pipe().map(|(r, _)| r.as_fd())
}

/// How a [`wait_readable`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// The descriptor is readable (or at EOF, or in error: the next read will tell).
    Ready,
    /// Ctrl-C was pressed, before or during the wait.
    Interrupted,
}

/// Waits until `fd` is readable or Ctrl-C is pressed.
pub fn wait_readable(fd: BorrowedFd<'_>) -> Wait {
    loop {
        if interrupted() {
            return Wait::Interrupted;
        }
        let mut fds = vec![PollFd::new(fd, PollFlags::POLLIN)];
        if let Some(wake) = wake_fd() {
            fds.push(PollFd::new(wake, PollFlags::POLLIN));
        }
        match poll(&mut fds, PollTimeout::NONE) {
            Ok(_) if interrupted() => return Wait::Interrupted,
            Ok(_) => {
                if fds[0].revents().is_some_and(|r| !r.is_empty()) {
                    return Wait::Ready;
                }
                // A wake-up for a Ctrl-C already forgotten: drain it so the next poll blocks.
                drain_wake_pipe();
            }
            Err(nix::errno::Errno::EINTR) => {}
            // A descriptor poll cannot watch: let the read itself block and report.
            Err(_) => return Wait::Ready,
        }
    }
}

/// Sleeps for `duration` unless Ctrl-C is pressed first ([`Wait::Interrupted`]).
pub fn sleep(duration: std::time::Duration) -> Wait {
    let deadline = std::time::Instant::now() + duration;
    loop {
        if interrupted() {
            return Wait::Interrupted;
        }
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Wait::Ready;
        }
        let Some(wake) = wake_fd() else {
            std::thread::sleep(left);
            continue;
        };
        let millis = u16::try_from(left.as_millis().max(1)).unwrap_or(u16::MAX);
        let mut fds = [PollFd::new(wake, PollFlags::POLLIN)];
        if let Ok(n) = poll(&mut fds, PollTimeout::from(millis)) {
            if n > 0 && !interrupted() {
                drain_wake_pipe();
            }
        }
    }
}

/// Whether Ctrl-C was pressed since the last [`catch_interrupts`]/[`clear`].
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Forgets a recorded Ctrl-C.
pub fn clear() {
    INTERRUPTED.store(false, Ordering::SeqCst);
    drain_wake_pipe();
}

/// Empties the self-pipe (non-blocking).
fn drain_wake_pipe() {
    if let Some((r, _)) = WAKE.get().and_then(Option::as_ref) {
        let mut buf = [0u8; 64];
        while matches!(nix::unistd::read(r, &mut buf), Ok(n) if n > 0) {}
    }
}

/// Makes SIGINT set the flag (and interrupt blocking calls) instead of killing the process.
pub fn catch_interrupts() {
    // The pipe exists before the handler can run, so the handler never allocates.
    let _ = wake_pipe();
    clear();
    let action = SigAction::new(
        SigHandler::Handler(on_sigint),
        SaFlags::empty(),
        SigSet::empty(),
    );
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    let _ = unsafe { signal::sigaction(Signal::SIGINT, &action) };
}

/// Restores the default SIGINT disposition (the process dies, as Python's does outside the
/// commands that catch `KeyboardInterrupt`).
pub fn default_interrupts() {
    let action = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
    // SAFETY: restoring the default disposition installs no Rust code as a handler.
    let _ = unsafe { signal::sigaction(Signal::SIGINT, &action) };
}
