//! superlance (from PyPI, installed in `.venv` by `scripts/venv`) against our daemon: memmon
//! restarts a program over its memory limit, httpok restarts a program whose HTTP check fails,
//! and crashmail mails (through a stub sendmail) when a program exits unexpectedly. All three
//! talk to the daemon back over XML-RPC through `SUPERVISOR_SERVER_URL`.

use std::time::Duration;

use crate::support::events;
use crate::support::{wait_until, Daemon, Kind};

fn pid(d: &Daemon, name: &str) -> i64 {
    let info = d
        .rpc("supervisor.getProcessInfo", &format!("[\"{name}\"]"))
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&info).unwrap();
    v["pid"].as_i64().unwrap()
}

#[test]
fn memmon_httpok_and_crashmail_work_against_our_daemon() {
    // Nothing listens on this port, so httpok's check fails.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sections = format!(
        "[eventlistener:memmon]\ncommand=memmon -p hog=30MB\nevents=TICK_5\n\n\
         [eventlistener:httpok]\ncommand=httpok -p web -t 2 http://127.0.0.1:{port}/\n\
         events=TICK_5\n\n\
         [eventlistener:crashmail]\n\
         command=crashmail -a -m ops@example.com -s \"cat >> {{dir}}/mail.out\"\n\
         events=PROCESS_STATE_EXITED\n\n\
         [program:hog]\ncommand=python3 -c \"x = b'x' * (64 << 20); import time; time.sleep(1000)\"\n\
         startsecs=0\n\n\
         [program:web]\ncommand=sleep 1000\nstartsecs=0\n\n\
         [program:crasher]\ncommand=sh -c \"sleep 0.5; exit 7\"\nstartsecs=0\nautorestart=false\n"
    );
    let d = events::start_in(events::dir(), Kind::Ours, &sections);
    let t = Duration::from_secs(20);
    for name in ["memmon", "httpok", "crashmail", "hog", "web"] {
        d.wait_state_within(t, name, "RUNNING");
    }
    let hog = pid(&d, "hog");
    let web = pid(&d, "web");

    // crashmail: one mail for the unexpected exit, through the stub sendmail.
    let mail = d.file("mail.out");
    wait_until(t, "crashmail's mail", || {
        std::fs::read_to_string(&mail).is_ok_and(|m| m.contains("exited unexpectedly"))
    });
    let text = std::fs::read_to_string(&mail).unwrap();
    assert!(text.contains("To: ops@example.com\n"), "{text}");
    assert!(text.contains("Subject:  crasher crashed at "), "{text}");
    assert!(
        text.contains("Process crasher in group crasher exited unexpectedly (pid ")
            && text.contains(") from state RUNNING"),
        "{text}"
    );

    // memmon and httpok act on the next TICK_5 (at most five seconds away).
    wait_until(t, "memmon to restart hog", || {
        let p = pid(&d, "hog");
        p != 0 && p != hog
    });
    wait_until(t, "httpok to restart web", || {
        let p = pid(&d, "web");
        p != 0 && p != web
    });
    let log = d.log();
    assert!(!log.contains("UNKNOWN state"), "{log}");
}
