//! The event hub against Supervisor 4.3.0's behaviour (spec §7): subscriptions, serials,
//! envelopes, buffers and their overflow, the listener protocol and re-delivery.

use std::cell::RefCell;

use supervisor_core::events::{
    envelope, BrokenPipe, Event, EventType, Hub, ListenerId, ListenerState, Log, PoolSpec,
    Subscription, TickClock, TickPeriod,
};
use supervisor_core::{ProcessState, StateChange};

fn pool(
    name: &str,
    buffer_size: usize,
    events: &[&str],
    listeners: &[(ListenerId, &str)],
) -> PoolSpec {
    PoolSpec {
        name: name.into(),
        buffer_size,
        subscription: Subscription::from_names(events).unwrap(),
        listeners: listeners.iter().map(|(i, n)| (*i, n.to_string())).collect(),
    }
}

fn lines(logs: &[Log]) -> Vec<String> {
    logs.iter()
        .map(|l| format!("{} {}", l.level.tag(), l.message))
        .collect()
}

/// A dispatch that records every envelope written, per listener.
struct Pipes {
    written: RefCell<Vec<(ListenerId, String)>>,
    broken: Vec<ListenerId>,
}

impl Pipes {
    fn new() -> Pipes {
        Pipes {
            written: RefCell::new(Vec::new()),
            broken: Vec::new(),
        }
    }

    fn dispatch(&self, hub: &mut Hub) -> Vec<String> {
        lines(&hub.dispatch("sid", |id, text| {
            if self.broken.contains(&id) {
                return Err(BrokenPipe);
            }
            self.written.borrow_mut().push((id, text.to_string()));
            Ok(())
        }))
    }

    fn take(&self) -> Vec<(ListenerId, String)> {
        std::mem::take(&mut self.written.borrow_mut())
    }
}

fn remote(data: &str) -> Event {
    Event::remote_communication("t", data)
}

/// A listener spawned, RUNNING and READY.
fn ready(hub: &mut Hub, id: ListenerId) {
    let _ = hub.listener_spawned(id);
    hub.listener_running(id, true);
    let _ = hub.feed(id, b"READY\n");
    assert_eq!(hub.listener_state(id), Some(ListenerState::Ready));
}

#[test]
fn hierarchy_and_names() {
    assert_eq!(EventType::ALL.len(), 27);
    for t in EventType::ALL {
        assert_eq!(EventType::from_name(t.name()), Some(t));
        assert!(t.is_a(EventType::Event));
    }
    assert!(EventType::ProcessStateRunning.is_a(EventType::ProcessState));
    assert!(!EventType::ProcessStateRunning.is_a(EventType::ProcessLog));
    assert!(EventType::Tick60.is_a(EventType::Tick));
    let abstract_: Vec<_> = EventType::ALL
        .into_iter()
        .filter(|t| t.is_abstract())
        .map(EventType::name)
        .collect();
    assert_eq!(
        abstract_,
        [
            "EVENT",
            "PROCESS_STATE",
            "PROCESS_COMMUNICATION",
            "PROCESS_LOG",
            "SUPERVISOR_STATE_CHANGE",
            "TICK",
            "PROCESS_GROUP"
        ]
    );
    assert!(Subscription::from_names(&["NOPE"]).is_err());
}

#[test]
fn subscriptions_cover_subtypes() {
    let s = Subscription::from_names(&["PROCESS_STATE", "TICK_60"]).unwrap();
    assert!(s.matches(EventType::ProcessStateExited));
    assert!(s.matches(EventType::Tick60));
    assert!(!s.matches(EventType::Tick5));
    assert!(!s.matches(EventType::ProcessLogStdout));
    let all = Subscription::from_names(&["EVENT"]).unwrap();
    assert_eq!(all.types().count(), 20, "every concrete type");
}

#[test]
fn overlapping_subscriptions_deliver_once_q42() {
    let mut hub = Hub::default();
    hub.add_pool(pool(
        "p",
        10,
        &["PROCESS_STATE", "PROCESS_STATE_RUNNING", "EVENT"],
        &[(1, "l")],
    ));
    let change = StateChange {
        from: ProcessState::Starting,
        to: ProcessState::Running,
        expected: true,
        tries: 0,
        pid: 42,
    };
    let logs = hub.publish(Event::process_state(&change, "web", "web"));
    assert!(logs.is_empty());
    assert_eq!(hub.pool("p").unwrap().buffered().count(), 1);
}

#[test]
fn envelope_is_exact_and_len_counts_characters_q40() {
    let e = Event::remote_communication("mytype", "my data é");
    assert_eq!(
        envelope("myident", 12, "rec", 3, &e),
        "ver:3.0 server:myident serial:12 pool:rec poolserial:3 eventname:REMOTE_COMMUNICATION \
         len:21\ntype:mytype\nmy data é"
    );
    let empty = Event::supervisor_running();
    assert_eq!(
        envelope("supervisor", 0, "p", 0, &empty),
        "ver:3.0 server:supervisor serial:0 pool:p poolserial:0 \
         eventname:SUPERVISOR_STATE_CHANGE_RUNNING len:0\n"
    );
}

#[test]
fn payloads_are_exact() {
    let c = |from, to, expected, tries, pid| StateChange {
        from,
        to,
        expected,
        tries,
        pid,
    };
    use ProcessState as S;
    let cases = [
        (
            c(S::Stopped, S::Starting, true, 0, 0),
            "PROCESS_STATE_STARTING",
            "processname:a groupname:g from_state:STOPPED tries:0",
        ),
        (
            c(S::Starting, S::Backoff, true, 1, 0),
            "PROCESS_STATE_BACKOFF",
            "processname:a groupname:g from_state:STARTING tries:1",
        ),
        (
            c(S::Starting, S::Running, true, 0, 7),
            "PROCESS_STATE_RUNNING",
            "processname:a groupname:g from_state:STARTING pid:7",
        ),
        (
            c(S::Running, S::Exited, false, 0, 7),
            "PROCESS_STATE_EXITED",
            "processname:a groupname:g from_state:RUNNING expected:0 pid:7",
        ),
        (
            c(S::Running, S::Stopping, true, 0, 7),
            "PROCESS_STATE_STOPPING",
            "processname:a groupname:g from_state:RUNNING pid:7",
        ),
        (
            c(S::Stopping, S::Stopped, true, 0, 7),
            "PROCESS_STATE_STOPPED",
            "processname:a groupname:g from_state:STOPPING pid:7",
        ),
        (
            c(S::Backoff, S::Fatal, true, 3, 0),
            "PROCESS_STATE_FATAL",
            "processname:a groupname:g from_state:BACKOFF",
        ),
    ];
    for (change, name, payload) in cases {
        let e = Event::process_state(&change, "a", "g");
        assert_eq!((e.kind().name(), e.payload()), (name, payload));
    }
    let log = Event::process_log(
        supervisor_core::events::Channel::Stderr,
        "a",
        "g",
        9,
        b"x\xff'\n",
    );
    assert_eq!(log.kind(), EventType::ProcessLogStderr);
    assert_eq!(
        log.payload(),
        "processname:a groupname:g pid:9 channel:stderr\nUndecodable: b\"x\\xff'\\n\""
    );
    let comm = Event::process_communication(
        supervisor_core::events::Channel::Stdout,
        "a",
        "g",
        9,
        "é".as_bytes(),
    );
    assert_eq!(comm.kind(), EventType::ProcessCommunicationStdout);
    assert_eq!(comm.payload(), "processname:a groupname:g pid:9\né");
    assert_eq!(Event::group_added("g").payload(), "groupname:g\n");
    assert_eq!(
        Event::group_removed("g").kind(),
        EventType::ProcessGroupRemoved
    );
    assert_eq!(
        Event::tick(TickPeriod::Sixty, 1_795_615_780).payload(),
        "when:1795615780"
    );
    assert_eq!(Event::supervisor_stopping().payload(), "");
}

fn serials(hub: &Hub, name: &str) -> Vec<(i64, i64)> {
    hub.pool(name)
        .unwrap()
        .buffered()
        .map(|q| (q.serial, q.poolserial))
        .collect()
}

#[test]
fn serials_are_global_and_per_pool_and_only_for_subscribed_events() {
    let mut hub = Hub::default();
    hub.add_pool(pool("a", 10, &["REMOTE_COMMUNICATION"], &[]));
    hub.add_pool(pool(
        "b",
        10,
        &["PROCESS_GROUP", "REMOTE_COMMUNICATION"],
        &[],
    ));
    let _ = hub.publish(Event::group_added("x")); // b only
    let _ = hub.publish(remote("1")); // both
    let _ = hub.publish(Event::group_added("y")); // b only
    let _ = hub.publish(remote("2")); // both
    assert_eq!(serials(&hub, "a"), [(1, 0), (3, 1)]);
    assert_eq!(serials(&hub, "b"), [(0, 0), (1, 1), (2, 2), (3, 3)]);

    // Nobody subscribes to TICKs: no serial consumed.
    let _ = hub.publish(Event::tick(TickPeriod::Five, 5));
    let _ = hub.publish(remote("3"));
    assert_eq!(serials(&hub, "a").last(), Some(&(4, 2)));
    // A new hub continues a reloaded daemon's numbering.
    assert_eq!(Hub::new(hub.last_serial()).last_serial(), 4);
}

#[test]
fn overflow_discards_the_oldest_with_supervisors_message() {
    let mut hub = Hub::default();
    hub.add_pool(pool("rec", 2, &["EVENT"], &[]));
    assert!(hub.publish(remote("0")).is_empty());
    assert!(hub.publish(remote("1")).is_empty());
    assert_eq!(
        lines(&hub.publish(remote("2"))),
        ["ERRO pool rec event buffer overflowed, discarding event 0"]
    );
    let serials: Vec<_> = hub
        .pool("rec")
        .unwrap()
        .buffered()
        .map(|q| q.serial)
        .collect();
    assert_eq!(serials, [1, 2]);
}

#[test]
fn protocol_round_trip_with_tokens_split_and_joined() {
    let mut hub = Hub::default();
    hub.add_pool(pool("rec", 10, &["EVENT"], &[(1, "rec")]));
    let pipes = Pipes::new();
    let _ = hub.publish(remote("a"));
    let _ = hub.publish(remote("b"));
    // Spawned but not RUNNING yet: READY is recorded, nothing is sent.
    assert!(hub.listener_spawned(1).is_empty());
    assert_eq!(lines(&hub.feed(1, b"REA")), Vec::<String>::new());
    assert_eq!(
        lines(&hub.feed(1, b"DY\n")),
        ["DEBG rec: ACKNOWLEDGED -> READY"]
    );
    assert!(pipes.dispatch(&mut hub).is_empty());
    hub.listener_running(1, true);
    assert_eq!(
        pipes.dispatch(&mut hub),
        [
            "DEBG event 0 sent to listener rec",
            "DEBG rebuffering event 1 for pool rec (buf size=0, max=10)"
        ]
    );
    assert_eq!(
        pipes.take(),
        [(
            1,
            "ver:3.0 server:sid serial:0 pool:rec poolserial:0 eventname:REMOTE_COMMUNICATION \
             len:8\ntype:t\na"
                .to_string()
        )]
    );
    assert_eq!(hub.listener_state(1), Some(ListenerState::Busy));
    // The result line split across reads, the next READY in the same read as the body.
    assert!(hub.feed(1, b"RESULT ").is_empty());
    assert!(hub.feed(1, b"2\nO").is_empty());
    assert_eq!(
        lines(&hub.feed(1, b"KREADY\n")),
        [
            "DEBG rec: event was processed",
            "DEBG rec: BUSY -> ACKNOWLEDGED",
            "DEBG rec: ACKNOWLEDGED -> READY"
        ]
    );
    assert_eq!(
        pipes.dispatch(&mut hub),
        ["DEBG event 1 sent to listener rec"]
    );
    assert_eq!(pipes.take().len(), 1);
}

#[test]
fn fail_redelivers_the_same_event_with_the_same_serials() {
    let mut hub = Hub::default();
    hub.add_pool(pool("rec", 10, &["EVENT"], &[(1, "rec")]));
    let pipes = Pipes::new();
    ready(&mut hub, 1);
    let _ = hub.publish(remote("x"));
    let _ = pipes.dispatch(&mut hub);
    let first = pipes.take();
    assert_eq!(
        lines(&hub.feed(1, b"RESULT 4\nFAILREADY\n")),
        [
            "WARN rec: event was rejected",
            "DEBG rec: BUSY -> ACKNOWLEDGED",
            "DEBG rebuffering event 0 for pool rec (buf size=0, max=10)",
            "DEBG rec: ACKNOWLEDGED -> READY"
        ]
    );
    let _ = pipes.dispatch(&mut hub);
    assert_eq!(pipes.take(), first, "re-sent unchanged");
}

#[test]
fn protocol_violations_enter_unknown() {
    let unknown = "WARN l: has entered the UNKNOWN state and will no longer receive events, this \
                   usually indicates the process violated the eventlistener protocol";
    // Garbage instead of READY.
    let mut hub = Hub::default();
    hub.add_pool(pool("p", 10, &["EVENT"], &[(1, "l")]));
    let _ = hub.listener_spawned(1);
    assert_eq!(
        lines(&hub.feed(1, b"hello!")),
        ["DEBG l: ACKNOWLEDGED -> UNKNOWN", unknown]
    );
    assert!(
        hub.feed(1, b"READY\n").is_empty(),
        "UNKNOWN ignores everything"
    );

    // Output while READY.
    let _ = hub.listener_spawned(1);
    hub.listener_running(1, true);
    let _ = hub.feed(1, b"READY\n");
    assert_eq!(
        lines(&hub.feed(1, b"x")),
        ["DEBG l: READY -> UNKNOWN", unknown]
    );

    // A bad result line gives the event back; the RESULT prefix itself is not checked (Q41).
    let pipes = Pipes::new();
    ready(&mut hub, 1);
    let _ = hub.publish(remote("x"));
    let _ = pipes.dispatch(&mut hub);
    assert_eq!(
        lines(&hub.feed(1, b"RESULT two\n")),
        [
            "WARN l: bad result line: 'RESULT two'",
            "DEBG l: BUSY -> UNKNOWN",
            unknown,
            "DEBG rebuffering event 0 for pool p (buf size=0, max=10)"
        ]
    );
    ready(&mut hub, 1);
    let _ = pipes.dispatch(&mut hub);
    assert_eq!(
        lines(&hub.feed(1, b"XXXXXX 2\nOK")).first().unwrap(),
        "DEBG l: event was processed"
    );

    // Undecodable result lines are shown as Python's bytes repr.
    ready(&mut hub, 1);
    let _ = hub.publish(remote("y"));
    let _ = pipes.dispatch(&mut hub);
    assert_eq!(
        lines(&hub.feed(1, b"RESULT \xff\n"))[0],
        "WARN l: bad result line: 'Undecodable: b'RESULT \\xff''"
    );
}

#[test]
fn result_zero_waits_for_more_output_like_python() {
    let mut hub = Hub::default();
    hub.add_pool(pool("p", 10, &["EVENT"], &[(1, "l")]));
    let pipes = Pipes::new();
    ready(&mut hub, 1);
    let _ = hub.publish(remote("x"));
    let _ = pipes.dispatch(&mut hub);
    assert!(hub.feed(1, b"RESULT 0\n").is_empty());
    assert_eq!(hub.listener_state(1), Some(ListenerState::Busy));
    // The empty body is handled (and rejected: it is not OK) once more bytes arrive.
    let logs = lines(&hub.feed(1, b"READY\n"));
    assert_eq!(logs[0], "WARN l: event was rejected");
    assert_eq!(hub.listener_state(1), Some(ListenerState::Ready));
}

#[test]
fn pool_dispatch_uses_the_first_free_running_listener_in_order() {
    let mut hub = Hub::default();
    hub.add_pool(pool(
        "p",
        10,
        &["EVENT"],
        &[(1, "l_0"), (2, "l_1"), (3, "l_2")],
    ));
    let mut pipes = Pipes::new();
    ready(&mut hub, 1);
    ready(&mut hub, 2);
    ready(&mut hub, 3);
    hub.listener_running(1, false); // e.g. STOPPING
    pipes.broken = vec![2];
    for i in 0..3 {
        let _ = hub.publish(remote(&i.to_string()));
    }
    assert_eq!(
        pipes.dispatch(&mut hub),
        [
            "DEBG epipe occurred while sending event 0 to listener l_1, listener state unchanged",
            "DEBG event 0 sent to listener l_2",
            "DEBG epipe occurred while sending event 1 to listener l_1, listener state unchanged",
            "DEBG rebuffering event 1 for pool p (buf size=1, max=10)"
        ]
    );
    let sent: Vec<_> = pipes.take().into_iter().map(|(id, _)| id).collect();
    assert_eq!(sent, [3]);
    assert_eq!(
        hub.listener_state(2),
        Some(ListenerState::Ready),
        "unchanged by EPIPE"
    );
}

#[test]
fn a_dying_listener_gives_its_event_back_at_the_head() {
    let mut hub = Hub::default();
    hub.add_pool(pool("p", 2, &["EVENT"], &[(1, "l")]));
    let pipes = Pipes::new();
    ready(&mut hub, 1);
    let _ = hub.publish(remote("0"));
    let _ = pipes.dispatch(&mut hub);
    let _ = hub.publish(remote("1"));
    let _ = hub.publish(remote("2"));
    // Buffer full (1, 2): the returning event 0 pushes out the oldest, as Python's
    // `_acceptEvent(head=True)` does.
    assert_eq!(
        lines(&hub.listener_died(1)),
        [
            "DEBG rebuffering event 0 for pool p (buf size=2, max=2)",
            "ERRO pool p event buffer overflowed, discarding event 1"
        ]
    );
    let order: Vec<_> = hub
        .pool("p")
        .unwrap()
        .buffered()
        .map(|q| q.serial)
        .collect();
    assert_eq!(order, [0, 2]);
    // Respawned: ACKNOWLEDGED until it says READY again.
    assert!(hub.listener_spawned(1).is_empty());
    assert_eq!(hub.listener_state(1), Some(ListenerState::Acknowledged));
}

#[test]
fn removing_a_pool_drops_its_buffer() {
    let mut hub = Hub::default();
    hub.add_pool(pool("p", 5, &["EVENT"], &[(1, "l")]));
    let _ = hub.publish(remote("0"));
    assert!(hub.is_listener(1));
    assert!(hub.remove_pool("p"));
    assert!(!hub.is_listener(1));
    assert!(!hub.wants(EventType::RemoteCommunication));
}

#[test]
fn ticks_record_first_then_fire_once_per_new_slice() {
    let mut clock = TickClock::new();
    let only5 = |p: TickPeriod| p == TickPeriod::Five;
    assert!(
        clock.poll(1001.0, only5).is_empty(),
        "first poll only records"
    );
    assert!(clock.poll(1004.9, only5).is_empty());
    let fired = clock.poll(1005.2, only5);
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].kind(), EventType::Tick5);
    assert_eq!(fired[0].payload(), "when:1005");
    // Missed slices are not replayed.
    assert_eq!(clock.poll(1031.0, only5)[0].payload(), "when:1030");
    assert_eq!(TickClock::next_due(1031.0, only5), Some(1035.0));
    let all = |_| true;
    assert_eq!(TickClock::next_due(3599.5, all), Some(3600.0));
    assert_eq!(TickClock::next_due(1.0, |_| false), None);
    // A newly wanted period records first; shortest period first when several fire.
    let mut clock = TickClock::new();
    assert!(clock.poll(3599.0, all).is_empty());
    let names: Vec<_> = clock
        .poll(3600.5, all)
        .iter()
        .map(|e| e.kind().name())
        .collect();
    assert_eq!(names, ["TICK_5", "TICK_60", "TICK_3600"]);
}
