//! Back-pressure from the owner to a capture: how many bytes of output the capture has handed
//! to the owner (in [`Payload`](super::Payload)s of its notices) that the owner has not taken yet.
//!
//! Output that becomes events (`*_events_enabled`, and an event listener's stdout, which carries
//! its protocol) is handled on the owner, which may be slower than a child can write. Without a
//! bound the notices would pile up in memory (the issue measured 380 MB behind `yes` as a
//! listener). So while a capture's backlog is over [`BACKLOG_LIMIT`] it does not read its pipe:
//! the pipe fills and the child blocks in write(2), which is the back-pressure Supervisor's users
//! know (Python reads a pipe only when its loop gets round to it). Output that only goes to the
//! log file never waits here.

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Notify;

/// The most output one capture may have handed to the owner and not had taken: about eight
/// 128 KiB chunks. Reading stops above it, so a capture holds at most this plus one read of its
/// pipe (at most `/proc/sys/fs/pipe-max-size`, 1 MiB by default).
pub const BACKLOG_LIMIT: usize = 1 << 20;

/// The bytes a capture has in flight to the owner.
#[derive(Debug, Default)]
pub struct Backlog {
    bytes: AtomicUsize,
    /// Notified when the backlog falls to the limit or below.
    room: Notify,
}

impl Backlog {
    /// Counts `bytes` handed to the owner.
    pub(super) fn charge(&self, bytes: usize) {
        self.bytes.fetch_add(bytes, Ordering::AcqRel);
    }

    /// The owner took `bytes`; wakes the capture if that made room.
    pub(super) fn release(&self, bytes: usize) {
        let before = self.bytes.fetch_sub(bytes, Ordering::AcqRel);
        if before > BACKLOG_LIMIT && before - bytes <= BACKLOG_LIMIT {
            // A stored permit if the capture is not waiting yet: the wake-up is not lost.
            self.room.notify_one();
        }
    }

    /// Whether the capture must stop reading until the owner catches up.
    pub(super) fn is_full(&self) -> bool {
        self.bytes.load(Ordering::Acquire) > BACKLOG_LIMIT
    }

    /// Waits until the backlog is at the limit or below (at once if it is).
    pub(super) async fn room(&self) {
        while self.is_full() {
            self.room.notified().await;
        }
    }
}
