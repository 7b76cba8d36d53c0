//! The event stream, `GET /api/v1/events` (issue 15): supervisor events as Server-Sent Events
//! from a real daemon with real processes. State changes arrive in order with increasing ids;
//! `?types=` filters; a client that reconnects with `Last-Event-ID` gets exactly what it
//! missed, or an explicit `reset` when the history no longer has it, and so does a client that
//! stops reading; TICKs flow only while a stream wants them; a stream survives a reload; and
//! 500 clients that never read cost bounded memory while XML-RPC keeps answering.
//!
//! A "witness" stream that reads everything is the truth the others are compared with; a
//! `sendRemoteCommEvent` sentinel marks the end of a burst.

use std::time::{Duration, Instant};

use supervisor_xmlrpc::Value;

use crate::support::events::{self, read_records, RECORDER};
use crate::support::process::{context_switches, rss_kib};
use crate::support::sse::{Message, SseClient};
use crate::support::{wait_until, Daemon, Kind, TIMEOUT};

/// Five programs that start at once and never exit by themselves.
fn programs(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "[program:p{i}]\ncommand=sleep 1000\nstartsecs=0\nautostart=false\n\
                 stopwaitsecs=5\n\n"
            )
        })
        .collect()
}

fn start(d: &Daemon, name: &str) {
    d.call("supervisor.startProcess", &[name.into(), true.into()]);
}

fn stop(d: &Daemon, name: &str) {
    d.call("supervisor.stopProcess", &[name.into(), true.into()]);
}

/// Starts and stops every program `rounds` times: 4 state events per program per round.
fn burst(d: &Daemon, rounds: usize) {
    for _ in 0..rounds {
        d.call("supervisor.startAllProcesses", &[true.into()]);
        d.call("supervisor.stopAllProcesses", &[true.into()]);
    }
}

/// Publishes the `REMOTE_COMMUNICATION` event that ends a burst.
fn sentinel(d: &Daemon, tag: &str) {
    d.call(
        "supervisor.sendRemoteCommEvent",
        &["end".into(), tag.into()],
    );
}

fn is_sentinel(m: &Message, tag: &str) -> bool {
    m.event == "REMOTE_COMMUNICATION" && m.data["payload"]["data"] == tag
}

/// Every message up to and including the sentinel `tag`.
fn until_sentinel(client: &mut SseClient, tag: &str) -> Vec<Message> {
    let mut seen = Vec::new();
    loop {
        let m = client.next(&format!("the sentinel {tag}"));
        let done = is_sentinel(&m, tag);
        seen.push(m);
        if done {
            return seen;
        }
    }
}

/// Seconds since the epoch.
fn wall_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// Sends `calls` × `sendRemoteCommEvent("load", data)` in one `system.multicall`.
fn remote_events(d: &Daemon, calls: usize, data: &str) {
    let calls: Vec<Value> = (0..calls)
        .map(|_| {
            Value::structure([
                ("methodName", Value::from("supervisor.sendRemoteCommEvent")),
                (
                    "params",
                    Value::array([Value::from("load"), Value::from(data)]),
                ),
            ])
        })
        .collect();
    d.call("system.multicall", &[Value::Array(calls)]);
}

fn ids(messages: &[Message]) -> Vec<u64> {
    messages.iter().map(|m| m.id.unwrap()).collect()
}

#[test]
fn state_changes_arrive_in_order_with_increasing_ids() {
    let d = Daemon::start(&programs(1));
    let mut stream = SseClient::open(&d, "", None);
    let before = wall_now();
    start(&d, "p0");
    let pid = d.info("p0").pid;
    stop(&d, "p0");
    let got = stream.take(4, "the four state changes");
    let names: Vec<&str> = got.iter().map(|m| m.event.as_str()).collect();
    assert_eq!(
        names,
        [
            "PROCESS_STATE_STARTING",
            "PROCESS_STATE_RUNNING",
            "PROCESS_STATE_STOPPING",
            "PROCESS_STATE_STOPPED"
        ]
    );
    let first = got[0].id.unwrap();
    assert_eq!(ids(&got), (first..first + 4).collect::<Vec<_>>());
    for m in &got {
        assert_eq!(m.data["id"], m.id.unwrap(), "{m:?}");
        assert_eq!(m.data["type"], m.event.as_str());
        // No listener pool took it, so the listener protocol gave it no serial.
        assert!(m.data["serial"].is_null());
        let time = m.data["time"].as_f64().unwrap();
        assert!(time >= before - 1.0 && time <= wall_now() + 1.0);
    }
    assert_eq!(
        got[0].data["payload"],
        serde_json::json!({"processname": "p0", "groupname": "p0", "from_state": "STOPPED",
                           "tries": 0})
    );
    assert_eq!(
        got[1].data["payload"],
        serde_json::json!({"processname": "p0", "groupname": "p0", "from_state": "STARTING",
                           "pid": pid})
    );
    assert_eq!(got[3].data["payload"]["from_state"], "STOPPING");
}

/// The stream carries what an event listener reads: for each envelope, a message with the
/// same serial and type whose payload fields (and data) are the envelope's, output events of a
/// program with `stdout_events_enabled` included.
#[test]
fn the_stream_says_what_a_listener_reads() {
    let dir = events::dir();
    std::fs::write(dir.path().join("rec.py"), RECORDER).unwrap();
    let d = events::start_in(
        dir,
        Kind::Ours,
        "[eventlistener:rec]\ncommand=python3 {dir}/rec.py {dir}/rec.out\n\
         events=PROCESS_STATE,PROCESS_LOG,REMOTE_COMMUNICATION\nstartsecs=0\n\n\
         [program:talker]\ncommand=sh -c 'echo hello; exec sleep 1000'\nstartsecs=0\n\
         autostart=false\nstdout_events_enabled=true\n",
    );
    d.wait_state("rec", "RUNNING");
    let mut stream = SseClient::open(
        &d,
        "types=PROCESS_STATE,PROCESS_LOG,REMOTE_COMMUNICATION",
        None,
    );
    start(&d, "talker");
    let mut got = Vec::new();
    while got
        .iter()
        .all(|m: &Message| m.event != "PROCESS_LOG_STDOUT")
    {
        got.push(stream.next("talker's output"));
    }
    d.call(
        "supervisor.sendRemoteCommEvent",
        &["greeting".into(), "two\nlines".into()],
    );
    stop(&d, "talker");
    sentinel(&d, "end");
    got.extend(until_sentinel(&mut stream, "end"));
    let out = d.file("rec.out");
    wait_until(TIMEOUT, "the listener to read the sentinel", || {
        read_records(&out)
            .iter()
            .any(|e| e.payload.ends_with("\nend"))
    });
    let first_serial = got[0].data["serial"].as_i64().expect("a pool took it");
    let envelopes: Vec<_> = read_records(&out)
        .into_iter()
        .filter(|e| e.num("serial") >= first_serial)
        .collect();
    assert_eq!(envelopes.len(), got.len(), "{envelopes:#?}\n{got:#?}");
    for (e, m) in envelopes.iter().zip(&got) {
        assert_eq!(m.data["serial"], e.num("serial"), "{m:?}");
        assert_eq!(m.event, e.get("eventname"));
        // The payload as a listener parses it (childutils.get_headers), values as text.
        let (line, data) = e.payload.split_once('\n').unwrap_or((&e.payload, ""));
        let mut want: serde_json::Map<String, serde_json::Value> = line
            .split(' ')
            .map(|t| {
                let (k, v) = t.split_once(':').unwrap();
                (k.to_string(), v.into())
            })
            .collect();
        if !m.event.starts_with("PROCESS_STATE") {
            want.insert("data".into(), data.into());
        }
        let have: serde_json::Map<String, serde_json::Value> = m.data["payload"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                (k.clone(), text.into())
            })
            .collect();
        assert_eq!(have, want, "{m:?} vs {e:?}");
    }
    let kinds: Vec<&str> = got.iter().map(|m| m.event.as_str()).collect();
    assert!(kinds.contains(&"PROCESS_LOG_STDOUT"), "{kinds:?}");
    let output = got
        .iter()
        .find(|m| m.event == "PROCESS_LOG_STDOUT")
        .unwrap();
    assert_eq!(output.data["payload"]["data"], "hello\n");
    assert_eq!(output.data["payload"]["channel"], "stdout");
}

#[test]
fn types_filter_by_concrete_and_abstract_names() {
    let d = Daemon::start(&programs(2));
    let mut running = SseClient::open(&d, "types=PROCESS_STATE_RUNNING", None);
    let mut groups = SseClient::open(&d, "types=process_group,REMOTE_COMMUNICATION", None);
    start(&d, "p0");
    d.call(
        "supervisor.sendRemoteCommEvent",
        &["my type".into(), "hello\nworld".into()],
    );
    stop(&d, "p0");
    d.call("supervisor.removeProcessGroup", &["p0".into()]);
    start(&d, "p1");

    let a = running.take(2, "two RUNNING events");
    assert!(
        a.iter().all(|m| m.event == "PROCESS_STATE_RUNNING"),
        "{a:?}"
    );
    assert_eq!(a[0].data["payload"]["processname"], "p0");
    assert_eq!(a[1].data["payload"]["processname"], "p1");

    let b = groups.take(2, "the remote event and the group removal");
    assert_eq!(b[0].event, "REMOTE_COMMUNICATION");
    assert_eq!(
        b[0].data["payload"],
        serde_json::json!({"type": "my type", "data": "hello\nworld"})
    );
    assert_eq!(b[1].event, "PROCESS_GROUP_REMOVED");
    assert_eq!(b[1].data["payload"], serde_json::json!({"groupname": "p0"}));
    assert!(
        groups.try_next(Duration::from_millis(300)).is_none(),
        "nothing else"
    );
}

#[test]
fn the_stream_asks_for_the_servers_credentials() {
    let d = Daemon::builder("").inet("user", "secret", "").start();
    let ask = |auth: &str| {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", d.port)).unwrap();
        s.set_read_timeout(Some(TIMEOUT)).unwrap();
        let head = format!("GET /api/v1/events HTTP/1.0\r\nHost: x\r\n{auth}\r\n");
        std::io::Write::write_all(&mut s, head.as_bytes()).unwrap();
        let mut answer = [0u8; 64];
        let n = std::io::Read::read(&mut s, &mut answer).unwrap();
        String::from_utf8_lossy(&answer[..n]).to_string()
    };
    assert!(ask("").starts_with("HTTP/1.0 401"));
    let auth = format!("Authorization: {}\r\n", d.basic_auth());
    assert!(ask(&auth).starts_with("HTTP/1.0 200"));
}

#[test]
fn bad_requests_are_refused_with_a_json_error() {
    let d = Daemon::start("");
    for (method, query, status, message) in [
        (
            "GET",
            "types=PROCESS_STATE,NOPE",
            400,
            "unknown event type \"NOPE\"",
        ),
        ("GET", "type=TICK_5", 400, "unknown parameter \"type\""),
        (
            "GET",
            "last_event_id=x",
            400,
            "last_event_id must be an event id",
        ),
        ("POST", "", 405, "/api/v1/events answers GET only"),
    ] {
        let refused = match SseClient::request(&d, method, query, None) {
            Ok(_) => panic!("{method} ?{query} was accepted"),
            Err(r) => r,
        };
        assert_eq!(refused.status, status, "{refused:?}");
        assert!(refused.head.contains("application/json"), "{refused:?}");
        let body: serde_json::Value = serde_json::from_str(&refused.body).unwrap();
        assert_eq!(body["error"]["code"], "BAD_ARGUMENTS");
        let text = body["error"]["message"].as_str().unwrap();
        assert!(text.starts_with(message), "{text}");
    }
}

#[test]
fn resume_with_last_event_id_across_a_burst() {
    let d = Daemon::start(&programs(5));
    let mut witness = SseClient::open(&d, "", None);
    let mut client = SseClient::open(&d, "", None);
    start(&d, "p0");
    let last_seen = client.next("p0 starting").id.unwrap();
    drop(client);
    // 5 programs x 4 state changes x 3 rounds, plus p0's RUNNING, while the client is away.
    burst(&d, 3);
    sentinel(&d, "burst");
    let truth = until_sentinel(&mut witness, "burst");
    let missed: Vec<&Message> = truth.iter().filter(|m| m.id.unwrap() > last_seen).collect();
    assert!(missed.len() >= 50, "{} events", missed.len());

    let mut again = SseClient::open(&d, "", Some(last_seen));
    let resumed = until_sentinel(&mut again, "burst");
    assert_eq!(
        resumed.iter().collect::<Vec<_>>(),
        missed,
        "exactly the missed events, in order, once"
    );
    // Then it is live again.
    sentinel(&d, "after");
    assert!(is_sentinel(&again.next("the next event"), "after"));
}

#[test]
fn a_gap_older_than_the_history_is_an_explicit_reset() {
    let d = Daemon::builder(&programs(5))
        .supervisord("event_history=10")
        .start();
    let mut witness = SseClient::open(&d, "", None);
    let mut client = SseClient::open(&d, "", None);
    start(&d, "p0");
    let last_seen = client.next("p0 starting").id.unwrap();
    drop(client);
    burst(&d, 2);
    sentinel(&d, "burst");
    let truth = until_sentinel(&mut witness, "burst");
    let kept = &truth[truth.len() - 10..];
    let first_kept = kept[0].id.unwrap();

    let mut again = SseClient::open(&d, "", Some(last_seen));
    let reset = again.next("the reset");
    assert_eq!(reset.event, "reset", "{reset:?}");
    assert_eq!(reset.id, Some(first_kept - 1));
    assert_eq!(reset.data["last_event_id"], last_seen);
    assert_eq!(reset.data["missed"], first_kept - 1 - last_seen);
    assert!(reset.data["reason"]
        .as_str()
        .unwrap()
        .contains("event_history keeps the last 10"));
    // Then the ten it still has, as the witness saw them.
    assert_eq!(again.take(10, "the kept events"), kept);

    // An id this daemon never gave out (an earlier run of it): a reset, count unknown.
    let mut foreign = SseClient::open(&d, "", Some(5));
    let reset = foreign.next("the reset");
    assert_eq!(reset.event, "reset");
    assert!(reset.data["missed"].is_null(), "{reset:?}");
    assert_eq!(reset.id, Some(first_kept - 1));
}

#[test]
fn a_client_that_stops_reading_gets_a_reset_never_a_gap() {
    let d = Daemon::builder("").supervisord("event_history=20").start();
    let mut slow = SseClient::open(&d, "", None);
    // 2000 events of 4 KiB: far more than the socket and hyper hold for a client not reading.
    let data = "x".repeat(4096);
    for _ in 0..5 {
        remote_events(&d, 400, &data);
    }
    sentinel(&d, "done");
    let got = until_sentinel(&mut slow, "done");
    let mut resets = 0;
    let mut previous = got[0].id.unwrap();
    for m in &got[1..] {
        let id = m.id.unwrap();
        if m.event == "reset" {
            resets += 1;
            assert_eq!(m.data["last_event_id"], previous, "{m:?}");
            assert_eq!(m.data["missed"], id - previous, "{m:?}");
        } else {
            assert_eq!(id, previous + 1, "a silent gap before {m:?}");
        }
        previous = id;
    }
    assert!(resets >= 1, "the slow client was never reset");
}

#[test]
fn ticks_flow_while_a_stream_wants_them_and_stop_after() {
    let d = Daemon::builder("").loglevel("debug").start();
    let mut ticks = SseClient::open(&d, "types=TICK_5", None);
    let tick = ticks
        .try_next(Duration::from_secs(12))
        .expect("a TICK_5 within two periods");
    assert_eq!(tick.event, "TICK_5");
    assert_eq!(tick.data["payload"]["when"].as_i64().unwrap() % 5, 0);
    drop(ticks);
    d.wait_log("event stream closed");
    // One round trip after the stream closed: the owner has seen the change (it is woken at
    // once, before it handles this call's reply).
    d.call("supervisor.getState", &[]);
    let (v0, _, _) = context_switches(d.pid());
    // A measurement window, not synchronisation: it spans two TICK_5 boundaries, each of which
    // would wake a timer left running.
    std::thread::sleep(Duration::from_millis(10_500));
    let (v1, _, _) = context_switches(d.pid());
    assert!(
        v1 - v0 <= 1,
        "{} wake-ups in 10.5 s without a stream",
        v1 - v0
    );
}

#[test]
fn a_stream_stays_open_across_a_reload() {
    let d = Daemon::start(&programs(1));
    let mut stream = SseClient::open(&d, "types=SUPERVISOR_STATE_CHANGE,PROCESS_GROUP", None);
    d.call("supervisor.restart", &[]);
    let got = stream.take(3, "the reload's events");
    let names: Vec<&str> = got.iter().map(|m| m.event.as_str()).collect();
    assert_eq!(
        names,
        [
            "SUPERVISOR_STATE_CHANGE_STOPPING",
            "PROCESS_GROUP_ADDED",
            "SUPERVISOR_STATE_CHANGE_RUNNING"
        ]
    );
    let ids = ids(&got);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
}

#[test]
fn five_hundred_stuck_clients_cost_bounded_memory() {
    let needed = 1024;
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
        if limit.rlim_cur < needed {
            limit.rlim_cur = needed.min(limit.rlim_max);
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
    let d = Daemon::builder("").loglevel("info").start();
    let idle = rss_kib(d.pid());
    let mut witness = SseClient::open(&d, "", None);
    let stuck: Vec<SseClient> = (0..500).map(|_| SseClient::open(&d, "", None)).collect();
    let before = rss_kib(d.pid());
    // A client that reads, in its own thread, alongside the 500 that do not.
    let reader = std::thread::spawn(move || until_sentinel(&mut witness, "done"));
    let data = "y".repeat(4096);
    let started = Instant::now();
    let mut slowest_rpc = Duration::ZERO;
    for _ in 0..10 {
        remote_events(&d, 200, &data);
        let t = Instant::now();
        d.call("supervisor.getAllProcessInfo", &[]);
        slowest_rpc = slowest_rpc.max(t.elapsed());
    }
    sentinel(&d, "done");
    let seen = reader.join().unwrap();
    let elapsed = started.elapsed();
    let after = rss_kib(d.pid());
    eprintln!(
        "500 stuck clients: RSS {idle} KiB idle, {before} KiB connected, {after} KiB after \
         2000 events of 4 KiB, which the reading client had in {elapsed:?}; slowest \
         getAllProcessInfo {slowest_rpc:?}"
    );
    assert_eq!(seen.len(), 2001, "the reading client got everything");
    assert!(
        after < idle + 50 * 1024,
        "RSS grew from {idle} KiB (idle) to {before} KiB (connected) to {after} KiB"
    );
    assert!(slowest_rpc < Duration::from_secs(2), "{slowest_rpc:?}");
    let t = Instant::now();
    wait_until(TIMEOUT, "the daemon to answer", || {
        d.try_call("supervisor.getState", &[]).is_ok()
    });
    assert!(t.elapsed() < Duration::from_secs(2));
    drop(stuck);
}
