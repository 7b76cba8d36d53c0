//! The daemonizing-program trap: a program exits "too quickly" because it forked into the
//! background, leaving its real work running outside supervision.
//!
//! This is the most common Supervisor support question (uwsgi with `daemonize=`, nginx without
//! `daemon off;`, services started through init scripts). Supervisor only says "Exited too
//! quickly". When a child exits within `startsecs`, the owner calls [`find_survivors`] and, if it
//! finds any, adds [`daemonized_hint`] to the daemon log and the process's `spawnerr`.
//!
//! A survivor is a live process that is either still in the exited child's process group (the
//! child led its own group, so nobody else can be in it) or that was re-parented to us (we are
//! the child subreaper, or PID 1), is not one of our managed children, and started after the
//! exited child did. Their own descendants are included. It scans `/proc` (`crate::procfs`), which is cheap enough
//! for a path taken only on an early exit.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use nix::time::{clock_gettime, ClockId};
use nix::unistd::Pid;

use crate::procfs::{self, Stat};

/// Live processes left behind by `exited` (a child that was spawned at `spawned_at` and has just
/// been reaped), in ascending pid order.
///
/// `is_managed(pid)` must say whether a pid is one of the daemon's own current children, so that
/// they are not mistaken for orphans.
pub fn find_survivors(
    exited: Pid,
    spawned_at: Instant,
    is_managed: impl Fn(Pid) -> bool,
) -> Vec<Pid> {
    let me = std::process::id() as i32;
    let procs: Vec<Stat> = procfs::scan()
        .into_iter()
        .filter(|p| !p.is_zombie())
        .collect();
    let since = spawned_after_ticks(spawned_at);
    let exited = exited.as_raw();

    let mut roots: Vec<i32> = procs
        .iter()
        .filter(|p| p.pid != exited && p.pid != me)
        .filter(|p| {
            p.pgrp == exited
                || (p.ppid == me
                    && !is_managed(Pid::from_raw(p.pid))
                    && since.is_none_or(|t| p.start_ticks >= t))
        })
        .map(|p| p.pid)
        .collect();

    // Add every descendant of the roots (children of a daemonized master, say).
    let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
    for p in &procs {
        children.entry(p.ppid).or_default().push(p.pid);
    }
    let mut seen: HashSet<i32> = roots.iter().copied().collect();
    let mut i = 0;
    while i < roots.len() {
        if let Some(kids) = children.get(&roots[i]) {
            for &kid in kids {
                if seen.insert(kid) {
                    roots.push(kid);
                }
            }
        }
        i += 1;
    }
    roots.sort_unstable();
    roots.into_iter().map(Pid::from_raw).collect()
}

/// How many survivor pids the hint lists before abbreviating (it ends up in `spawnerr`).
const LISTED_PIDS: usize = 10;

/// The explanation added when a program that exited too quickly left processes running.
pub fn daemonized_hint(survivors: &[Pid]) -> String {
    let mut pids = survivors
        .iter()
        .take(LISTED_PIDS)
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    if survivors.len() > LISTED_PIDS {
        pids.push_str(", ...");
    }
    let (count, noun, pid_word) = match survivors.len() {
        1 => ("1".to_owned(), "process", "pid"),
        n => (n.to_string(), "processes", "pids"),
    };
    format!(
        "exited too quickly, but left {count} {noun} running ({pid_word} {pids}): the program \
         probably daemonized itself; run it in the foreground (e.g. uwsgi --no-daemonize / nginx \
         \"daemon off;\"), or wrap it with pidproxy"
    )
}

/// The boot-relative start time, in clock ticks, of something that started at `at`, with a
/// couple of ticks of slack for rounding; `None` if the clocks can't be read.
fn spawned_after_ticks(at: Instant) -> Option<u64> {
    // /proc's start times count from boot (CLOCK_BOOTTIME); Instant is CLOCK_MONOTONIC.
    let ts = clock_gettime(ClockId::CLOCK_BOOTTIME).ok()?;
    let boot_now = Duration::new(u64::try_from(ts.tv_sec()).ok()?, ts.tv_nsec() as u32);
    let boot_then = boot_now.checked_sub(at.elapsed())?;
    let hz = procfs::ticks_per_second();
    let ticks = boot_then.as_secs() * hz + u64::from(boot_then.subsec_nanos()) * hz / 1_000_000_000;
    Some(ticks.saturating_sub(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hint_wording() {
        assert_eq!(
            daemonized_hint(&[Pid::from_raw(123)]),
            "exited too quickly, but left 1 process running (pid 123): the program probably \
             daemonized itself; run it in the foreground (e.g. uwsgi --no-daemonize / nginx \
             \"daemon off;\"), or wrap it with pidproxy"
        );
        assert_eq!(
            daemonized_hint(&[Pid::from_raw(123), Pid::from_raw(456)]),
            "exited too quickly, but left 2 processes running (pids 123, 456): the program \
             probably daemonized itself; run it in the foreground (e.g. uwsgi --no-daemonize / \
             nginx \"daemon off;\"), or wrap it with pidproxy"
        );
    }

    #[test]
    fn long_pid_lists_are_abbreviated() {
        let many: Vec<Pid> = (100..125).map(Pid::from_raw).collect();
        let hint = daemonized_hint(&many);
        assert!(hint.starts_with(
            "exited too quickly, but left 25 processes running (pids 100, 101, 102, 103, 104, \
             105, 106, 107, 108, 109, ...): "
        ));
    }
}
