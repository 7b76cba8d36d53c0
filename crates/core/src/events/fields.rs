//! An event's payload as named fields, the way listeners read it: the first line is
//! space-separated `key:value` tokens (Supervisor's `childutils.get_headers`), and the types
//! that carry data (process output, capture-mode blocks, remote communication) have it after the
//! first newline. Front ends that speak JSON build their objects from this.

use super::event::Event;

/// A field's value: the numeric fields of Supervisor's payloads (`pid`, `tries`, `expected`,
/// `when`) as integers, everything else as the text written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValue<'a> {
    /// An integer field.
    Int(i64),
    /// Any other field.
    Str(&'a str),
}

/// An event's payload split into header fields and data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadFields<'a> {
    /// The header fields in payload order.
    pub headers: Vec<(&'a str, FieldValue<'a>)>,
    /// The data after the header line, for the types that carry some.
    pub data: Option<&'a str>,
}

/// Fields whose values are integers in every payload that has them.
const INTEGER_FIELDS: [&str; 4] = ["pid", "tries", "expected", "when"];

impl<'a> PayloadFields<'a> {
    /// Splits `event`'s payload. A token without a colon continues the previous value (a
    /// `sendRemoteCommEvent` type may contain spaces); one before any field is dropped.
    #[must_use]
    pub fn of(event: &'a Event) -> PayloadFields<'a> {
        let payload = event.payload();
        let (line, rest) = payload.split_once('\n').unwrap_or((payload, ""));
        let data = event.kind().carries_data().then_some(rest);
        let mut spans: Vec<(&str, usize, usize)> = Vec::new();
        let mut offset = 0;
        for token in line.split(' ') {
            let start = offset;
            offset += token.len() + 1;
            if token.is_empty() {
                continue;
            }
            match token.split_once(':') {
                Some((key, _)) => spans.push((key, start + key.len() + 1, start + token.len())),
                // Widen the previous value over this token (and the spaces before it).
                None => {
                    if let Some(last) = spans.last_mut() {
                        last.2 = start + token.len();
                    }
                }
            }
        }
        let headers = spans
            .into_iter()
            .map(|(key, from, to)| {
                let text = &line[from..to];
                let value = match text.parse() {
                    Ok(n) if INTEGER_FIELDS.contains(&key) => FieldValue::Int(n),
                    _ => FieldValue::Str(text),
                };
                (key, value)
            })
            .collect();
        PayloadFields { headers, data }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Channel, EventType, TickPeriod};

    #[test]
    fn state_payloads_have_typed_fields_and_no_data() {
        let event = Event::new(
            EventType::ProcessStateExited,
            "processname:web groupname:www from_state:RUNNING expected:0 pid:42".into(),
        );
        let fields = PayloadFields::of(&event);
        assert_eq!(
            fields.headers,
            [
                ("processname", FieldValue::Str("web")),
                ("groupname", FieldValue::Str("www")),
                ("from_state", FieldValue::Str("RUNNING")),
                ("expected", FieldValue::Int(0)),
                ("pid", FieldValue::Int(42)),
            ]
        );
        assert_eq!(fields.data, None);
    }

    #[test]
    fn output_events_carry_their_data() {
        let event = Event::process_log(Channel::Stderr, "p", "g", 7, b"line 1\nline 2\n");
        let fields = PayloadFields::of(&event);
        assert_eq!(fields.headers[2], ("pid", FieldValue::Int(7)));
        assert_eq!(fields.headers[3], ("channel", FieldValue::Str("stderr")));
        assert_eq!(fields.data, Some("line 1\nline 2\n"));
    }

    #[test]
    fn a_value_with_spaces_stays_whole() {
        let event = Event::remote_communication("my type", "hello");
        let fields = PayloadFields::of(&event);
        assert_eq!(fields.headers, [("type", FieldValue::Str("my type"))]);
        assert_eq!(fields.data, Some("hello"));
    }

    #[test]
    fn names_that_look_like_numbers_stay_text() {
        let event = Event::group_added("123");
        let fields = PayloadFields::of(&event);
        assert_eq!(fields.headers, [("groupname", FieldValue::Str("123"))]);
        assert_eq!(fields.data, None);
        let tick = Event::tick(TickPeriod::Five, 1_700_000_005);
        assert_eq!(
            PayloadFields::of(&tick).headers,
            [("when", FieldValue::Int(1_700_000_005))]
        );
        assert!(PayloadFields::of(&Event::supervisor_running())
            .headers
            .is_empty());
    }
}
