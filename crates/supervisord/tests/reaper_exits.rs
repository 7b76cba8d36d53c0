//! The central reaper with real processes: many simultaneous exits, signal deaths (including
//! real-time signals), orphans re-parented to us as subreaper, and exits that happened before
//! the reaper existed.
//!
//! The reaper calls `waitpid(-1)`, which collects *any* child of this test process, so the tests
//! of this binary take a lock and run one at a time, and it is not part of the `it` binary (under
//! `cargo test` it would collect the children of the tests running beside it).

#[path = "support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::io::Write;
use std::os::fd::OwnedFd;
use std::sync::{Mutex, MutexGuard};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use supervisor_core::{describe_wait_status, WaitStatus};
use supervisord::reaper::{orphan_message, reap_exited, Reaped, Reaper};
use supervisord::spawn::{prepare, spawn, Child};
use support::{default_daemon, read_all, request, wait_until, DEADLINE};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn start(command: &str) -> Child {
    let mut req = request("r", command);
    req.redirect_stderr = true;
    spawn(&prepare(&req, &default_daemon()).unwrap()).unwrap()
}

/// Receives until every pid in `pids` has been reaped; returns their statuses.
async fn collect(reaper: &mut Reaper, pids: &[Pid]) -> HashMap<Pid, Reaped> {
    let mut got = HashMap::new();
    tokio::time::timeout(DEADLINE, async {
        while !pids.iter().all(|p| got.contains_key(p)) {
            let reaped = reaper.recv().await;
            got.insert(reaped.pid, reaped);
        }
    })
    .await
    .unwrap_or_else(|_| {
        panic!(
            "reaped {} of {} children before the deadline",
            got.len(),
            pids.len()
        )
    });
    got
}

#[test]
fn two_hundred_simultaneous_exits_are_all_reaped() {
    let _guard = serial();
    runtime().block_on(async {
        let mut reaper = Reaper::new().unwrap();
        // Each child blocks reading stdin; closing all stdin pipes at once makes them exit
        // together, so SIGCHLDs coalesce.
        let mut stdins: Vec<OwnedFd> = Vec::new();
        let mut pids = Vec::new();
        for _ in 0..200 {
            let child = start("sh -c 'read x; exit 3'");
            stdins.push(child.stdin.unwrap());
            pids.push(child.pid);
        }
        drop(stdins);
        let got = collect(&mut reaper, &pids).await;
        for pid in &pids {
            assert_eq!(got[pid].status, WaitStatus::Exited(3), "pid {pid}");
        }
        assert!(reaper.drain().is_empty());
    });
}

#[test]
fn signal_deaths_are_decoded() {
    let _guard = serial();
    runtime().block_on(async {
        let mut reaper = Reaper::new().unwrap();
        let kill9 = start("sleep 1000");
        let term = start("sleep 1000");
        // A real-time signal: nix's own status decoding would reject it.
        let rt = start("sleep 1000");
        kill(kill9.pid, Signal::SIGKILL).unwrap();
        kill(term.pid, Signal::SIGTERM).unwrap();
        let sigrtmin_plus_6 = libc::SIGRTMIN() + 6;
        // SAFETY: kill has no memory arguments.
        assert_eq!(unsafe { libc::kill(rt.pid.as_raw(), sigrtmin_plus_6) }, 0);
        let got = collect(&mut reaper, &[kill9.pid, term.pid, rt.pid]).await;
        assert_eq!(
            describe_wait_status(got[&kill9.pid].status),
            "terminated by SIGKILL"
        );
        assert_eq!(
            describe_wait_status(got[&term.pid].status),
            "terminated by SIGTERM"
        );
        assert_eq!(
            got[&rt.pid].status,
            WaitStatus::Signaled {
                signal: sigrtmin_plus_6,
                core_dumped: false
            }
        );
        assert_eq!(
            describe_wait_status(got[&rt.pid].status),
            format!("terminated by signal {sigrtmin_plus_6}")
        );
    });
}

#[test]
fn orphans_come_back_to_the_subreaper() {
    let _guard = serial();
    runtime().block_on(async {
        let mut reaper = Reaper::new().unwrap();
        // The child starts a grandchild that waits on the child's stdin, prints its pid and exits;
        // the grandchild is re-parented to us and exits 5 when we close that pipe.
        let child =
            start("sh -c 'exec 3<&0; (read x <&3; exit 5) >/dev/null 2>&1 & echo $!; exit 0'");
        let stdin = child.stdin.unwrap();
        let grandchild = Pid::from_raw(read_all(child.stdout).trim().parse().unwrap());
        let got = collect(&mut reaper, &[child.pid]).await;
        assert_eq!(got[&child.pid].status, WaitStatus::Exited(0));

        let mut stdin = std::fs::File::from(stdin);
        stdin.write_all(b"go\n").unwrap();
        drop(stdin);
        let got = collect(&mut reaper, &[grandchild]).await;
        let orphan = got[&grandchild];
        assert_eq!(orphan.status, WaitStatus::Exited(5));
        assert_eq!(
            orphan_message(&orphan),
            format!("reaped unknown pid {grandchild} (exit status 5)")
        );
    });
}

#[test]
fn exits_before_the_reaper_started_are_collected() {
    let _guard = serial();
    let child = start("sh -c 'exit 7'");
    // Wait (without reaping) until the child is a zombie, before any SIGCHLD handler exists.
    wait_until(DEADLINE, "the child to become a zombie", || {
        std::fs::read_to_string(format!("/proc/{}/stat", child.pid))
            .map(|s| s.rsplit(')').next().unwrap().trim_start().starts_with('Z'))
            .unwrap_or(false)
    });
    runtime().block_on(async {
        let mut reaper = Reaper::new().unwrap();
        let got = collect(&mut reaper, &[child.pid]).await;
        assert_eq!(got[&child.pid].status, WaitStatus::Exited(7));
    });
    // Nothing is left over for a synchronous drain either.
    assert!(reap_exited().iter().all(|r| r.pid != child.pid));
}

#[test]
fn as_pid_1_orphans_are_reaped() {
    let _guard = serial();
    if !nix::unistd::getuid().is_root() {
        eprintln!("skipped: a new pid namespace needs root");
        return;
    }
    let out = std::process::Command::new("unshare")
        .args(["--pid", "--fork", "--mount-proc"])
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "pid_1_helper",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("REAPER_PID1_HELPER", "1")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("PID1-OK reaped unknown pid "), "{text}");
}

/// Not a test on its own: `as_pid_1_orphans_are_reaped` runs it as PID 1 of a new pid namespace.
#[test]
#[ignore = "helper process for as_pid_1_orphans_are_reaped"]
fn pid_1_helper() {
    if std::env::var_os("REAPER_PID1_HELPER").is_none() {
        return;
    }
    assert_eq!(std::process::id(), 1);
    runtime().block_on(async {
        let mut reaper = Reaper::new().unwrap();
        let child =
            start("sh -c 'exec 3<&0; (read x <&3; exit 4) >/dev/null 2>&1 & echo $!; exit 0'");
        let stdin = child.stdin.unwrap();
        let grandchild = Pid::from_raw(read_all(child.stdout).trim().parse().unwrap());
        collect(&mut reaper, &[child.pid]).await;
        drop(stdin);
        let got = collect(&mut reaper, &[grandchild]).await;
        assert_eq!(got[&grandchild].status, WaitStatus::Exited(4));
        println!("PID1-OK {}", orphan_message(&got[&grandchild]));
    });
    std::io::stdout().flush().unwrap();
    std::process::exit(0);
}
