//! Following a log file as it grows (`tail -F`), for `/logtail`, `/mainlogtail` and the tail
//! page's live view.
//!
//! Supervisor's follower polls every 0.1 s: it sends what was appended, announces a truncation
//! with `==> File truncated <==` and starts over, and after a rotation (the path now names
//! another inode) reopens the path and sends the new file from its start. Ours does the same,
//! and also drains the rotated file to its end before switching, so no line written just
//! before the rotation is lost.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;

/// How often a follower looks for new bytes (Supervisor's `tail_f_producer.delay`).
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// The most bytes one [`Follower::poll`] returns, so a flood is sent in pieces.
const MAX_CHUNK: u64 = 256 * 1024;

/// The marker Supervisor sends when the file got shorter.
pub const TRUNCATED: &[u8] = b"==> File truncated <==\n";

/// Opens `path` for reading without blocking or taking a controlling terminal, and only if it
/// is a regular file (following a tty or a pipe could block the whole daemon).
pub fn open_regular(path: &Path) -> io::Result<File> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    if !file.metadata()?.file_type().is_file() {
        return Err(io::Error::from_raw_os_error(libc::ESPIPE));
    }
    Ok(file)
}

/// An open file being followed.
struct Open {
    file: File,
    ino: u64,
    pos: u64,
}

/// Follows one log file by path.
pub struct Follower {
    path: PathBuf,
    open: Option<Open>,
}

impl Follower {
    /// Starts `head` bytes before the current end of the file (the whole file if shorter).
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

    /// The bytes that appeared since the last call (at most [`MAX_CHUNK`] of them, plus any
    /// truncation marker), or `None` when there is nothing new.
    pub fn poll(&mut self) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        if self.open.is_none() {
            self.open = self.reopen();
        }
        let open = self.open.as_mut()?;
        let size = open.file.metadata().map(|m| m.len()).unwrap_or(open.pos);
        if size < open.pos {
            out.extend_from_slice(TRUNCATED);
            open.pos = 0;
        }
        read_chunk(open, size, &mut out);
        if open.pos >= size && self.rotated() {
            // Everything of the old file has been sent: continue with the new one.
            if let Some(mut new) = self.reopen() {
                let size = new.file.metadata().map(|m| m.len()).unwrap_or(0);
                read_chunk(&mut new, size, &mut out);
                self.open = Some(new);
            }
        }
        (!out.is_empty()).then_some(out)
    }

    /// Whether the path now names another file than the one being read (a missing path, e.g.
    /// between rename and re-creation, is not a rotation yet).
    fn rotated(&self) -> bool {
        match (&self.open, std::fs::metadata(&self.path)) {
            (Some(open), Ok(meta)) => meta.ino() != open.ino,
            _ => false,
        }
    }

    fn reopen(&self) -> Option<Open> {
        let file = open_regular(&self.path).ok()?;
        let ino = file.metadata().ok()?.ino();
        Some(Open { file, ino, pos: 0 })
    }

    /// A never-ending response body that sends whatever the file gains, polling every
    /// [`POLL_INTERVAL`]; it ends when the client goes away (the body is dropped).
    pub fn into_body(self) -> Body {
        let stream = futures_util::stream::unfold(self, |mut follower| async move {
            loop {
                if let Some(data) = follower.poll() {
                    return Some((Ok::<Bytes, io::Error>(Bytes::from(data)), follower));
                }
                tokio::time::sleep(POLL_INTERVAL).await;
            }
        });
        Body::from_stream(stream)
    }
}

/// Appends up to [`MAX_CHUNK`] bytes from `open.pos` towards `size` to `out`.
fn read_chunk(open: &mut Open, size: u64, out: &mut Vec<u8>) {
    if open.pos >= size {
        return;
    }
    let want = (size - open.pos).min(MAX_CHUNK);
    if open.file.seek(SeekFrom::Start(open.pos)).is_err() {
        return;
    }
    let before = out.len();
    let _ = (&mut open.file).take(want).read_to_end(out);
    open.pos += (out.len() - before) as u64;
}

/// Reads the last `limit` bytes of a regular file; returns them with the file's size.
pub fn read_tail(path: &Path, limit: u64) -> io::Result<(Vec<u8>, u64)> {
    let mut file = open_regular(path)?;
    let size = file.metadata()?.len();
    let start = size.saturating_sub(limit);
    file.seek(SeekFrom::Start(start))?;
    let mut data = Vec::new();
    file.take(size - start).read_to_end(&mut data)?;
    Ok((data, size))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn append(path: &Path, data: &[u8]) {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap()
            .write_all(data)
            .unwrap();
    }

    #[test]
    fn sends_the_tail_then_what_is_appended() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        append(&path, b"0123456789");
        let mut f = Follower::from_tail(path.clone(), 4).unwrap();
        assert_eq!(f.poll().as_deref(), Some(&b"6789"[..]));
        assert_eq!(f.poll(), None);
        append(&path, b"abc");
        assert_eq!(f.poll().as_deref(), Some(&b"abc"[..]));
        assert_eq!(f.poll(), None);
    }

    #[test]
    fn truncation_is_announced_and_restarts_at_zero() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        append(&path, b"0123456789");
        let mut f = Follower::from_offset(path.clone(), 10);
        assert_eq!(f.poll(), None);
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
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        append(&path, b"old1\n");
        let mut f = Follower::from_tail(path.clone(), 1024).unwrap();
        assert_eq!(f.poll().as_deref(), Some(&b"old1\n"[..]));
        // The writer appends to the old file, which is then renamed away, then a new one starts.
        append(&path, b"old2\n");
        std::fs::rename(&path, dir.path().join("a.log.1")).unwrap();
        assert_eq!(f.poll().as_deref(), Some(&b"old2\n"[..]));
        append(&path, b"new1\n");
        assert_eq!(f.poll().as_deref(), Some(&b"new1\n"[..]));
        append(&path, b"new2\n");
        assert_eq!(f.poll().as_deref(), Some(&b"new2\n"[..]));
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
        append(&path, &vec![b'x'; 600 * 1024]);
        let sizes: Vec<usize> = std::iter::from_fn(|| f.poll().map(|d| d.len())).collect();
        assert_eq!(sizes, vec![256 * 1024, 256 * 1024, 88 * 1024]);
    }

    #[test]
    fn non_regular_files_are_refused() {
        assert!(Follower::from_tail(PathBuf::from("/dev/null"), 10).is_err());
        assert!(read_tail(Path::new("/dev/zero"), 10).is_err());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.log");
        append(&path, b"abcdef");
        assert_eq!(read_tail(&path, 4).unwrap(), (b"cdef".to_vec(), 6));
        assert_eq!(read_tail(&path, 100).unwrap(), (b"abcdef".to_vec(), 6));
    }
}
