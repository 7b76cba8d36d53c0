//! Bursts: a thousand state changes reach a listener in order with none lost when its buffer
//! is large enough; with a small buffer the overflow is logged exactly as Supervisor logs it.

use std::time::{Duration, Instant};

use crate::support::events::{self, read_records, RECORDER};
use crate::support::{wait_until, Kind};

const PROCS: usize = 250;

#[test]
fn a_thousand_state_changes_arrive_in_order_none_lost() {
    let dir = events::dir();
    std::fs::write(dir.path().join("rec.py"), RECORDER).unwrap();
    let d = events::start_in(
        dir,
        Kind::Ours,
        &format!(
            "[eventlistener:rec]\ncommand=python3 {{dir}}/rec.py {{dir}}/rec.out\n\
             events=PROCESS_STATE\nbuffer_size=5000\nstartsecs=0\n\n\
             [program:many]\ncommand=sleep 1000\nnumprocs={PROCS}\n\
             process_name=%(program_name)s_%(process_num)03d\nstartsecs=0\nautostart=false\n"
        ),
    );
    d.wait_state_within(Duration::from_secs(20), "rec", "RUNNING");
    let started = Instant::now();
    d.rpc("supervisor.startProcessGroup", r#"["many", false]"#)
        .unwrap();
    d.rpc("supervisor.stopProcessGroup", r#"["many", true]"#)
        .unwrap();
    let changes_took = started.elapsed();
    let out = d.file("rec.out");
    // 4 changes per process (STARTING, RUNNING, STOPPING, STOPPED) + the listener's own 2.
    let total = PROCS * 4 + 2;
    wait_until(
        Duration::from_secs(60),
        "every event to reach the listener",
        || read_records(&out).len() >= total,
    );
    let records = read_records(&out);
    assert_eq!(records.len(), total, "nothing extra, nothing lost");
    for (i, e) in records.iter().enumerate() {
        assert_eq!(e.num("poolserial"), i as i64, "in order, no gaps: {e:?}");
        assert_eq!(e.num("serial"), i as i64);
    }
    for n in 0..PROCS {
        let name = format!("processname:many_{n:03} ");
        let seq: Vec<_> = records
            .iter()
            .filter(|e| e.payload.starts_with(&name))
            .map(|e| e.get("eventname").to_string())
            .collect();
        assert_eq!(
            seq,
            [
                "PROCESS_STATE_STARTING",
                "PROCESS_STATE_RUNNING",
                "PROCESS_STATE_STOPPING",
                "PROCESS_STATE_STOPPED"
            ],
            "many_{n:03}"
        );
    }
    assert!(
        !d.log().contains("overflowed"),
        "a large buffer never overflows"
    );
    eprintln!("{} state changes in {changes_took:?}", PROCS * 4);
}

/// The overflow lines of a main log, without their timestamps.
fn overflow_lines(log: &str) -> Vec<String> {
    let mut lines: Vec<String> = log
        .lines()
        .filter(|l| l.contains("overflowed"))
        .map(|l| l.splitn(3, ' ').nth(2).unwrap().to_string())
        .collect();
    lines.sort();
    lines
}

#[test]
fn a_small_buffer_overflows_as_in_supervisor() {
    // The listener never says READY, so every event stays buffered: with 10 processes and the
    // listener itself, 22 PROCESS_STATE events pass through a 3-event buffer. Their order
    // differs between the daemons (Python starts processes on its next loop iteration), but
    // the discarded serials are the same set: all but the last three.
    let sections = "[eventlistener:slow]\ncommand=sleep 1000\nevents=PROCESS_STATE\n\
                    buffer_size=3\nstartsecs=0\n\n\
                    [program:p]\ncommand=sleep 1000\nnumprocs=10\n\
                    process_name=%(program_name)s_%(process_num)d\nstartsecs=0\n";
    let run = |kind: Kind| {
        std::thread::spawn(move || {
            let d = events::start_in(events::dir(), kind, sections);
            wait_until(Duration::from_secs(30), "the last overflow", || {
                d.log()
                    .contains("pool slow event buffer overflowed, discarding event 18")
            });
            overflow_lines(&d.log())
        })
    };
    let python = run(Kind::Python);
    let ours = run(Kind::Ours).join().unwrap();
    let python = python.join().unwrap();
    let expected: Vec<String> = {
        let mut v: Vec<String> = (0..=18)
            .map(|n| format!("ERRO pool slow event buffer overflowed, discarding event {n}"))
            .collect();
        v.sort();
        v
    };
    assert_eq!(ours, expected);
    assert_eq!(python, expected);
}
