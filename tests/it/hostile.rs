//! Attacks on the daemon by a misbehaving child or client (issue 20): each test reproduces one
//! against the real binary and checks the daemon stays responsive, bounded and correct.

use std::time::{Duration, Instant};

use supervisor_xmlrpc::Value;

use crate::support::events::{self, read_records};
use crate::support::process::{rss_kib, written_bytes};
use crate::support::{wait_until, Daemon, Kind, TIMEOUT};

/// A program that orphans children in a loop: we are their subreaper and reap them all, but the
/// main log gets one INFO line a minute for them, not one per pid (each is still at DEBUG).
#[test]
fn orphan_floods_are_reaped_without_flooding_the_log() {
    let d = Daemon::builder(
        "[program:orphaner]\ncommand=sh -c 'while :; do (true &); done'\nstartsecs=0\n",
    )
    .loglevel("debug")
    .start();
    d.wait_state("orphaner", "RUNNING");
    wait_until(TIMEOUT, "200 orphans reaped", || {
        d.log().matches("reaped unknown pid").count() >= 200
    });
    let log = d.log();
    let info = log
        .lines()
        .filter(|l| l.contains(" INFO reaped unknown pid"))
        .count();
    let debug = log
        .lines()
        .filter(|l| l.contains(" DEBG reaped unknown pid"))
        .count();
    assert_eq!(info, 1, "one INFO line for the window");
    assert!(debug >= 199, "{debug} DEBUG lines");
    // Still answering, and the program still runs.
    assert_eq!(d.state("orphaner"), "RUNNING");
}

/// A listener that, on its first run, takes one event and then attacks, recording the event it
/// holds in `held.out`: `flood` writes 64 KiB blocks without a newline forever, `result` first
/// announces `RESULT 9000000000`. Later runs record every event in `rec.out` and accept it, so
/// a test can check that the held event was given back, not lost.
const ATTACKER: &str = r#"
import io, json, os, sys
mode, dir = sys.argv[1], sys.argv[2]
stdin = io.TextIOWrapper(sys.stdin.buffer, encoding='utf-8', newline='')
def take():
    sys.stdout.write('READY\n'); sys.stdout.flush()
    line = stdin.readline()
    if not line:
        sys.exit(0)
    headers = dict(x.split(':', 1) for x in line.split())
    return line + stdin.read(int(headers['len']))
marker = os.path.join(dir, 'attacked')
if not os.path.exists(marker):
    open(marker, 'w').close()
    event = take()
    with open(os.path.join(dir, 'held.out'), 'w') as f:
        f.write(json.dumps(event) + '\n')
    out = sys.stdout.buffer
    if mode == 'result':
        out.write(b'RESULT 9000000000\n')
    block = b'x' * 65536
    while True:
        out.write(block); out.flush()
with open(os.path.join(dir, 'rec.out'), 'a') as out:
    while True:
        out.write(json.dumps(take()) + '\n'); out.flush()
        sys.stdout.write('RESULT 2\nOK'); sys.stdout.flush()
"#;

/// How long each attack is endured while the daemon is probed.
const WINDOW: Duration = Duration::from_secs(5);

/// The slowest answer allowed while under attack (the issue measured 45 s of silence).
const SLOWEST: Duration = Duration::from_secs(1);

/// The RSS growth allowed while under attack (the issue measured ~10 MB/s without bound).
const GROWTH_KIB: u64 = 16 * 1024;

/// How the daemon fared over a window of an attack.
#[derive(Debug)]
struct Endured {
    /// The slowest `getState` answer.
    slowest: Duration,
    /// How many calls were answered.
    calls: u32,
    /// How many calls failed (refused or timed out).
    failed: u32,
    /// The largest RSS seen, in KiB.
    rss_max_kib: u64,
}

/// Calls `getState` back to back for [`WINDOW`], timing each answer and sampling the daemon's
/// RSS after each.
fn endure(d: &Daemon) -> Endured {
    let end = Instant::now() + WINDOW;
    let mut seen = Endured {
        slowest: Duration::ZERO,
        calls: 0,
        failed: 0,
        rss_max_kib: 0,
    };
    while Instant::now() < end {
        let asked = Instant::now();
        match d.try_call("supervisor.getState", &[]) {
            Ok(_) => seen.calls += 1,
            Err(_) => seen.failed += 1,
        }
        seen.slowest = seen.slowest.max(asked.elapsed());
        seen.rss_max_kib = seen.rss_max_kib.max(rss_kib(d.pid()));
    }
    seen
}

/// Starts a daemon with a `sleep` program and the listener `attacker` (not started), with its
/// stdout log bounded; `{dir}` in `command` is the directory.
fn under_attack(command: &str) -> Daemon {
    let dir = events::dir();
    std::fs::write(dir.path().join("attacker.py"), ATTACKER).unwrap();
    let d = events::start_in(
        dir,
        Kind::Ours,
        &format!(
            "[eventlistener:attacker]\ncommand={command}\nevents=PROCESS_STATE\n\
             autostart=false\nstartsecs=0\nstdout_logfile={{dir}}/attacker.log\n\
             stdout_logfile_maxbytes=1MB\nstdout_logfile_backups=1\nstderr_logfile=NONE\n\n\
             [program:sleeper]\ncommand=sleep 1000\nstartsecs=0\n"
        ),
    );
    d.wait_state("sleeper", "RUNNING");
    d
}

/// Starts the attacker and waits until it has written `bytes`; returns its pid.
fn launch(d: &Daemon, bytes: u64) -> i32 {
    d.call(
        "supervisor.startProcess",
        &[Value::from("attacker"), Value::from(true)],
    );
    let pid = d.info("attacker").pid;
    wait_until(TIMEOUT, "the attack to be under way", || {
        written_bytes(pid) >= bytes
    });
    pid
}

/// Checks the daemon stayed responsive and bounded under attack, and that the attacker and
/// the sleeper still run (the sleeper under the same pid).
fn assert_endured(d: &Daemon, attacker: i32, sleeper: i32, rss_before_kib: u64) {
    let written = written_bytes(attacker);
    let seen = endure(d);
    let attacked = written_bytes(attacker) - written;
    let growth = seen.rss_max_kib.saturating_sub(rss_before_kib);
    eprintln!(
        "under attack: {seen:?}, RSS before {rss_before_kib} KiB, the attacker wrote \
         {attacked} bytes meanwhile"
    );
    assert!(attacked >= 8 << 20, "the attack went on: {attacked} bytes");
    assert!(
        seen.failed == 0 && seen.slowest < SLOWEST,
        "responsive: {seen:?}"
    );
    assert!(growth < GROWTH_KIB, "bounded: grew {growth} KiB");
    assert_eq!(d.info("sleeper").pid, sleeper, "the sleeper kept");
    assert_eq!(d.info("attacker").pid, attacker, "the attacker kept");
}

/// Restarts the attacker, which now records events, and checks the event it held during the
/// attack is the first it receives (same serials): given back, not lost.
fn assert_held_event_given_back(d: &Daemon) {
    let held = read_records(&d.file("held.out"));
    assert_eq!(held.len(), 1, "the attacker took one event");
    d.call("supervisor.stopProcess", &[Value::from("attacker")]);
    d.call("supervisor.startProcess", &[Value::from("attacker")]);
    let rec = d.file("rec.out");
    wait_until(TIMEOUT, "the held event to be delivered again", || {
        !read_records(&rec).is_empty()
    });
    let first = &read_records(&rec)[0];
    assert_eq!(first, &held[0], "the same event, same serials");
}

/// Issue 20 item 1: a listener that takes an event and then writes 64 KiB blocks without a
/// newline forever. The daemon keeps answering, its memory stays bounded (the result line is
/// capped, the listener enters UNKNOWN as for any bad result line, its event goes back to the
/// pool), and the event is delivered when the listener starts again.
#[test]
fn a_listener_flooding_without_newlines_does_not_freeze_the_daemon() {
    let d = under_attack("python3 {dir}/attacker.py flood {dir}");
    let sleeper = d.info("sleeper").pid;
    let rss_before = rss_kib(d.pid());
    let attacker = launch(&d, 1 << 20);
    assert_endured(&d, attacker, sleeper, rss_before);
    let log = d.log();
    assert!(
        log.contains("attacker: bad result line"),
        "the violation is logged"
    );
    assert!(log.contains("attacker: has entered the UNKNOWN state"));
    assert_held_event_given_back(&d);
}

/// Issue 20 item 2: `RESULT 9000000000` followed by an endless stream. The body is counted,
/// not stored, so the daemon stays bounded while the listener stays BUSY with its event,
/// which comes back when the listener is restarted.
#[test]
fn a_huge_result_length_does_not_exhaust_memory() {
    let d = under_attack("python3 {dir}/attacker.py result {dir}");
    let sleeper = d.info("sleeper").pid;
    let rss_before = rss_kib(d.pid());
    let attacker = launch(&d, 1 << 20);
    assert_endured(&d, attacker, sleeper, rss_before);
    assert!(
        !d.log().contains("UNKNOWN state"),
        "a long result is no violation"
    );
    assert_held_event_given_back(&d);
}

/// `yes` as a listener: not a READY token, so UNKNOWN at once, then an endless flood. The
/// daemon stays responsive and bounded, and SIGTERM still shuts it down promptly.
#[test]
fn yes_as_a_listener_is_endured_and_sigterm_still_works() {
    let mut d = under_attack("yes");
    let sleeper = d.info("sleeper").pid;
    let rss_before = rss_kib(d.pid());
    let attacker = launch(&d, 1 << 20);
    assert_endured(&d, attacker, sleeper, rss_before);
    let asked = Instant::now();
    d.signal(libc::SIGTERM);
    let status = d.wait_exit();
    let took = asked.elapsed();
    eprintln!("SIGTERM under attack: exited in {took:?}");
    assert!(status.success(), "{status:?}");
    assert!(took < Duration::from_secs(5), "shut down in {took:?}");
}
