//! Following a log file as it grows (`tail -F`): the one follower behind `/logtail`,
//! `/mainlogtail` (spec §6.7) and the tail page's live view (`/ui/follow`).
//!
//! Supervisor's `tail_f_producer` looks at the file every 0.1 s: it sends what was appended,
//! announces a truncation with `==> File truncated <==` and starts over, and after a rotation
//! (the path now names another inode) reopens the path and sends the new file from its start.
//! Ours does the same, with two differences that are fixes:
//!
//! - it follows regular files only: opening a FIFO would block the daemon until a writer comes,
//!   and a directory or a device (`/dev/zero`) is no log to follow, so [`Follower::from_tail`]
//!   refuses them (the HTTP layer answers 404, as for a missing file), and a rotation to such a
//!   path is not followed;
//! - it drains the rotated file to its end before switching, so no line written just before the
//!   rotation is lost.
//!
//! # Waiting and memory
//!
//! A follower does nothing on its own. As an HTTP body ([`Follower::into_body`]) it is polled only
//! when hyper wants the next chunk of a response a client is still holding; it then reads what is
//! new and, when nothing is, waits on one tokio `Interval` of [`POLL_INTERVAL`] (no inotify: a
//! stat and an fstat per 0.1 s per open stream, like Supervisor). When the client goes away the
//! body is dropped with its file and timer. One poll returns at most [`MAX_CHUNK`] bytes (plus the
//! truncation marker), so a flood is sent in bounded pieces, one after the other, without waiting
//! for the next tick.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use hyper::body::Frame;
use tokio::time::{Interval, MissedTickBehavior};

use super::tail::open_regular;

/// How often a waiting follower looks for new bytes (Supervisor's `tail_f_producer.delay`).
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// The most file bytes one [`Follower::poll`] returns.
pub const MAX_CHUNK: u64 = 64 * 1024;

/// The marker Supervisor sends when the file got shorter.
pub const TRUNCATED: &[u8] = b"==> File truncated <==\n";

/// An open file being followed.
struct Open {
    file: File,
    ino: u64,
    /// How much of the file has been returned.
    pos: u64,
}

/// Follows one log file by path.
pub struct Follower {
    path: PathBuf,
    open: Option<Open>,
}

impl Follower {
    /// Starts `head` bytes before the current end of the file (the whole file if shorter);
    /// fails if the path does not name a regular file.
    pub fn from_tail(path: PathBuf, head: u64) -> io::Result<Follower> {
        let file = open_regular(&path)?;
        let meta = file.metadata()?;
        let pos = meta.len().saturating_sub(head);
        Ok(Follower {
            path,
            open: Some(Open {
                file,
                ino: meta.ino(),
                pos,
            }),
        })
    }

    /// Starts at byte `offset`; a file shorter than that is announced as truncated and sent from
    /// its start. A file that does not exist yet is followed from its start once it appears.
    pub fn from_offset(path: PathBuf, offset: u64) -> Follower {
        let open = open_regular(&path).ok().and_then(|file| {
            let ino = file.metadata().ok()?.ino();
            Some(Open {
                file,
                ino,
                pos: offset,
            })
        });
        Follower { path, open }
    }

    /// The modification time of the file being read (seconds since the epoch), if one is open.
    pub fn mtime(&self) -> Option<i64> {
        Some(self.open.as_ref()?.file.metadata().ok()?.mtime())
    }

    /// The bytes that appeared since the last call (at most [`MAX_CHUNK`] of them, after a
    /// truncation marker if the file shrank), or `None` when there is nothing new.
    pub fn poll(&mut self) -> Option<Vec<u8>> {
        // Looked at before reading: whatever reached the old file before it was renamed away is
        // then visible to the read below, and is sent before the switch.
        let rotated = self.rotated();
        if let Some(data) = self.open.as_mut().and_then(read_more) {
            return Some(data);
        }
        if self.open.is_some() && !rotated {
            return None;
        }
        // Drained (or never opened): continue with the file the path names now.
        let mut new = self.reopen()?;
        let data = read_more(&mut new);
        self.open = Some(new);
        data
    }

    /// Whether the path now names another file than the one being read (a missing path, e.g.
    /// between rename and re-creation, is not a rotation yet).
    fn rotated(&self) -> bool {
        match (&self.open, std::fs::metadata(&self.path)) {
            (Some(open), Ok(meta)) => meta.ino() != open.ino,
            _ => false,
        }
    }

    /// Opens the path afresh, from its start; `None` unless it names a regular file.
    fn reopen(&self) -> Option<Open> {
        let file = open_regular(&self.path).ok()?;
        let ino = file.metadata().ok()?.ino();
        Some(Open { file, ino, pos: 0 })
    }

    /// A never-ending response body carrying whatever the file gains; it ends when the client
    /// goes away (the body is dropped). Must be called inside the tokio runtime (it makes a timer).
    pub fn into_body(self) -> Body {
        let mut interval = tokio::time::interval(POLL_INTERVAL);
        interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Body::new(FollowBody {
            follower: self,
            interval,
        })
    }
}

/// Reads what `open` gained since `open.pos`: a truncation marker if the file shrank (then from
/// its start), and up to [`MAX_CHUNK`] bytes.
fn read_more(open: &mut Open) -> Option<Vec<u8>> {
    let size = open.file.metadata().map(|m| m.len()).unwrap_or(open.pos);
    let mut out = Vec::new();
    if size < open.pos {
        out.extend_from_slice(TRUNCATED);
        open.pos = 0;
    }
    if open.pos < size && open.file.seek(SeekFrom::Start(open.pos)).is_ok() {
        let want = (size - open.pos).min(MAX_CHUNK);
        out.reserve_exact(usize::try_from(want).unwrap_or(usize::MAX));
        let before = out.len();
        // A failed read sends what came before the failure and is retried on the next poll.
        let _ = open.file.by_ref().take(want).read_to_end(&mut out);
        open.pos += (out.len() - before) as u64;
    }
    (!out.is_empty()).then_some(out)
}

/// The body of a follow response: polls the follower when hyper asks for more, waits on the
/// interval when there is nothing new.
struct FollowBody {
    follower: Follower,
    interval: Interval,
}

impl hyper::body::Body for FollowBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        loop {
            if let Some(data) = this.follower.poll() {
                return Poll::Ready(Some(Ok(Frame::data(Bytes::from(data)))));
            }
            ready!(this.interval.poll_tick(cx));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use std::io::Write;
    use std::path::Path;
    use std::time::Instant;

    fn append(path: &Path, data: &[u8]) {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap()
            .write_all(data)
            .unwrap();
    }

    /// Everything the follower has now, poll after poll.
    fn drain(f: &mut Follower) -> Vec<u8> {
        std::iter::from_fn(|| f.poll()).flatten().collect()
    }

    /// A follower of `a.log` in a new directory, which has already sent `old1\n`.
    fn following_old1() -> (tempfile::TempDir, PathBuf, Follower) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        append(&path, b"old1\n");
        let mut f = Follower::from_tail(path.clone(), 1024).unwrap();
        assert_eq!(drain(&mut f), b"old1\n");
        (dir, path, f)
    }

    #[test]
    fn sends_the_tail_then_what_is_appended() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        let text: Vec<u8> = (0..3000u32).map(|i| b'a' + (i % 26) as u8).collect();
        append(&path, &text);
        let mut f = Follower::from_tail(path.clone(), 1024).unwrap();
        assert_eq!(drain(&mut f), text[text.len() - 1024..]);
        assert_eq!(f.poll(), None);
        append(&path, b"abc");
        assert_eq!(f.poll().as_deref(), Some(&b"abc"[..]));
        assert_eq!(f.poll(), None);
        // A file shorter than the head is sent whole.
        let small = dir.path().join("small.log");
        append(&small, b"hello\n");
        assert_eq!(
            drain(&mut Follower::from_tail(small, 1024).unwrap()),
            b"hello\n"
        );
    }

    #[test]
    fn truncation_is_announced_and_restarts_at_zero() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        append(&path, b"0123456789");
        let mut f = Follower::from_offset(path.clone(), 10);
        assert_eq!(f.poll(), None);
        // Truncated in place (same inode), then written again.
        std::fs::write(&path, b"new").unwrap();
        assert_eq!(
            f.poll().as_deref(),
            Some(&b"==> File truncated <==\nnew"[..])
        );
        // An offset past the end of the file at start is a truncation too.
        let mut g = Follower::from_offset(path.clone(), 100);
        assert_eq!(
            g.poll().as_deref(),
            Some(&b"==> File truncated <==\nnew"[..])
        );
    }

    #[test]
    fn rotation_drains_the_old_file_then_sends_the_new_one() {
        let (dir, path, mut f) = following_old1();
        // The writer appends to the old file, which is then renamed away and replaced, all
        // before the follower looks again.
        append(&path, b"old2\n");
        std::fs::rename(&path, dir.path().join("a.log.1")).unwrap();
        append(&path, b"new1\n");
        assert_eq!(f.poll().as_deref(), Some(&b"old2\n"[..]));
        assert_eq!(f.poll().as_deref(), Some(&b"new1\n"[..]));
        append(&path, b"new2\n");
        assert_eq!(f.poll().as_deref(), Some(&b"new2\n"[..]));
        assert_eq!(f.poll(), None);
    }

    #[test]
    fn a_missing_path_after_rename_keeps_the_old_file() {
        let (dir, path, mut f) = following_old1();
        let moved = dir.path().join("a.log.1");
        std::fs::rename(&path, &moved).unwrap();
        append(&moved, b"late\n");
        assert_eq!(drain(&mut f), b"late\n");
        append(&path, b"new\n");
        assert_eq!(drain(&mut f), b"new\n");
    }

    #[test]
    fn a_file_that_does_not_exist_yet_is_followed_once_it_appears() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("later.log");
        let mut f = Follower::from_offset(path.clone(), 0);
        assert_eq!(f.poll(), None);
        append(&path, b"hello");
        assert_eq!(f.poll().as_deref(), Some(&b"hello"[..]));
    }

    #[test]
    fn big_appends_come_in_bounded_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.log");
        let mut f = Follower::from_offset(path.clone(), 0);
        append(&path, &vec![b'x'; 150 * 1024]);
        let sizes: Vec<usize> = std::iter::from_fn(|| f.poll().map(|d| d.len())).collect();
        assert_eq!(sizes, vec![64 * 1024, 64 * 1024, 22 * 1024]);
    }

    #[test]
    fn non_regular_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: `c` is a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        for path in [fifo.clone(), dir.path().to_path_buf(), "/dev/zero".into()] {
            // Refused at once: a FIFO without a writer does not block the open.
            assert!(Follower::from_tail(path.clone(), 1024).is_err(), "{path:?}");
            assert_eq!(Follower::from_offset(path, 0).poll(), None);
        }
        // A rotation to a FIFO is not followed: the old file stays.
        let (other, path, mut f) = following_old1();
        std::fs::rename(&path, other.path().join("a.log.1")).unwrap();
        std::fs::rename(&fifo, &path).unwrap();
        assert_eq!(f.poll(), None);
    }

    /// Reads `body` until what came ends with `end`, failing after a deadline.
    async fn read_until(body: &mut Body, got: &mut Vec<u8>, end: &[u8]) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !got.ends_with(end) {
            let left = deadline.saturating_duration_since(Instant::now());
            let frame = tokio::time::timeout(left, body.frame())
                .await
                .unwrap_or_else(|_| panic!("timed out waiting for {end:?}; got {:?}", got.len()))
                .expect("the body never ends")
                .unwrap();
            got.extend_from_slice(frame.data_ref().unwrap());
        }
    }

    #[tokio::test]
    async fn the_body_drains_a_rotated_file_before_the_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        append(&path, b"start\n");
        let mut body = Follower::from_tail(path.clone(), 1024).unwrap().into_body();
        let mut got = Vec::new();
        read_until(&mut body, &mut got, b"start\n").await;
        // More than one poll's worth goes to the old file just before it is rotated away.
        let tail_end: Vec<u8> = (0..3 * MAX_CHUNK).map(|i| b'a' + (i % 26) as u8).collect();
        append(&path, &tail_end);
        append(&path, b"\nlast old line\n");
        std::fs::rename(&path, dir.path().join("a.log.1")).unwrap();
        append(&path, b"first new line\n");
        read_until(&mut body, &mut got, b"first new line\n").await;
        let mut expected = b"start\n".to_vec();
        expected.extend_from_slice(&tail_end);
        expected.extend_from_slice(b"\nlast old line\nfirst new line\n");
        assert!(
            got == expected,
            "{} bytes, not {}",
            got.len(),
            expected.len()
        );
    }
}
