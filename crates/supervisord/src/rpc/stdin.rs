//! Writing `sendProcessStdin` data to a child without ever blocking the owner.
//!
//! Supervisor queues the data and writes it when the pipe is writable, so a call never fails
//! because the child reads slowly. Here the data is written at once when the pipe has room;
//! the rest goes to a writer task for that child, which also takes every later call's data
//! until it has drained, so the child reads everything in the order it was sent.

use std::collections::HashMap;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::{LazyLock, Mutex};

use nix::errno::Errno;
use tokio::io::AsyncWriteExt;
use tokio::net::unix::pipe;
use tokio::sync::mpsc;

use crate::owner::ProcId;

/// A child's stdin: the process and the pid of the child the pipe belongs to.
type Key = (ProcId, u32);

/// Writer tasks with data still to write, by child.
static BACKLOG: LazyLock<Mutex<HashMap<Key, mpsc::UnboundedSender<Vec<u8>>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn backlog() -> std::sync::MutexGuard<'static, HashMap<Key, mpsc::UnboundedSender<Vec<u8>>>> {
    BACKLOG.lock().unwrap_or_else(|e| e.into_inner())
}

/// Writes as much as the pipe takes now; `Ok(n)` is how many bytes were written.
fn write_now(fd: impl AsFd, data: &[u8]) -> io::Result<usize> {
    let mut done = 0;
    while done < data.len() {
        match nix::unistd::write(fd.as_fd(), &data[done..]) {
            Ok(n) => done += n,
            Err(Errno::EINTR) => {}
            Err(Errno::EAGAIN) => break,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(done)
}

/// Sends `data` to the stdin pipe `fd` of child `pid` of process `id`. An error means the
/// pipe is broken (the child closed its stdin or exited).
pub fn send(id: ProcId, pid: u32, fd: &OwnedFd, data: Vec<u8>) -> io::Result<()> {
    let key = (id, pid);
    let mut queues = backlog();
    if let Some(tx) = queues.get(&key) {
        match tx.send(data) {
            Ok(()) => return Ok(()),
            // The writer stopped on a broken pipe.
            Err(mpsc::error::SendError(data)) => {
                queues.remove(&key);
                return write_now(fd, &data).map(drop);
            }
        }
    }
    let written = write_now(fd, &data)?;
    if written == data.len() {
        return Ok(());
    }
    let (tx, rx) = mpsc::unbounded_channel();
    let _ = tx.send(data[written..].to_vec());
    let writer = pipe::Sender::from_owned_fd(fd.try_clone()?)?;
    queues.insert(key, tx);
    tokio::spawn(drain(key, writer, rx));
    Ok(())
}

/// Writes queued data as the pipe drains; ends when the queue is empty or the pipe breaks.
async fn drain(key: Key, mut pipe: pipe::Sender, mut rx: mpsc::UnboundedReceiver<Vec<u8>>) {
    loop {
        let data = match rx.try_recv() {
            Ok(data) => data,
            Err(_) => {
                // Empty: deregister under the lock so no sender can slip data in between.
                let mut queues = backlog();
                match rx.try_recv() {
                    Ok(data) => data,
                    Err(_) => {
                        queues.remove(&key);
                        return;
                    }
                }
            }
        };
        if pipe.write_all(&data).await.is_err() {
            backlog().remove(&key);
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[tokio::test]
    async fn a_slow_reader_gets_everything_in_order() {
        let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_NONBLOCK).unwrap();
        // Far more than a pipe buffer holds, in several calls.
        let chunks: Vec<Vec<u8>> = (0..4u8).map(|i| vec![b'a' + i; 100_000]).collect();
        for c in &chunks {
            send(1, 42, &w, c.clone()).unwrap();
        }
        drop(w);
        let reader = std::thread::spawn(move || {
            let mut f = std::fs::File::from(r);
            nix::fcntl::fcntl(
                &f,
                nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::empty()),
            )
            .unwrap();
            let mut all = Vec::new();
            f.read_to_end(&mut all).unwrap();
            all
        });
        // The writer task owns a duplicate of the write end; reading to EOF needs it gone.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while backlog().contains_key(&(1, 42)) {
            assert!(std::time::Instant::now() < deadline, "writer never drained");
            tokio::task::yield_now().await;
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let all = tokio::task::spawn_blocking(move || reader.join().unwrap())
            .await
            .unwrap();
        assert_eq!(all, chunks.concat());
    }

    #[test]
    fn a_closed_reader_is_an_error() {
        let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_NONBLOCK).unwrap();
        drop(r);
        assert!(send(2, 7, &w, b"x".to_vec()).is_err());
    }
}
