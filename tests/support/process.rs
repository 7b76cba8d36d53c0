//! Processes: stopping what a test started, signals, and `/proc` lookups.

use std::process::Child;
use std::time::{Duration, Instant};

/// Stops a process the test started (typically a supervisord): SIGTERM (so a daemon stops its
/// children first; SIGKILL would orphan them), then up to `grace` for it to exit, then
/// SIGKILL. Returns at once if it has already exited.
pub fn terminate(child: &mut Child, grace: Duration) {
    if !matches!(child.try_wait(), Ok(None)) {
        return;
    }
    kill(child.id() as i32, libc::SIGTERM);
    let deadline = Instant::now() + grace;
    while !matches!(child.try_wait(), Ok(Some(_))) {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Sends `sig` to `pid` (a negative pid is a process group); errors are ignored.
pub fn kill(pid: i32, sig: i32) {
    // SAFETY: kill(2) has no memory-safety preconditions.
    unsafe {
        libc::kill(pid, sig);
    }
}

/// Whether a process with this pid exists and is not a zombie.
pub fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat_field(&stat, 3).is_some_and(|s| s != "Z" && s != "X"),
        Err(_) => false,
    }
}

/// Field `n` (1-based, as in proc(5)) of a `/proc/PID/stat` line.
pub fn stat_field(stat: &str, n: usize) -> Option<String> {
    // The command name (field 2) is in parentheses and may contain spaces.
    let close = stat.rfind(')')?;
    if n == 1 {
        return stat.split_whitespace().next().map(str::to_string);
    }
    if n == 2 {
        return Some(stat[stat.find('(')? + 1..close].to_string());
    }
    stat[close + 1..]
        .split_whitespace()
        .nth(n - 3)
        .map(str::to_string)
}

/// The process group of `pid`.
pub fn pgid_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat_field(&stat, 5)?.parse().ok()
}

/// The direct children of `pid`.
pub fn children_of(pid: i32) -> Vec<i32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect()
}

/// Voluntary and involuntary context switches of every thread of `pid`.
pub fn context_switches(pid: i32) -> (u64, u64, usize) {
    let mut vol = 0;
    let mut invol = 0;
    let mut threads = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap() {
        let status = std::fs::read_to_string(task.unwrap().path().join("status")).unwrap();
        threads += 1;
        for line in status.lines() {
            let value = |l: &str| l.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap();
            if line.starts_with("voluntary_ctxt_switches") {
                vol += value(line);
            } else if line.starts_with("nonvoluntary_ctxt_switches") {
                invol += value(line);
            }
        }
    }
    (vol, invol, threads)
}
