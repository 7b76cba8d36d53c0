//! Bursts: a thousand state changes reach a listener in order with none lost when its buffer
//! is large enough; with a small buffer the overflow is logged exactly as Supervisor logs it.

mod events_support;

use std::time::{Duration, Instant};

use events_support::{read_records, wait_until, Daemon, OURS, PYTHON_SUPERVISORD, RECORDER};

const PROCS: usize = 250;

#[test]
fn a_thousand_state_changes_arrive_in_order_none_lost() {
    let dir = Daemon::dir();
    std::fs::write(dir.path().join("rec.py"), RECORDER).unwrap();
    let d = Daemon::start_in(
        dir,
        OURS,
        &format!(
            "[eventlistener:rec]\ncommand=python3 {{dir}}/rec.py {{dir}}/rec.out\n\
             events=PROCESS_STATE\nbuffer_size=5000\nstartsecs=0\n\n\
             [program:many]\ncommand=sleep 1000\nnumprocs={PROCS}\n\
             process_name=%(program_name)s_%(process_num)03d\nstartsecs=0\nautostart=false\n"
        ),
    );
    d.wait_state("rec", "RUNNING", Duration::from_secs(20));
    let started = Instant::now();
    d.rpc("supervisor.startProcessGroup", r#"["many", false]"#)
        .unwrap();
    d.rpc("supervisor.stopProcessGroup", r#"["many", true]"#)
        .unwrap();
    let changes_took = started.elapsed();
    let out = d.path("rec.out");
    // 4 changes per process (STARTING, RUNNING, STOPPING, STOPPED) + the listener's own 2.
    let total = PROCS * 4 + 2;
    wait_until(
        "every event to reach the listener",
        Duration::from_secs(60),
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
    let run = |bin: &'static str| {
        std::thread::spawn(move || {
            let d = Daemon::start_in(Daemon::dir(), bin, sections);
            wait_until("the last overflow", Duration::from_secs(30), || {
                d.log()
                    .contains("pool slow event buffer overflowed, discarding event 18")
            });
            overflow_lines(&d.log())
        })
    };
    let python = run(PYTHON_SUPERVISORD);
    let ours = run(OURS).join().unwrap();
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
