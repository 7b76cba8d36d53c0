//! Writing envelopes to a listener's stdin without blocking the owner.
//!
//! The owner writes directly to the non-blocking pipe, which usually takes the whole envelope.
//! When it does not (a large `PROCESS_LOG` payload, a listener slow to read), the rest is kept
//! and a task finishes the write as the pipe drains, on its own duplicate of the descriptor;
//! anything written meanwhile is appended behind it, so envelopes never interleave. A closed
//! pipe (EPIPE) is reported to the hub, which skips the listener as Python does, and every later
//! write fails the same way (Python closes the stdin channel).

use std::os::fd::OwnedFd;
use std::sync::{Arc, Mutex, MutexGuard};

use nix::errno::Errno;
use supervisor_core::events::BrokenPipe;
use tokio::io::unix::AsyncFd;
use tokio::task::AbortHandle;

#[derive(Debug, Default)]
struct Pending {
    /// Bytes accepted but not yet written.
    buf: Vec<u8>,
    /// A drain task owns the writing until `buf` is empty.
    draining: bool,
    /// The pipe is broken: every write fails.
    closed: bool,
}

/// The stdin side of one spawn of one listener. Dropping it stops any drain in progress (the
/// process died or was respawned with a new pipe).
#[derive(Debug, Default)]
pub(super) struct StdinWriter {
    pending: Arc<Mutex<Pending>>,
    task: Option<AbortHandle>,
}

impl Drop for StdinWriter {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

fn lock(pending: &Mutex<Pending>) -> MutexGuard<'_, Pending> {
    pending
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Writes as much of `data` as the pipe takes now; `Ok(n)` bytes were written.
fn write_now(fd: &OwnedFd, data: &[u8]) -> Result<usize, Errno> {
    let mut written = 0;
    while written < data.len() {
        match nix::unistd::write(fd, &data[written..]) {
            Ok(n) => written += n,
            Err(Errno::EINTR) => {}
            Err(Errno::EAGAIN) => break,
            Err(e) => return Err(e),
        }
    }
    Ok(written)
}

impl StdinWriter {
    /// Writes (or queues) a whole envelope to the listener's stdin pipe `fd` (`None`: the
    /// process has no stdin pipe any more).
    pub(super) fn write(&mut self, fd: Option<&OwnedFd>, data: &[u8]) -> Result<(), BrokenPipe> {
        let Some(fd) = fd else {
            return Err(BrokenPipe);
        };
        let mut pending = lock(&self.pending);
        if pending.closed {
            return Err(BrokenPipe);
        }
        if pending.draining {
            pending.buf.extend_from_slice(data);
            return Ok(());
        }
        let written = match write_now(fd, data) {
            Ok(n) => n,
            Err(_) => {
                pending.closed = true;
                return Err(BrokenPipe);
            }
        };
        if written == data.len() {
            return Ok(());
        }
        pending.buf.extend_from_slice(&data[written..]);
        // SAFETY: the duplicate is a fresh descriptor owned by the `AsyncFd` until it is
        // dropped, so it stays open and unchanged for the registration's whole life.
        let drain_fd = match fd.try_clone().map(|dup| unsafe { AsyncFd::register(dup) }) {
            Ok(Ok(fd)) => fd,
            // Without a runtime registration nothing can finish the write; the listener will
            // wait for the rest of its envelope until it is restarted.
            _ => {
                pending.closed = true;
                pending.buf.clear();
                return Ok(());
            }
        };
        pending.draining = true;
        drop(pending);
        let shared = Arc::clone(&self.pending);
        self.task = Some(tokio::spawn(drain(drain_fd, shared)).abort_handle());
        Ok(())
    }
}

/// Writes the pending bytes as the pipe becomes writable, then ends.
async fn drain(fd: AsyncFd<OwnedFd>, shared: Arc<Mutex<Pending>>) {
    loop {
        let Ok(mut ready) = fd.writable().await else {
            let mut pending = lock(&shared);
            pending.closed = true;
            pending.draining = false;
            pending.buf.clear();
            return;
        };
        let mut pending = lock(&shared);
        match write_now(fd.get_ref(), &pending.buf) {
            Ok(n) => {
                pending.buf.drain(..n);
                if pending.buf.is_empty() {
                    pending.draining = false;
                    return;
                }
                ready.clear_ready();
            }
            Err(_) => {
                pending.closed = true;
                pending.draining = false;
                pending.buf.clear();
                return;
            }
        }
    }
}
