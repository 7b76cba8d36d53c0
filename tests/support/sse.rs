//! [`SseClient`]: a small client of the event stream (`GET /api/v1/events`) over a daemon's
//! UNIX socket. It speaks HTTP/1.1, so the daemon notices at once when it hangs up, decodes the
//! chunked body, and parses Server-Sent Events messages; every read has a deadline.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use super::daemon::Daemon;

/// One SSE message (comments are skipped).
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// `id:`, if the message has one.
    pub id: Option<u64>,
    /// `event:` (the event type name, or `reset`).
    pub event: String,
    /// `data:` parsed as JSON.
    pub data: serde_json::Value,
}

/// A refused request: its status and body.
#[derive(Debug, Clone)]
pub struct Refused {
    /// The HTTP status.
    pub status: u16,
    /// The response head (status line and headers).
    pub head: String,
    /// The body.
    pub body: String,
}

/// An open event stream.
pub struct SseClient {
    stream: UnixStream,
    /// Bytes read and not yet de-chunked.
    raw: Vec<u8>,
    /// De-chunked body not yet parsed into messages.
    body: Vec<u8>,
}

/// Reads more bytes into `buf`, waiting until `deadline`; `false` on timeout or end.
fn fill(stream: &mut UnixStream, buf: &mut Vec<u8>, deadline: Instant) -> bool {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return false;
    }
    stream.set_read_timeout(Some(left)).unwrap();
    let mut chunk = [0u8; 65536];
    match stream.read(&mut chunk) {
        Ok(0) | Err(_) => false,
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            true
        }
    }
}

impl SseClient {
    /// Opens `/api/v1/events?QUERY` (`query` may be empty) with a `Last-Event-ID` if given;
    /// panics unless the answer is a 200 stream. Returns once the response head is read, so
    /// the subscription exists.
    pub fn open(daemon: &Daemon, query: &str, last_event_id: Option<u64>) -> SseClient {
        SseClient::request(daemon, "GET", query, last_event_id)
            .unwrap_or_else(|r| panic!("the event stream was refused: {r:?}"))
    }

    /// Sends the request and reads the response head; `Err` with the whole answer unless it is
    /// a 200 `text/event-stream`.
    pub fn request(
        daemon: &Daemon,
        method: &str,
        query: &str,
        last_event_id: Option<u64>,
    ) -> Result<SseClient, Refused> {
        let mut stream = UnixStream::connect(&daemon.sock).expect("connect to the daemon");
        let path = match query {
            "" => "/api/v1/events".to_string(),
            q => format!("/api/v1/events?{q}"),
        };
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\n");
        if let Some(id) = last_event_id {
            head += &format!("Last-Event-ID: {id}\r\n");
        }
        head += "\r\n";
        stream.write_all(head.as_bytes()).unwrap();
        let deadline = Instant::now() + super::TIMEOUT;
        let mut raw = Vec::new();
        let end = loop {
            if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                break end;
            }
            assert!(
                fill(&mut stream, &mut raw, deadline),
                "no response head from the event stream: {:?}",
                String::from_utf8_lossy(&raw)
            );
        };
        let head = String::from_utf8_lossy(&raw[..end]).to_string();
        let raw = raw[end + 4..].to_vec();
        let status: u16 = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut client = SseClient {
            stream,
            raw,
            body: Vec::new(),
        };
        if status == 200 && head.contains("text/event-stream") {
            return Ok(client);
        }
        // An error answer has a length; read it all.
        let length: usize = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().ok())?
            })
            .unwrap_or(0);
        while client.raw.len() < length && fill(&mut client.stream, &mut client.raw, deadline) {}
        Err(Refused {
            status,
            head,
            body: String::from_utf8_lossy(&client.raw).to_string(),
        })
    }

    /// Moves complete chunks from `raw` to `body`.
    fn dechunk(&mut self) {
        loop {
            let Some(line_end) = self.raw.windows(2).position(|w| w == b"\r\n") else {
                return;
            };
            let size_text = String::from_utf8_lossy(&self.raw[..line_end]).to_string();
            let size = usize::from_str_radix(size_text.trim(), 16)
                .unwrap_or_else(|_| panic!("bad chunk size {size_text:?}"));
            let start = line_end + 2;
            if self.raw.len() < start + size + 2 {
                return;
            }
            self.body.extend_from_slice(&self.raw[start..start + size]);
            self.raw.drain(..start + size + 2);
        }
    }

    /// The next complete message in `body`, if any.
    fn parse_one(&mut self) -> Option<Message> {
        loop {
            let end = self.body.windows(2).position(|w| w == b"\n\n")?;
            let text = String::from_utf8(self.body[..end].to_vec()).expect("UTF-8 messages");
            self.body.drain(..end + 2);
            let (mut id, mut event, mut data) = (None, String::new(), None);
            for line in text.lines() {
                if let Some(v) = line.strip_prefix("id: ") {
                    id = Some(v.parse().expect("numeric ids"));
                } else if let Some(v) = line.strip_prefix("event: ") {
                    event = v.to_string();
                } else if let Some(v) = line.strip_prefix("data: ") {
                    assert!(data.is_none(), "one data line per message: {text}");
                    data = Some(serde_json::from_str(v).expect("JSON data"));
                }
            }
            // A comment-only message (keep-alive) is not an event.
            if let Some(data) = data {
                return Some(Message { id, event, data });
            }
        }
    }

    /// The next message, or `None` if none comes within `timeout`.
    pub fn try_next(&mut self, timeout: Duration) -> Option<Message> {
        let deadline = Instant::now() + timeout;
        loop {
            self.dechunk();
            if let Some(m) = self.parse_one() {
                return Some(m);
            }
            if !fill(&mut self.stream, &mut self.raw, deadline) {
                return None;
            }
        }
    }

    /// The next message; panics naming `what` if none comes within [`super::TIMEOUT`].
    #[track_caller]
    pub fn next(&mut self, what: &str) -> Message {
        self.try_next(super::TIMEOUT)
            .unwrap_or_else(|| panic!("timed out waiting for {what} on the event stream"))
    }

    /// The next `n` messages.
    #[track_caller]
    pub fn take(&mut self, n: usize, what: &str) -> Vec<Message> {
        (0..n).map(|_| self.next(what)).collect()
    }
}
