//! A child's stdin pipe, written without ever blocking the owner: by `sendProcessStdin` and,
//! for an event listener, by the event dispatcher.
//!
//! The owner writes directly to the non-blocking pipe, which usually takes everything. When it
//! does not (a large envelope or payload, a child slow to read), the rest is kept and a task
//! finishes the write as the pipe drains, on its own duplicate of the descriptor; anything
//! written meanwhile is appended behind it, so writes never interleave and the child reads
//! everything in the order it was sent. A closed pipe (EPIPE) makes this and every later write
//! fail (Python closes the stdin channel). Dropping the pipe (the child stopped, or was
//! respawned with a new pipe) stops any drain in progress.

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

/// The write end of one child's stdin pipe, with what it has not taken yet.
#[derive(Debug)]
pub struct StdinPipe {
    fd: OwnedFd,
    pending: Arc<Mutex<Pending>>,
    task: Option<AbortHandle>,
}

impl Drop for StdinPipe {
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

impl StdinPipe {
    /// Wraps the non-blocking write end of a child's stdin pipe.
    pub fn new(fd: OwnedFd) -> StdinPipe {
        StdinPipe {
            fd,
            pending: Arc::default(),
            task: None,
        }
    }

    /// Writes (or queues) all of `data`; an error means the pipe is broken (the child closed
    /// its stdin or exited).
    pub fn write(&mut self, data: &[u8]) -> Result<(), BrokenPipe> {
        let mut pending = lock(&self.pending);
        if pending.closed {
            return Err(BrokenPipe);
        }
        if pending.draining {
            pending.buf.extend_from_slice(data);
            return Ok(());
        }
        let written = match write_now(&self.fd, data) {
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
        let drain_fd = match self
            .fd
            .try_clone()
            .map(|dup| unsafe { AsyncFd::register(dup) })
        {
            Ok(Ok(fd)) => fd,
            // Without a runtime registration nothing can finish the write; the child will
            // wait for the rest until it is restarted.
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

    /// Whether written data is still waiting for the child to read it.
    #[cfg(test)]
    fn draining(&self) -> bool {
        lock(&self.pending).draining
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::time::{Duration, Instant};

    #[tokio::test]
    async fn a_slow_reader_gets_everything_in_order() {
        let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_NONBLOCK).unwrap();
        let mut pipe = StdinPipe::new(w);
        // Far more than a pipe buffer holds, in several writes.
        let chunks: Vec<Vec<u8>> = (0..4u8).map(|i| vec![b'a' + i; 100_000]).collect();
        for c in &chunks {
            pipe.write(c).unwrap();
        }
        let reader = std::thread::spawn(move || {
            let mut f = std::fs::File::from(r);
            nix::fcntl::fcntl(
                &f,
                nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::empty()),
            )
            .unwrap();
            let mut all = vec![0; chunks.concat().len()];
            f.read_exact(&mut all).unwrap();
            (all, chunks)
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        while pipe.draining() {
            assert!(Instant::now() < deadline, "writer never drained");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let (all, chunks) = tokio::task::spawn_blocking(move || reader.join().unwrap())
            .await
            .unwrap();
        assert_eq!(all, chunks.concat());
    }

    #[test]
    fn a_closed_reader_is_an_error_now_and_later() {
        let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_NONBLOCK).unwrap();
        drop(r);
        let mut pipe = StdinPipe::new(w);
        assert_eq!(pipe.write(b"x"), Err(BrokenPipe));
        assert_eq!(pipe.write(b""), Err(BrokenPipe));
    }
}
