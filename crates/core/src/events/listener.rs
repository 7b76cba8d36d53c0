//! The event listener protocol, as Supervisor's `PEventListenerDispatcher` parses a listener's
//! stdout (spec §7.4).
//!
//! A listener writes `READY\n` when it can take an event; supervisord then writes one envelope
//! to its stdin and the listener is BUSY until it answers `RESULT <n>\n` followed by exactly `n`
//! bytes of result body. The default result handler accepts the body `OK`; anything else
//! rejects the event, which goes back to the head of the pool's buffer and is sent again.
//!
//! Bytes are buffered across reads and several tokens may arrive in one read
//! (`RESULT 2\nOKREADY\n`). Quirks copied from Python: the `RESULT ` prefix is not checked, only
//! skipped (any seven characters do, Q41); a `RESULT 0` body is handled only when more output
//! arrives. One deliberate difference: a negative length is a bad result line (Python would
//! leave the listener BUSY forever, swallowing its output).

use super::pool::Queued;
use super::Log;
use crate::state::LogLevel;

/// `READY\n`: the listener can take an event.
pub const READY_TOKEN: &[u8] = b"READY\n";

/// The length of the `RESULT ` prefix, skipped without being checked.
const RESULT_PREFIX_LEN: usize = b"RESULT ".len();

/// A listener process's protocol state, with Supervisor's codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ListenerState {
    /// 10: may be sent one event.
    Ready,
    /// 20: an event was sent; waiting for its result.
    Busy,
    /// 30: initial, or a result was handled; waiting for `READY\n`.
    #[default]
    Acknowledged,
    /// 40: the protocol was violated; no more events until the process restarts.
    Unknown,
}

impl ListenerState {
    /// The numeric code.
    #[must_use]
    pub const fn code(self) -> i32 {
        match self {
            ListenerState::Ready => 10,
            ListenerState::Busy => 20,
            ListenerState::Acknowledged => 30,
            ListenerState::Unknown => 40,
        }
    }

    /// The name used in log messages.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            ListenerState::Ready => "READY",
            ListenerState::Busy => "BUSY",
            ListenerState::Acknowledged => "ACKNOWLEDGED",
            ListenerState::Unknown => "UNKNOWN",
        }
    }
}

/// The protocol side of one listener process: its state, the unparsed output, the result being
/// collected and the event it is working on.
#[derive(Debug, Clone, Default)]
pub struct Listener {
    state: ListenerState,
    buffer: Vec<u8>,
    result: Vec<u8>,
    result_len: Option<usize>,
    event: Option<Queued>,
}

impl Listener {
    /// A listener as a fresh spawn leaves it: ACKNOWLEDGED, nothing buffered.
    #[must_use]
    pub fn new() -> Listener {
        Listener::default()
    }

    /// The protocol state.
    #[must_use]
    pub fn state(&self) -> ListenerState {
        self.state
    }

    /// The event sent and not yet answered, if any.
    #[must_use]
    pub fn event(&self) -> Option<&Queued> {
        self.event.as_ref()
    }

    /// The process was (re)spawned: back to ACKNOWLEDGED with nothing buffered. Python sets the
    /// state without logging a transition. Returns the event still held, which only happens if
    /// the death that should have released it was never reported.
    pub fn reset(&mut self) -> Option<Queued> {
        let held = self.event.take();
        *self = Listener::new();
        held
    }

    /// The process died: returns the event it was working on, to be sent again (Python's
    /// `EventRejectedEvent` from `Subprocess.finish`). The state is left as it was; a spawn
    /// resets it.
    pub fn died(&mut self) -> Option<Queued> {
        self.event.take()
    }

    /// An envelope was written: the listener is BUSY with `event` (set silently, as Python does).
    pub(crate) fn sent(&mut self, event: Queued) {
        self.state = ListenerState::Busy;
        self.event = Some(event);
    }

    /// Feeds output read from the listener's stdout; `name` is the process name used in log
    /// messages. `rejected` receives, as soon as it happens, the event the listener rejected
    /// (or broke the protocol on), to be put back at the head of the pool's buffer.
    pub fn feed(
        &mut self,
        name: &str,
        data: &[u8],
        logs: &mut Vec<Log>,
        rejected: &mut dyn FnMut(Queued, &mut Vec<Log>),
    ) {
        self.buffer.extend_from_slice(data);
        // Python recurses while bytes remain; this loop returns where it would stop.
        while !self.buffer.is_empty() {
            match self.state {
                ListenerState::Unknown => {
                    self.buffer.clear();
                }
                ListenerState::Acknowledged => {
                    if self.buffer.len() < READY_TOKEN.len() {
                        break;
                    }
                    if self.buffer.starts_with(READY_TOKEN) {
                        self.change(name, ListenerState::Ready, logs);
                        self.buffer.drain(..READY_TOKEN.len());
                    } else {
                        self.change(name, ListenerState::Unknown, logs);
                        self.buffer.clear();
                    }
                    self.event = None;
                }
                ListenerState::Ready => {
                    // Spurious output while waiting for an event: be strict, like Python.
                    self.change(name, ListenerState::Unknown, logs);
                    self.buffer.clear();
                    self.event = None;
                }
                ListenerState::Busy => match self.result_len {
                    None => {
                        let Some(pos) = self.buffer.iter().position(|&b| b == b'\n') else {
                            break;
                        };
                        let line: Vec<u8> = self.buffer.drain(..=pos).take(pos).collect();
                        let digits = line.get(RESULT_PREFIX_LEN..).unwrap_or_default();
                        match parse_python_int(digits) {
                            Some(len) => self.result_len = Some(len),
                            None => {
                                let shown = match std::str::from_utf8(&line) {
                                    Ok(text) => text.to_string(),
                                    Err(_) => {
                                        format!("Undecodable: {}", super::event::bytes_repr(&line))
                                    }
                                };
                                logs.push(Log::new(
                                    LogLevel::Warn,
                                    format!("{name}: bad result line: '{shown}'"),
                                ));
                                self.change(name, ListenerState::Unknown, logs);
                                self.buffer.clear();
                                if let Some(event) = self.event.take() {
                                    rejected(event, logs);
                                }
                                break;
                            }
                        }
                    }
                    Some(len) => {
                        let needed = len - self.result.len();
                        let take = needed.min(self.buffer.len());
                        self.result.extend(self.buffer.drain(..take));
                        if self.result.len() == len {
                            let result = std::mem::take(&mut self.result);
                            self.result_len = None;
                            if let Some(event) = self.handle_result(name, &result, logs) {
                                rejected(event, logs);
                            }
                            self.event = None;
                        }
                    }
                },
            }
        }
    }

    /// The default result handler (`supervisor.dispatchers:default_handler`): `OK` accepts the
    /// event, anything else rejects it.
    fn handle_result(&mut self, name: &str, result: &[u8], logs: &mut Vec<Log>) -> Option<Queued> {
        if result == b"OK" {
            logs.push(Log::new(
                LogLevel::Debug,
                format!("{name}: event was processed"),
            ));
            self.change(name, ListenerState::Acknowledged, logs);
            None
        } else {
            logs.push(Log::new(
                LogLevel::Warn,
                format!("{name}: event was rejected"),
            ));
            self.change(name, ListenerState::Acknowledged, logs);
            self.event.take()
        }
    }

    fn change(&mut self, name: &str, new: ListenerState, logs: &mut Vec<Log>) {
        logs.push(Log::new(
            LogLevel::Debug,
            format!("{name}: {} -> {}", self.state.name(), new.name()),
        ));
        self.state = new;
        if new == ListenerState::Unknown {
            logs.push(Log::new(
                LogLevel::Warn,
                format!(
                    "{name}: has entered the UNKNOWN state and will no longer receive events, \
                     this usually indicates the process violated the eventlistener protocol"
                ),
            ));
        }
    }
}

/// Python's `int(bytes)` for a result length: surrounding ASCII whitespace, an optional sign,
/// decimal digits with single underscores between them. Negative values are refused (see the
/// module docs); values too large for memory saturate (the listener would never send them).
fn parse_python_int(raw: &[u8]) -> Option<usize> {
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r');
    let start = raw.iter().position(|b| !is_space(b))?;
    let end = raw.iter().rposition(|b| !is_space(b))? + 1;
    let mut s = &raw[start..end];
    let negative = match s.first() {
        Some(b'-') => {
            s = &s[1..];
            true
        }
        Some(b'+') => {
            s = &s[1..];
            false
        }
        _ => false,
    };
    if s.is_empty() || s[0] == b'_' || s[s.len() - 1] == b'_' || s.windows(2).any(|w| w == b"__") {
        return None;
    }
    let mut value: usize = 0;
    for &b in s {
        match b {
            b'0'..=b'9' => {
                value = value
                    .saturating_mul(10)
                    .saturating_add(usize::from(b - b'0'));
            }
            b'_' => {}
            _ => return None,
        }
    }
    if negative && value != 0 {
        return None;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::parse_python_int;

    #[test]
    fn result_lengths_parse_like_python_int() {
        assert_eq!(parse_python_int(b"2"), Some(2));
        assert_eq!(parse_python_int(b" 2\r"), Some(2));
        assert_eq!(parse_python_int(b"\x0b2\x0c"), Some(2));
        assert_eq!(parse_python_int(b"1_0"), Some(10));
        assert_eq!(parse_python_int(b"+3"), Some(3));
        assert_eq!(parse_python_int(b"-0"), Some(0));
        assert_eq!(parse_python_int(b"-1"), None);
        assert_eq!(parse_python_int(b""), None);
        assert_eq!(parse_python_int(b"1__0"), None);
        assert_eq!(parse_python_int(b"_1"), None);
        assert_eq!(parse_python_int(b"0x10"), None);
        assert_eq!(parse_python_int(b"OK"), None);
    }
}
