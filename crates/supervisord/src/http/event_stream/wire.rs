//! The event stream's wire format: Server-Sent Events whose `data:` is one line of JSON.
//!
//! ```text
//! id: 1764000000000042
//! event: PROCESS_STATE_RUNNING
//! data: {"id":1764000000000042,"type":"PROCESS_STATE_RUNNING","serial":7,"time":1764000012.5,"payload":{"processname":"web","groupname":"web","from_state":"STARTING","pid":4242}}
//!
//! ```
//!
//! `payload` holds the event's header fields as the listener protocol writes them (`pid`,
//! `tries`, `expected` and `when` as numbers, the rest as strings) and, for output and remote
//! communication events, the text after the header line as `data`. `serial` is the listener
//! protocol's serial, `null` when no listener pool took the event. A reset is
//! `event: reset` with `{"id", "type": "reset", "last_event_id", "missed", "reason"}`, its `id`
//! being where the stream continues.

use std::fmt::Write as _;

use bytes::Bytes;
use serde_json::Value;
use supervisor_core::events::{FieldValue, Gap, PayloadFields};

use crate::events::Recorded;

/// The comment sent when nothing else was for a while: proxies close connections that stay
/// silent (nginx after 60 s by default), and a write is how a vanished client is noticed.
pub const KEEP_ALIVE: &[u8] = b": keep-alive\n\n";

/// Appends `text` as a JSON string.
fn push_str(out: &mut String, text: &str) {
    // Serializing a string cannot fail.
    out.push_str(&serde_json::to_string(text).unwrap_or_default());
}

/// The SSE message for a recorded event.
pub fn event(recorded: &Recorded) -> Bytes {
    let event = &recorded.event;
    let name = event.kind().name();
    let mut out = String::with_capacity(event.payload().len() + 200);
    let _ = write!(
        out,
        "id: {}\nevent: {name}\ndata: {{\"id\":{},\"type\":\"{name}\",\"serial\":",
        recorded.id, recorded.id
    );
    match recorded.serial {
        Some(serial) => {
            let _ = write!(out, "{serial}");
        }
        None => out.push_str("null"),
    }
    out.push_str(",\"time\":");
    out.push_str(&Value::from(recorded.time).to_string());
    out.push_str(",\"payload\":{");
    let fields = PayloadFields::of(event);
    let mut first = true;
    for (key, value) in &fields.headers {
        if !std::mem::take(&mut first) {
            out.push(',');
        }
        push_str(&mut out, key);
        out.push(':');
        match value {
            FieldValue::Int(n) => {
                let _ = write!(out, "{n}");
            }
            FieldValue::Str(text) => push_str(&mut out, text),
        }
    }
    if let Some(data) = fields.data {
        if !first {
            out.push(',');
        }
        out.push_str("\"data\":");
        push_str(&mut out, data);
    }
    out.push_str("}}\n\n");
    Bytes::from(out)
}

/// The SSE message saying the events after `after` are not all there: `gap.missed` of them
/// are gone (unknown for an id this daemon never gave out), and the stream goes on after
/// `gap.resume_after`.
pub fn reset(after: u64, gap: Gap, history: usize) -> Bytes {
    let (missed, reason) = match gap.missed {
        Some(n) => (
            n.to_string(),
            format!(
                "{n} event(s) after id {after} are no longer kept (event_history keeps the last \
                 {history}); re-read the state, the stream goes on from here"
            ),
        ),
        None => (
            "null".to_string(),
            format!(
                "id {after} was not given out by this run of supervisord; re-read the state, \
                 the stream goes on from here"
            ),
        ),
    };
    let id = gap.resume_after;
    let mut out = format!(
        "id: {id}\nevent: reset\ndata: {{\"id\":{id},\"type\":\"reset\",\"last_event_id\":{after},\
         \"missed\":{missed},\"reason\":"
    );
    push_str(&mut out, &reason);
    out.push_str("}\n\n");
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use supervisor_core::events::{Channel, Event};

    use super::*;

    fn data(message: &[u8]) -> Value {
        let text = std::str::from_utf8(message).unwrap();
        let line = text.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
        serde_json::from_str(line).unwrap()
    }

    #[test]
    fn a_state_event_is_one_message_of_typed_json() {
        let event = Event::new(
            supervisor_core::events::EventType::ProcessStateRunning,
            "processname:web groupname:www from_state:STARTING pid:42".into(),
        );
        let wire = event_message(Recorded::new(17, 1.5, Some(3), Arc::new(event)));
        assert!(wire.starts_with(b"id: 17\nevent: PROCESS_STATE_RUNNING\ndata: {"));
        assert!(wire.ends_with(b"}\n\n"));
        assert_eq!(wire.iter().filter(|b| **b == b'\n').count(), 4);
        assert_eq!(
            data(&wire),
            serde_json::json!({
                "id": 17, "type": "PROCESS_STATE_RUNNING", "serial": 3, "time": 1.5,
                "payload": {"processname": "web", "groupname": "www",
                            "from_state": "STARTING", "pid": 42}
            })
        );
    }

    fn event_message(recorded: Recorded) -> Bytes {
        event(&recorded)
    }

    #[test]
    fn output_keeps_its_newlines_inside_the_json() {
        let event = Event::process_log(Channel::Stdout, "p", "g", 9, b"a\nb \"q\"\n");
        let wire = event_message(Recorded::new(1, 0.0, None, Arc::new(event)));
        let json = data(&wire);
        assert_eq!(json["serial"], Value::Null);
        assert_eq!(json["payload"]["data"], "a\nb \"q\"\n");
        assert_eq!(json["payload"]["channel"], "stdout");
        assert_eq!(wire.iter().filter(|b| **b == b'\n').count(), 4);
    }

    #[test]
    fn a_reset_says_how_many_and_where_the_stream_goes_on() {
        let gap = Gap {
            missed: Some(12),
            resume_after: 40,
        };
        let wire = reset(28, gap, 10);
        assert!(wire.starts_with(b"id: 40\nevent: reset\ndata: "));
        let json = data(&wire);
        assert_eq!(json["missed"], 12);
        assert_eq!(json["last_event_id"], 28);
        assert_eq!(json["id"], 40);
        let foreign = data(&reset(
            5,
            Gap {
                missed: None,
                resume_after: 40,
            },
            10,
        ));
        assert_eq!(foreign["missed"], Value::Null);
        assert!(foreign["reason"]
            .as_str()
            .unwrap()
            .contains("not given out"));
    }
}
