//! Events as values: the type and the exact payload text (spec §7.2), and the envelope a listener
//! reads (spec §7.4).
//!
//! Payloads are rendered when the event is created, as Python's `ProcessStateEvent` captures its
//! values eagerly: a pid that changes later does not change an event already buffered.

use std::fmt::Write as _;

use super::types::EventType;
use crate::process::StateChange;

/// Which output stream of a process an output event comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// The process's stdout.
    Stdout,
    /// The process's stderr.
    Stderr,
}

impl Channel {
    /// `stdout` or `stderr`, as in the `channel:` token of `PROCESS_LOG_*` payloads.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Channel::Stdout => "stdout",
            Channel::Stderr => "stderr",
        }
    }
}

/// One of the three TICK periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TickPeriod {
    /// `TICK_5`.
    Five,
    /// `TICK_60`.
    Sixty,
    /// `TICK_3600`.
    Hour,
}

impl TickPeriod {
    /// Every period, shortest first (Python's `TICK_EVENTS` order, which is the emission order).
    pub const ALL: [TickPeriod; 3] = [TickPeriod::Five, TickPeriod::Sixty, TickPeriod::Hour];

    /// The period's length in seconds.
    #[must_use]
    pub const fn seconds(self) -> u64 {
        match self {
            TickPeriod::Five => 5,
            TickPeriod::Sixty => 60,
            TickPeriod::Hour => 3600,
        }
    }

    /// The event type emitted for this period.
    #[must_use]
    pub const fn event_type(self) -> EventType {
        match self {
            TickPeriod::Five => EventType::Tick5,
            TickPeriod::Sixty => EventType::Tick60,
            TickPeriod::Hour => EventType::Tick3600,
        }
    }
}

/// An event: its concrete type and its payload, rendered when the event was created.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Event {
    kind: EventType,
    payload: String,
}

impl Event {
    /// An event of type `kind` with an arbitrary payload (for tests and future types).
    #[must_use]
    pub fn new(kind: EventType, payload: String) -> Event {
        Event { kind, payload }
    }

    /// The event's concrete type.
    #[must_use]
    pub fn kind(&self) -> EventType {
        self.kind
    }

    /// The payload text.
    #[must_use]
    pub fn payload(&self) -> &str {
        &self.payload
    }

    /// `PROCESS_STATE_*` for a state change of process `process` in group `group`, e.g.
    /// `processname:web groupname:web from_state:STARTING pid:42`.
    #[must_use]
    pub fn process_state(change: &StateChange, process: &str, group: &str) -> Event {
        Event {
            kind: EventType::for_state(change.to),
            payload: change.payload(process, group),
        }
    }

    /// `PROCESS_LOG_STDOUT/STDERR` for one chunk of output:
    /// `processname:P groupname:G pid:N channel:stdout\nDATA`.
    #[must_use]
    pub fn process_log(
        channel: Channel,
        process: &str,
        group: &str,
        pid: u32,
        data: &[u8],
    ) -> Event {
        let kind = match channel {
            Channel::Stdout => EventType::ProcessLogStdout,
            Channel::Stderr => EventType::ProcessLogStderr,
        };
        let mut payload = format!(
            "processname:{process} groupname:{group} pid:{pid} channel:{}\n",
            channel.name()
        );
        push_decoded(&mut payload, data);
        Event { kind, payload }
    }

    /// `PROCESS_COMMUNICATION_STDOUT/STDERR` for the bytes between the capture tokens:
    /// `processname:P groupname:G pid:N\nDATA`.
    #[must_use]
    pub fn process_communication(
        channel: Channel,
        process: &str,
        group: &str,
        pid: u32,
        data: &[u8],
    ) -> Event {
        let kind = match channel {
            Channel::Stdout => EventType::ProcessCommunicationStdout,
            Channel::Stderr => EventType::ProcessCommunicationStderr,
        };
        let mut payload = format!("processname:{process} groupname:{group} pid:{pid}\n");
        push_decoded(&mut payload, data);
        Event { kind, payload }
    }

    /// `REMOTE_COMMUNICATION` from `sendRemoteCommEvent(type, data)`: `type:TYPE\nDATA`.
    #[must_use]
    pub fn remote_communication(kind: &str, data: &str) -> Event {
        Event {
            kind: EventType::RemoteCommunication,
            payload: format!("type:{kind}\n{data}"),
        }
    }

    /// `SUPERVISOR_STATE_CHANGE_RUNNING` (empty payload).
    #[must_use]
    pub fn supervisor_running() -> Event {
        Event::new(EventType::SupervisorStateChangeRunning, String::new())
    }

    /// `SUPERVISOR_STATE_CHANGE_STOPPING` (empty payload).
    #[must_use]
    pub fn supervisor_stopping() -> Event {
        Event::new(EventType::SupervisorStateChangeStopping, String::new())
    }

    /// `TICK_5/60/3600` for the time slice starting at `when` (epoch seconds): `when:T`.
    #[must_use]
    pub fn tick(period: TickPeriod, when: i64) -> Event {
        Event::new(period.event_type(), format!("when:{when}"))
    }

    /// `PROCESS_GROUP_ADDED`: `groupname:NAME\n` (with the newline).
    #[must_use]
    pub fn group_added(group: &str) -> Event {
        Event::new(EventType::ProcessGroupAdded, format!("groupname:{group}\n"))
    }

    /// `PROCESS_GROUP_REMOVED`: `groupname:NAME\n` (with the newline).
    #[must_use]
    pub fn group_removed(group: &str) -> Event {
        Event::new(
            EventType::ProcessGroupRemoved,
            format!("groupname:{group}\n"),
        )
    }
}

/// The envelope written to a listener's stdin: the header line and the payload.
///
/// `len` is the payload's length in *characters*, not bytes (Q40, copied): Python listeners read
/// the payload from a text stream with `read(len)`, which counts characters, so a byte count
/// would make them wait for data that never comes when the payload is not ASCII.
#[must_use]
pub fn envelope(
    identifier: &str,
    serial: i64,
    pool: &str,
    poolserial: i64,
    event: &Event,
) -> String {
    let payload = event.payload();
    let mut out = String::with_capacity(payload.len() + 128);
    // Writing to a String cannot fail.
    let _ = writeln!(
        out,
        "ver:3.0 server:{identifier} serial:{serial} pool:{pool} poolserial:{poolserial} \
         eventname:{} len:{}",
        event.kind().name(),
        payload.chars().count()
    );
    out.push_str(payload);
    out
}

/// Appends `data` as Python's `as_string` would, or `Undecodable: b'…'` if it is not UTF-8.
fn push_decoded(out: &mut String, data: &[u8]) {
    match std::str::from_utf8(data) {
        Ok(text) => out.push_str(text),
        Err(_) => {
            out.push_str("Undecodable: ");
            push_bytes_repr(out, data);
        }
    }
}

/// Python's `repr()` of a `bytes` value, e.g. `b'a\xff\n'`.
#[must_use]
pub fn bytes_repr(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() + 3);
    push_bytes_repr(&mut out, data);
    out
}

fn push_bytes_repr(out: &mut String, data: &[u8]) {
    // Python prefers single quotes, and switches to double quotes only when the value contains
    // a single quote and no double quote.
    let quote = if data.contains(&b'\'') && !data.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    out.push('b');
    out.push(quote);
    for &b in data {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            _ if b == quote as u8 => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out.push(quote);
}
