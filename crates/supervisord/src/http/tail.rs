//! `/logtail/NAME[/CHANNEL]` and `/mainlogtail`: a log file followed like `tail -f` over HTTP
//! (spec §6.7), which supervisorctl's `tail -f`, `maintail -f` and `fg` read.
//!
//! The body starts with the last 1 KiB of the file and then, every 0.1 s, carries whatever was
//! appended. A file that shrank sends `==> File truncated <==` and continues from its start;
//! a file replaced under the same name (rotation) is reopened and sent from its start. The
//! response has no length, so HTTP/1.1 clients get it chunked and HTTP/1.0 clients until the
//! connection closes; it ends only when the client goes away.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use hyper::body::Frame;

use super::error_response;

/// How much of the file is sent first.
const HEAD: u64 = 1024;
/// How often the file is checked for new data (Supervisor's producer delay).
const POLL: Duration = Duration::from_millis(100);
/// The most bytes sent in one chunk; a burst larger than this goes out in several chunks
/// without waiting for the next poll.
const CHUNK_MAX: u64 = 64 * 1024;
/// What a shrunken file sends before starting over.
const TRUNCATED: &[u8] = b"==> File truncated <==\n";

/// Follows one file by name.
struct Follower {
    path: PathBuf,
    file: File,
    ino: u64,
    /// How much of the file has been sent.
    sent: u64,
}

impl Follower {
    /// Opens `path`, positioned so that the first read sends its last [`HEAD`] bytes.
    fn open(path: PathBuf) -> io::Result<Follower> {
        let file = File::open(&path)?;
        let meta = file.metadata()?;
        Ok(Follower {
            path,
            file,
            ino: meta.ino(),
            sent: meta.len().saturating_sub(HEAD),
        })
    }

    /// Reopens the file from its start if the name now refers to another file (rotation).
    fn follow(&mut self) {
        let Ok(meta) = std::fs::metadata(&self.path) else {
            // Unlinked: keep reading the open file, as Supervisor does.
            return;
        };
        if meta.ino() != self.ino {
            if let Ok(file) = File::open(&self.path) {
                self.file = file;
                self.ino = meta.ino();
                self.sent = 0;
            }
        }
    }

    /// The next bytes to send, `None` when there is nothing new.
    fn more(&mut self) -> io::Result<Option<Bytes>> {
        self.follow();
        let size = self.file.metadata()?.len();
        if size < self.sent {
            self.sent = 0;
            return Ok(Some(Bytes::from_static(TRUNCATED)));
        }
        if size == self.sent {
            return Ok(None);
        }
        let want = (size - self.sent).min(CHUNK_MAX);
        self.file.seek(SeekFrom::Start(self.sent))?;
        let mut buf = Vec::with_capacity(want as usize);
        (&mut self.file).take(want).read_to_end(&mut buf)?;
        if buf.is_empty() {
            return Ok(None);
        }
        self.sent += buf.len() as u64;
        Ok(Some(Bytes::from(buf)))
    }
}

/// The endless response body of a tail.
struct TailBody {
    follower: Follower,
    interval: tokio::time::Interval,
}

impl hyper::body::Body for TailBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        loop {
            match this.follower.more() {
                Ok(Some(bytes)) => return Poll::Ready(Some(Ok(Frame::data(bytes)))),
                Ok(None) => {}
                // The open file failed under us: end the response.
                Err(_) => return Poll::Ready(None),
            }
            ready!(this.interval.poll_tick(cx));
        }
    }
}

/// An HTTP date (RFC 1123, GMT) for `Last-Modified`.
fn http_date(epoch: i64) -> String {
    jiff::Timestamp::from_second(epoch)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// The streaming response for `path`, or 404 when there is no such file (a process that
/// never ran, or no log configured: a temporary condition, as Supervisor words it).
pub fn tail_response(path: Option<PathBuf>, accel_header: bool) -> Response {
    let Some(path) = path else {
        return error_response(StatusCode::NOT_FOUND);
    };
    let Ok(follower) = Follower::open(path) else {
        return error_response(StatusCode::NOT_FOUND);
    };
    let mtime = follower.file.metadata().map(|m| m.mtime()).unwrap_or(0);
    let mut interval = tokio::time::interval(POLL);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut response = Response::new(Body::new(TailBody { follower, interval }));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain;charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&http_date(mtime)) {
        headers.insert(header::LAST_MODIFIED, v);
    }
    if accel_header {
        // Tells a reverse proxy (nginx) not to buffer the stream.
        headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn drain(f: &mut Follower) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(b) = f.more().unwrap() {
            out.extend_from_slice(&b);
        }
        out
    }

    #[test]
    fn sends_the_last_kib_then_appended_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let text: Vec<u8> = (0..3000u32).map(|i| b'a' + (i % 26) as u8).collect();
        std::fs::write(&path, &text).unwrap();
        let mut f = Follower::open(path.clone()).unwrap();
        assert_eq!(drain(&mut f), text[text.len() - 1024..]);
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"more\n")
            .unwrap();
        assert_eq!(drain(&mut f), b"more\n");
    }

    #[test]
    fn small_files_are_sent_whole_and_truncation_is_announced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        std::fs::write(&path, b"hello\nworld\n").unwrap();
        let mut f = Follower::open(path.clone()).unwrap();
        assert_eq!(drain(&mut f), b"hello\nworld\n");
        // Truncated in place (same inode), then written again.
        std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&path)
            .unwrap()
            .write_all(b"x\n")
            .unwrap();
        assert_eq!(drain(&mut f), b"==> File truncated <==\nx\n");
    }

    #[test]
    fn a_rotated_file_is_reopened_from_its_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        std::fs::write(&path, b"old\n").unwrap();
        let mut f = Follower::open(path.clone()).unwrap();
        assert_eq!(drain(&mut f), b"old\n");
        std::fs::rename(&path, dir.path().join("log.1")).unwrap();
        std::fs::write(&path, b"new file\n").unwrap();
        assert_eq!(drain(&mut f), b"new file\n");
    }

    #[test]
    fn bursts_come_in_bounded_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        std::fs::write(&path, b"").unwrap();
        let mut f = Follower::open(path.clone()).unwrap();
        std::fs::write(&path, vec![b'z'; 200_000]).unwrap();
        let first = f.more().unwrap().unwrap();
        assert_eq!(first.len() as u64, CHUNK_MAX);
        assert_eq!(drain(&mut f).len() + first.len(), 200_000);
    }

    #[test]
    fn http_dates_are_rfc_1123() {
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert!(tail_response(None, true).status() == StatusCode::NOT_FOUND);
    }
}
