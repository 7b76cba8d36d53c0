//! The listener protocol's tests: examples, and a transcription of Python's parser that ours
//! must match however output is cut into reads.

use std::sync::Arc;

use proptest::prelude::*;

use super::*;
use crate::events::event::Event;

fn queued(serial: i64) -> Queued {
    Queued {
        event: Arc::new(Event::remote_communication("t", "x")),
        serial,
        poolserial: serial,
    }
}

/// Feeds `data`, returning the log lines and the serials of the events given back.
fn feed(l: &mut Listener, data: &[u8]) -> (Vec<String>, Vec<i64>) {
    let mut logs = Vec::new();
    let mut back = Vec::new();
    l.feed("l", data, &mut logs, &mut |q, _| back.push(q.serial));
    (logs.into_iter().map(|l| l.message).collect(), back)
}

/// A listener BUSY with event 7.
fn busy() -> Listener {
    let mut l = Listener::new();
    let _ = feed(&mut l, b"READY\n");
    l.sent(queued(7));
    l
}

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
    assert_eq!(parse_python_int(b"9000000000"), Some(9_000_000_000));
    assert_eq!(parse_python_int(&[b'9'; 40]), Some(u64::MAX));
}

#[test]
fn a_result_line_without_newline_is_bad_past_the_limit() {
    let mut l = busy();
    let block = [b'x'; 1000];
    for _ in 0..4 {
        assert_eq!(feed(&mut l, &block), (vec![], vec![]));
    }
    assert_eq!(l.buffered(), 4000);
    let (logs, back) = feed(&mut l, &block);
    assert_eq!(
        logs[0],
        format!(
            "l: bad result line: '{}...' (no newline within 4096 bytes)",
            "x".repeat(64)
        )
    );
    assert_eq!(logs[1], "l: BUSY -> UNKNOWN");
    assert_eq!(back, [7], "the event goes back to the pool");
    assert_eq!(l.state(), ListenerState::Unknown);
    assert_eq!(l.buffered(), 0);
    assert_eq!(feed(&mut l, &block), (vec![], vec![]), "then ignored");
    assert_eq!(l.buffered(), 0);
}

#[test]
fn a_result_line_of_exactly_the_limit_is_accepted() {
    let mut l = busy();
    let mut line = b"RESULT ".to_vec();
    line.resize(MAX_RESULT_LINE - 1, b'0');
    line.extend_from_slice(b"2\nOK");
    let (logs, back) = feed(&mut l, &line);
    assert_eq!(logs[0], "l: event was processed");
    assert!(back.is_empty());
    assert_eq!(l.state(), ListenerState::Acknowledged);
}

#[test]
fn a_huge_result_is_counted_not_stored() {
    let mut l = busy();
    assert_eq!(feed(&mut l, b"RESULT 9000000000\n"), (vec![], vec![]));
    let block = vec![b'x'; 64 * 1024];
    for _ in 0..160 {
        assert_eq!(feed(&mut l, &block), (vec![], vec![]));
        assert_eq!(l.buffered(), 0);
    }
    assert_eq!(l.state(), ListenerState::Busy);
    assert_eq!(l.event().map(|q| q.serial), Some(7), "still held");
}

#[test]
fn bodies_are_compared_with_ok_across_reads() {
    for (body, ok) in [
        (&b"RESULT 2\nOK"[..], true),
        (b"RESULT 3\nOKx", false),
        (b"RESULT 2\nOx", false),
        (b"RESULT 1\nO", false),
        (b"RESULT 4\nFAIL", false),
    ] {
        let mut l = busy();
        let mut logs = Vec::new();
        let mut back = Vec::new();
        for b in body {
            let (more, given) = feed(&mut l, std::slice::from_ref(b));
            logs.extend(more);
            back.extend(given);
        }
        let want = if ok { "processed" } else { "rejected" };
        assert!(logs[0].ends_with(want), "{body:?}: {logs:?}");
        assert_eq!(back.is_empty(), ok);
    }
}

/// Python's `handle_listener_state_change`, transcribed with its unbounded buffers, for
/// output whose result lines fit [`MAX_RESULT_LINE`].
#[derive(Default)]
struct Model {
    state: ListenerState,
    buffer: Vec<u8>,
    result: Vec<u8>,
    result_len: Option<u64>,
    event: Option<Queued>,
}

impl Model {
    fn feed(&mut self, data: &[u8], logs: &mut Vec<Log>, back: &mut Vec<i64>) {
        // Logging through a scratch listener keeps the wording in one place.
        let mut words = Listener::new();
        let mut change = |model: &mut Model, new, logs: &mut Vec<Log>| {
            words.state = model.state;
            words.change("l", new, logs);
            model.state = new;
        };
        self.buffer.extend_from_slice(data);
        while !self.buffer.is_empty() {
            match self.state {
                ListenerState::Unknown => self.buffer.clear(),
                ListenerState::Acknowledged => {
                    if self.buffer.len() < READY_TOKEN.len() {
                        return;
                    }
                    if self.buffer.starts_with(READY_TOKEN) {
                        change(self, ListenerState::Ready, logs);
                        self.buffer.drain(..READY_TOKEN.len());
                    } else {
                        change(self, ListenerState::Unknown, logs);
                        self.buffer.clear();
                    }
                    self.event = None;
                }
                ListenerState::Ready => {
                    change(self, ListenerState::Unknown, logs);
                    self.buffer.clear();
                    self.event = None;
                }
                ListenerState::Busy => match self.result_len {
                    None => {
                        let Some(pos) = self.buffer.iter().position(|&b| b == b'\n') else {
                            return;
                        };
                        let line: Vec<u8> = self.buffer.drain(..=pos).take(pos).collect();
                        match parse_python_int(line.get(RESULT_PREFIX_LEN..).unwrap_or(b"")) {
                            Some(n) => self.result_len = Some(n),
                            None => {
                                logs.push(Log::new(
                                    LogLevel::Warn,
                                    format!("l: bad result line: '{}'", shown(&line)),
                                ));
                                change(self, ListenerState::Unknown, logs);
                                self.buffer.clear();
                                back.extend(self.event.take().map(|q| q.serial));
                            }
                        }
                    }
                    Some(len) => {
                        let needed = usize::try_from(len).unwrap() - self.result.len();
                        let take = needed.min(self.buffer.len());
                        self.result.extend(self.buffer.drain(..take));
                        if self.result.len() as u64 == len {
                            let ok = self.result == b"OK";
                            let word = if ok { "processed" } else { "rejected" };
                            let level = if ok { LogLevel::Debug } else { LogLevel::Warn };
                            logs.push(Log::new(level, format!("l: event was {word}")));
                            change(self, ListenerState::Acknowledged, logs);
                            if !ok {
                                back.extend(self.event.take().map(|q| q.serial));
                            }
                            self.event = None;
                            self.result.clear();
                            self.result_len = None;
                        }
                    }
                },
            }
        }
    }
}

/// Protocol tokens, mostly valid ones, that keep every line short.
fn token() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => Just(b"READY\n".to_vec()),
        3 => Just(b"RESULT 2\nOK".to_vec()),
        2 => Just(b"RESULT 4\nFAIL".to_vec()),
        1 => Just(b"RESULT 0\n".to_vec()),
        1 => Just(b"RESULT 1\nO".to_vec()),
        1 => Just(b"RESULT 3\nOK!".to_vec()),
        1 => Just(b"RESULT x\n".to_vec()),
        1 => Just(b"RESULT -1\n".to_vec()),
        1 => Just(b"\n".to_vec()),
        1 => prop::collection::vec(any::<u8>(), 0..12),
    ]
}

/// One step of a listener's life as the daemon sees it.
#[derive(Debug, Clone)]
enum Step {
    /// An event is sent, if the listener is READY.
    Send,
    /// The process is spawned again (the way out of UNKNOWN).
    Respawn,
    /// One read of its stdout.
    Read(Vec<u8>),
}

/// Steps whose output, made of tokens, is cut into reads at arbitrary points.
fn steps() -> impl Strategy<Value = Vec<Step>> {
    let part = prop_oneof![
        3 => Just(None),
        1 => Just(Some(Step::Respawn)),
        6 => prop::collection::vec(token(), 1..4).prop_map(|t| Some(Step::Read(t.concat()))),
    ];
    (
        prop::collection::vec(part, 1..40),
        prop::collection::vec(1usize..16, 1..20),
    )
        .prop_map(|(parts, cuts)| {
            let mut cuts = cuts.into_iter().cycle();
            let mut steps = Vec::new();
            for part in parts {
                match part {
                    None => steps.push(Step::Send),
                    Some(Step::Read(all)) => {
                        let mut at = 0;
                        while at < all.len() {
                            let end = (at + cuts.next().unwrap_or(1)).min(all.len());
                            steps.push(Step::Read(all[at..end].to_vec()));
                            at = end;
                        }
                    }
                    Some(step) => steps.push(step),
                }
            }
            steps
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// However the output is cut into reads, the listener logs, changes state and gives
    /// events back exactly as Python's parser does.
    #[test]
    fn parses_like_python_whatever_the_reads(steps in steps()) {
        let mut ours = Listener::new();
        let mut python = Model::default();
        let mut serial = 0;
        for step in steps {
            match step {
                Step::Send => {
                    prop_assert_eq!(ours.state(), python.state);
                    if ours.state() == ListenerState::Ready {
                        serial += 1;
                        ours.sent(queued(serial));
                        python.state = ListenerState::Busy;
                        python.event = Some(queued(serial));
                    }
                }
                Step::Respawn => {
                    let _ = ours.reset();
                    python = Model::default();
                }
                Step::Read(data) => {
                    let (mut want_logs, mut want_back) = (Vec::new(), Vec::new());
                    python.feed(&data, &mut want_logs, &mut want_back);
                    let (logs, back) = feed(&mut ours, &data);
                    let want: Vec<String> =
                        want_logs.into_iter().map(|l| l.message).collect();
                    prop_assert_eq!(logs, want);
                    prop_assert_eq!(back, want_back);
                    prop_assert_eq!(ours.state(), python.state);
                    prop_assert_eq!(
                        ours.event().map(|q| q.serial),
                        python.event.as_ref().map(|q| q.serial)
                    );
                }
            }
        }
    }

    /// Whatever a listener writes, at most a result line's worth is held back.
    #[test]
    fn holds_at_most_a_result_line(
        reads in prop::collection::vec(
            prop_oneof![
                prop::collection::vec(any::<u8>(), 0..64),
                prop::collection::vec(Just(b'x'), 0..3000),
                Just(b"RESULT 5\n".to_vec()),
                Just(b"READY\n".to_vec()),
            ],
            1..40,
        ),
        ready_at in prop::collection::vec(any::<bool>(), 40),
    ) {
        let mut l = Listener::new();
        for (i, data) in reads.iter().enumerate() {
            if ready_at[i] && l.state() == ListenerState::Ready {
                l.sent(queued(i as i64));
            }
            let _ = feed(&mut l, data);
            prop_assert!(l.buffered() <= MAX_RESULT_LINE);
        }
    }
}
