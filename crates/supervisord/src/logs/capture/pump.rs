//! One step of moving a child's output from its pipe to the log: the splice(2) fast path when
//! nothing needs to see the bytes, else a read into a buffer fed to the [`OutputProcessor`](super::OutputProcessor).
//!
//! Reads are as large as the pipe (128 KiB chunks at least, Python's read size) into a buffer
//! shared by all capture tasks of the thread, so an idle daemon holds no per-pipe buffers. The
//! waiting around these steps is in [`super::flood`].

use std::cell::RefCell;
use std::os::fd::{AsFd, OwnedFd};

use super::task::Shared;

/// Python's read size per readiness event (`2 << 16`).
pub const CHUNK: usize = 128 * 1024;

/// Bytes asked of one splice(2): a whole raised pipe (no user-space buffer is involved).
pub(super) const SPLICE_CHUNK: usize = 1 << 20;

/// Chunks read per wake-up before yielding to other tasks (bounds latency during a flood).
pub(super) const READS_PER_WAKE: usize = 8;

/// Chunks read at most after [`CaptureHandle::close`](super::CaptureHandle::close): what a dead child left in the pipe, not
/// an endless stream from a grandchild that kept it open.
const FINAL_DRAIN_CHUNKS: usize = 32;

thread_local! {
    /// One read buffer for all capture tasks of the thread: reads and processing never await.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// What one step found in the pipe.
pub(super) enum ReadOutcome {
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
pub(super) fn shrink_scratch() {
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
pub(super) enum Drain {
    /// The pipe is empty now; this many bytes were moved.
    Empty(usize),
    /// The chunk budget ran out with output still waiting.
    More,
    /// The owner is behind on this capture's output (its backlog is full): reading stopped.
    Held,
    /// End of stream.
    Eof,
}

/// Moves output to the log until the pipe is empty, for at most `max_reads` reads of up to
/// `read_size` bytes, and only while the owner keeps up (see `backlog.rs`).
pub(super) fn drain(fd: &OwnedFd, shared: &Shared, max_reads: usize, read_size: usize) -> Drain {
    let mut moved = 0;
    for _ in 0..max_reads {
        if shared.backlog.is_full() {
            return Drain::Held;
        }
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

/// What is left in the pipe after [`CaptureHandle::close`](super::CaptureHandle::close), bounded; true at end of stream.
/// Waits for the owner before each read, like every other read of output it must see.
pub(super) async fn final_drain(fd: &OwnedFd, shared: &Shared, read_size: usize) -> bool {
    // Past a short read too: the writers may all be gone, which only the next read tells.
    for _ in 0..FINAL_DRAIN_CHUNKS {
        shared.backlog.room().await;
        match read_and_feed(fd, shared, read_size) {
            ReadOutcome::Data { .. } => {}
            ReadOutcome::WouldBlock => return false,
            ReadOutcome::Eof => return true,
        }
    }
    false
}
