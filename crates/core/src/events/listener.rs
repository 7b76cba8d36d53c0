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
//!
//! Memory is bounded whatever the listener writes (Python's is not): each byte is looked at once
//! and only what a decision still needs is kept. That is at most a `READY\n` token's worth, a
//! result line of at most [`MAX_RESULT_LINE`] bytes (longer is a bad result line, handled as
//! Python handles one: UNKNOWN, the event goes back to the pool), and of a result body only
//! whether it is still `OK` (the only result handler is Supervisor's default, which asks
//! nothing else), so `RESULT 9000000000` is counted down, not stored.

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

/// The longest result line accepted, newline excluded: `RESULT ` and a length need a few dozen
/// bytes (recent Pythons' `int()` refuses more than 4300 digits anyway); a listener that writes more
/// without a newline is not speaking the protocol. Python has no limit.
pub const MAX_RESULT_LINE: usize = 4096;

/// How much of an overlong result line the log shows.
const SHOWN_OF_LONG_LINE: usize = 64;

/// A result body being received: how many bytes are still due, and whether those seen so far
/// are a prefix of `OK`, which is all the default result handler asks of a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Body {
    remaining: u64,
    seen: u64,
    ok_so_far: bool,
}

/// The protocol side of one listener process: its state, the unparsed output, the result being
/// collected and the event it is working on.
#[derive(Debug, Clone, Default)]
pub struct Listener {
    state: ListenerState,
    /// Unparsed output: the start of a `READY\n` token (ACKNOWLEDGED), or of a result line
    /// (BUSY), never more than [`MAX_RESULT_LINE`] bytes.
    buffer: Vec<u8>,
    /// The result body being received (BUSY, after the result line).
    body: Option<Body>,
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

    /// The bytes held back for a decision (for tests of the memory bound).
    #[must_use]
    pub fn buffered(&self) -> usize {
        self.buffer.len()
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
    ///
    /// Python's `handle_listener_state_change`, which re-enters itself while its buffer holds
    /// bytes; here `input` is what is left of this read, and each byte is examined once.
    pub fn feed(
        &mut self,
        name: &str,
        data: &[u8],
        logs: &mut Vec<Log>,
        rejected: &mut dyn FnMut(Queued, &mut Vec<Log>),
    ) {
        let mut input = data;
        // Python goes on only while bytes remain, so a `RESULT 0` body waits for more output.
        while !input.is_empty() {
            match self.state {
                ListenerState::Unknown => {
                    // A fatal state: everything is discarded.
                    self.buffer.clear();
                    return;
                }
                ListenerState::Acknowledged => {
                    let wanted = READY_TOKEN.len() - self.buffer.len();
                    if input.len() < wanted {
                        // Not enough to decide yet.
                        self.buffer.extend_from_slice(input);
                        return;
                    }
                    self.buffer.extend_from_slice(&input[..wanted]);
                    input = &input[wanted..];
                    if self.buffer == READY_TOKEN {
                        self.change(name, ListenerState::Ready, logs);
                    } else {
                        self.change(name, ListenerState::Unknown, logs);
                        input = &[];
                    }
                    self.buffer.clear();
                    self.event = None;
                }
                ListenerState::Ready => {
                    // Spurious output while waiting for an event: be strict, like Python.
                    self.change(name, ListenerState::Unknown, logs);
                    self.buffer.clear();
                    self.event = None;
                    return;
                }
                ListenerState::Busy => match self.body {
                    None => match self.take_result_line(name, input, logs, rejected) {
                        Some(rest) => input = rest,
                        None => return,
                    },
                    Some(mut body) => {
                        let take = usize::try_from(body.remaining)
                            .unwrap_or(usize::MAX)
                            .min(input.len());
                        body.receive(&input[..take]);
                        input = &input[take..];
                        if body.remaining > 0 {
                            self.body = Some(body);
                            return;
                        }
                        self.body = None;
                        if let Some(event) = self.handle_result(name, body.is_ok(), logs) {
                            rejected(event, logs);
                        }
                        self.event = None;
                    }
                },
            }
        }
    }

    /// Collects the result line from `input`; once it is complete, parses its length and
    /// returns what follows the newline. `None` when more output is needed, or when the line
    /// is bad (then the listener is UNKNOWN and its event was given back).
    fn take_result_line<'a>(
        &mut self,
        name: &str,
        input: &'a [u8],
        logs: &mut Vec<Log>,
        rejected: &mut dyn FnMut(Queued, &mut Vec<Log>),
    ) -> Option<&'a [u8]> {
        let room = MAX_RESULT_LINE - self.buffer.len();
        let Some(pos) = input.iter().take(room + 1).position(|&b| b == b'\n') else {
            if input.len() <= room {
                self.buffer.extend_from_slice(input);
            } else {
                let wanted = SHOWN_OF_LONG_LINE.saturating_sub(self.buffer.len());
                self.buffer
                    .extend_from_slice(&input[..wanted.min(input.len())]);
                self.buffer.truncate(SHOWN_OF_LONG_LINE);
                let line = std::mem::take(&mut self.buffer);
                let why = format!(" (no newline within {MAX_RESULT_LINE} bytes)");
                let shown = format!("{}...", shown(&line));
                self.bad_result_line(name, &shown, &why, logs, rejected);
            }
            return None;
        };
        self.buffer.extend_from_slice(&input[..pos]);
        let rest = &input[pos + 1..];
        let line = std::mem::take(&mut self.buffer);
        let digits = line.get(RESULT_PREFIX_LEN..).unwrap_or_default();
        match parse_python_int(digits) {
            Some(len) => {
                self.body = Some(Body {
                    remaining: len,
                    seen: 0,
                    ok_so_far: true,
                });
                Some(rest)
            }
            None => {
                self.bad_result_line(name, &shown(&line), "", logs, rejected);
                None
            }
        }
    }

    /// Logs a bad result line (`shown` as the log shows it, then `why` if we refuse what
    /// Python would accept), enters UNKNOWN and gives the event back.
    fn bad_result_line(
        &mut self,
        name: &str,
        shown: &str,
        why: &str,
        logs: &mut Vec<Log>,
        rejected: &mut dyn FnMut(Queued, &mut Vec<Log>),
    ) {
        logs.push(Log::new(
            LogLevel::Warn,
            format!("{name}: bad result line: '{shown}'{why}"),
        ));
        self.change(name, ListenerState::Unknown, logs);
        self.buffer.clear();
        if let Some(event) = self.event.take() {
            rejected(event, logs);
        }
    }

    /// The default result handler (`supervisor.dispatchers:default_handler`): `OK` accepts the
    /// event, anything else rejects it.
    fn handle_result(&mut self, name: &str, ok: bool, logs: &mut Vec<Log>) -> Option<Queued> {
        if ok {
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

impl Body {
    /// Counts `bytes` of the body, remembering whether the body can still be `OK`.
    fn receive(&mut self, bytes: &[u8]) {
        const OK: &[u8] = b"OK";
        // At most three bytes are compared: past `OK`'s length the body cannot be `OK`.
        for (at, &b) in (self.seen..).zip(bytes) {
            if !self.ok_so_far {
                break;
            }
            self.ok_so_far = usize::try_from(at)
                .ok()
                .and_then(|at| OK.get(at))
                .is_some_and(|&ok| ok == b);
        }
        self.seen += bytes.len() as u64;
        self.remaining -= bytes.len() as u64;
    }

    /// Whether the whole body was exactly `OK`.
    fn is_ok(&self) -> bool {
        self.ok_so_far && self.seen == 2
    }
}

/// A result line as the log shows it: text, or Python's bytes repr when it is not UTF-8.
fn shown(line: &[u8]) -> String {
    match std::str::from_utf8(line) {
        Ok(text) => text.to_string(),
        Err(_) => format!("Undecodable: {}", super::event::bytes_repr(line)),
    }
}

/// Python's `int(bytes)` for a result length: surrounding ASCII whitespace, an optional sign,
/// decimal digits with single underscores between them. Negative values are refused (see the
/// module docs); values beyond `u64` saturate (a body is counted, never stored).
fn parse_python_int(raw: &[u8]) -> Option<u64> {
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
    let mut value: u64 = 0;
    for &b in s {
        match b {
            b'0'..=b'9' => {
                value = value.saturating_mul(10).saturating_add(u64::from(b - b'0'));
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
mod tests;
