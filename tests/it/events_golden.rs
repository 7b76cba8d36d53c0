//! Golden test of every event payload and envelope: the same scenario runs under Python's
//! supervisord and ours, with a listener subscribed to `EVENT` recording everything it receives
//! (reading stdin as text, as `supervisor.childutils` does). Timing differs between the two
//! daemons (Python polls once a second), so the comparison is of each envelope's exact text
//! once pids and TICK times are masked, as a multiset, plus each process's own event sequence
//! in order; headers are checked for format, `len` (in characters) and gapless serials.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::support::events::{self, read_records, Envelope, RECORDER};
use crate::support::{wait_until, Kind};

/// Writes to stdout with events enabled, to stderr in capture mode, then exits expectedly.
const TALK: &str = r#"
import sys, time
time.sleep(0.4)
sys.stdout.write('line one with \u00fcn\u00efcode, long enough to pass any token\n'); sys.stdout.flush()
time.sleep(0.4)
sys.stdout.buffer.write(b'bytes \xff\xfe that are not UTF-8, long enough to pass any token\n'); sys.stdout.flush()
time.sleep(0.4)
sys.stderr.write('before the block, long enough to pass any token\n<!--XSUPERVISOR:BEGIN-->c\u00f6mm data\nsecond line<!--XSUPERVISOR:END-->after the block, long enough to pass any token\n'); sys.stderr.flush()
time.sleep(0.6)
"#;

fn sections(extra: &str) -> String {
    format!(
        "[eventlistener:rec]\ncommand=python3 {{dir}}/rec.py {{dir}}/rec.out\nevents=EVENT\n\
         buffer_size=500\n\n\
         [program:talk]\ncommand=python3 {{dir}}/talk.py\nstartsecs=0\nautorestart=false\n\
         stdout_events_enabled=true\nstderr_events_enabled=true\nstderr_capture_maxbytes=1000\n\n\
         [program:bad]\ncommand=sh -c 'exit 3'\nstartsecs=1\nstartretries=1\nautorestart=false\n\n\
         [program:sleeper]\ncommand=sleep 1000\nstartsecs=0\n\n{extra}"
    )
}

/// Runs the scenario under `bin` and returns what the listener received.
fn scenario(kind: Kind) -> Vec<Envelope> {
    let bin = kind.bin();
    let dir = events::dir();
    std::fs::write(dir.path().join("rec.py"), RECORDER).unwrap();
    std::fs::write(dir.path().join("talk.py"), TALK).unwrap();
    let d = events::start_in(dir, kind, &sections(""));
    let out = d.file("rec.out");
    let t = Duration::from_secs(30);
    d.wait_state_within(t, "rec", "RUNNING");
    d.wait_state_within(t, "talk", "EXITED");
    d.wait_state_within(t, "bad", "FATAL");
    d.wait_state_within(t, "sleeper", "RUNNING");
    d.rpc(
        "supervisor.sendRemoteCommEvent",
        r#"["mytype", "my data \u00e9\nline 2"]"#,
    )
    .unwrap();
    d.rpc("supervisor.stopProcess", r#"["sleeper"]"#).unwrap();
    d.rewrite(&sections(
        "[program:extra]\ncommand=sleep 1000\nautostart=false\n",
    ));
    d.rpc("supervisor.reloadConfig", "[]").unwrap();
    d.rpc("supervisor.addProcessGroup", r#"["extra"]"#).unwrap();
    d.rpc("supervisor.removeProcessGroup", r#"["extra"]"#)
        .unwrap();
    wait_until(
        Duration::from_secs(15),
        &format!("a TICK_5 under {bin}"),
        || {
            read_records(&out)
                .iter()
                .any(|e| e.get("eventname") == "TICK_5")
        },
    );
    d.rpc("supervisor.sendRemoteCommEvent", r#"["done", ""]"#)
        .unwrap();
    wait_until(t, &format!("the last event under {bin}"), || {
        read_records(&out)
            .iter()
            .any(|e| e.payload == "type:done\n")
    });
    read_records(&out)
}

/// Masks what legitimately differs between runs: pids and TICK times.
fn mask(payload: &str) -> String {
    let mut out = String::new();
    for (i, piece) in payload.split("pid:").enumerate() {
        if i > 0 {
            out.push_str("pid:");
            let digits = piece.bytes().take_while(u8::is_ascii_digit).count();
            out.push_str(if digits > 0 { "N" } else { "" });
            out.push_str(&piece[digits..]);
        } else {
            out.push_str(piece);
        }
    }
    if let Some(when) = out.strip_prefix("when:") {
        let t: i64 = when.parse().unwrap();
        assert_eq!(t % 5, 0, "TICK_5 times are multiples of 5");
        return "when:T".into();
    }
    out
}

fn check_headers(records: &[Envelope], who: &str) {
    assert!(!records.is_empty(), "{who}: nothing received");
    for (i, e) in records.iter().enumerate() {
        let keys: Vec<_> = e.headers.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "ver",
                "server",
                "serial",
                "pool",
                "poolserial",
                "eventname",
                "len"
            ],
            "{who}"
        );
        assert_eq!(e.get("ver"), "3.0");
        assert_eq!(e.get("server"), "golden");
        assert_eq!(e.get("pool"), "rec");
        assert_eq!(
            e.num("len"),
            e.payload.chars().count() as i64,
            "{who}: {e:?}"
        );
        // One pool, no rejections: both serials count every event from 0.
        assert_eq!(e.num("poolserial"), i as i64, "{who}: {e:?}");
        assert_eq!(e.num("serial"), i as i64, "{who}: {e:?}");
    }
}

/// (eventname, masked payload) → count, ignoring TICKs (their number depends on timing).
fn multiset(records: &[Envelope]) -> BTreeMap<(String, String), usize> {
    let mut m = BTreeMap::new();
    for e in records {
        if e.get("eventname").starts_with("TICK_") {
            continue;
        }
        *m.entry((e.get("eventname").to_string(), mask(&e.payload)))
            .or_insert(0) += 1;
    }
    m
}

/// Each process's PROCESS_STATE events in order.
fn per_process(records: &[Envelope]) -> BTreeMap<String, Vec<String>> {
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in records {
        if let Some(name) = e.payload.strip_prefix("processname:") {
            let name = name.split(' ').next().unwrap().to_string();
            m.entry(name)
                .or_default()
                .push(format!("{} {}", e.get("eventname"), mask(&e.payload)));
        }
    }
    m
}

#[test]
fn every_payload_and_envelope_matches_python() {
    let python = std::thread::spawn(|| scenario(Kind::Python));
    let ours = scenario(Kind::Ours);
    let python = python.join().unwrap();
    check_headers(&python, "python");
    check_headers(&ours, "ours");

    // Every event type of the scenario was seen.
    let names: std::collections::BTreeSet<_> = ours.iter().map(|e| e.get("eventname")).collect();
    for wanted in [
        "PROCESS_GROUP_ADDED",
        "PROCESS_GROUP_REMOVED",
        "SUPERVISOR_STATE_CHANGE_RUNNING",
        "PROCESS_STATE_STARTING",
        "PROCESS_STATE_RUNNING",
        "PROCESS_STATE_BACKOFF",
        "PROCESS_STATE_FATAL",
        "PROCESS_STATE_EXITED",
        "PROCESS_STATE_STOPPING",
        "PROCESS_STATE_STOPPED",
        "PROCESS_LOG_STDOUT",
        "PROCESS_LOG_STDERR",
        "PROCESS_COMMUNICATION_STDERR",
        "REMOTE_COMMUNICATION",
        "TICK_5",
    ] {
        assert!(names.contains(wanted), "no {wanted} in {names:?}");
    }

    if std::env::var_os("EVENTS_GOLDEN_SHOW").is_some() {
        for e in &ours {
            eprintln!("{e:?}");
        }
    }
    assert_eq!(per_process(&ours), per_process(&python));
    assert_eq!(multiset(&ours), multiset(&python));
}
