//! Process trees out of one `/proc` scan, and their summed usage.

use std::collections::HashMap;

use serde::Serialize;

use crate::procfs::{self, Stat};

/// What one process tree uses.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Usage {
    /// CPU seconds (user + system) of every live member and of the children they have reaped:
    /// a counter that only grows while the root runs.
    pub cpu_seconds: f64,
    /// Resident memory of the live members, summed (shared pages count once per member, as
    /// `ps` and Prometheus's process collector count them).
    pub rss_bytes: u64,
    /// Open file descriptors of the live members; `None` when one of them may not be looked at
    /// (another user's process while the daemon is not root, on kernels before 6.2).
    pub open_fds: Option<u64>,
    /// How many live processes the tree has (1 for a process without children).
    pub processes: u32,
}

/// Every process of one scan, indexed by pid and by parent.
pub struct Table {
    by_pid: HashMap<i32, Stat>,
    children: HashMap<i32, Vec<i32>>,
}

impl Table {
    /// Indexes one scan of `/proc`.
    pub fn new(stats: Vec<Stat>) -> Table {
        let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
        for st in &stats {
            children.entry(st.ppid).or_default().push(st.pid);
        }
        let by_pid = stats.into_iter().map(|st| (st.pid, st)).collect();
        Table { by_pid, children }
    }

    /// `root` and all its descendants (zombies included), root first; `None` if `root` is not
    /// in the table or is itself a zombie (it has exited: nothing runs any more).
    pub fn tree(&self, root: i32) -> Option<Vec<Stat>> {
        let first = self.by_pid.get(&root).filter(|st| !st.is_zombie())?;
        let mut members = vec![*first];
        let mut i = 0;
        while i < members.len() {
            if let Some(kids) = self.children.get(&members[i].pid) {
                members.extend(kids.iter().filter_map(|kid| self.by_pid.get(kid)));
            }
            i += 1;
        }
        Some(members)
    }
}

/// The machine's units of `/proc`'s numbers.
#[derive(Debug, Clone, Copy)]
pub struct Units {
    /// Clock ticks per second.
    pub ticks_per_second: u64,
    /// Bytes per page.
    pub page_size: u64,
}

impl Units {
    /// This machine's units.
    pub fn of_this_machine() -> Units {
        Units {
            ticks_per_second: procfs::ticks_per_second(),
            page_size: procfs::page_size(),
        }
    }

    /// The summed usage of `members`; with `reaped`, the CPU time of children they have waited
    /// for counts too (a tree's counter), without it only their own (the daemon's, whose reaped
    /// children are the managed processes).
    pub fn usage(&self, members: &[Stat], reaped: bool) -> Usage {
        let mut ticks = 0;
        let mut rss_pages = 0;
        let mut processes = 0;
        let mut open_fds = Some(0);
        for st in members {
            ticks += if reaped {
                st.cpu_ticks()
            } else {
                st.utime + st.stime
            };
            if st.is_zombie() {
                continue;
            }
            processes += 1;
            rss_pages += st.rss_pages;
            open_fds = open_fds.zip(procfs::open_fds(st.pid)).map(|(a, b)| a + b);
        }
        Usage {
            cpu_seconds: ticks as f64 / self.ticks_per_second as f64,
            rss_bytes: rss_pages * self.page_size,
            open_fds,
            processes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(pid: i32, ppid: i32, state: u8, ticks: u64, rss_pages: u64) -> Stat {
        Stat {
            pid,
            state,
            ppid,
            pgrp: pid,
            utime: ticks,
            stime: 0,
            cutime: 0,
            cstime: 0,
            start_ticks: 0,
            rss_pages,
        }
    }

    #[test]
    fn a_tree_is_the_root_and_every_descendant() {
        let table = Table::new(vec![
            st(1, 0, b'S', 0, 0),
            st(10, 1, b'S', 1, 1),
            st(11, 10, b'S', 2, 2),
            st(12, 11, b'Z', 3, 0),
            st(13, 1, b'S', 4, 4),
            st(14, 13, b'S', 5, 5),
        ]);
        let pids = |root| -> Option<Vec<i32>> {
            let mut v: Vec<i32> = table.tree(root)?.iter().map(|s| s.pid).collect();
            v.sort_unstable();
            Some(v)
        };
        assert_eq!(pids(10), Some(vec![10, 11, 12]));
        assert_eq!(pids(14), Some(vec![14]));
        assert_eq!(pids(99), None, "gone");
        assert_eq!(pids(12), None, "exited, not yet reaped");
    }

    #[test]
    fn usage_sums_live_members_and_keeps_zombie_cpu() {
        let units = Units {
            ticks_per_second: 100,
            page_size: 4096,
        };
        // Pids far beyond pid_max, so their fd directories do not exist.
        let members = [
            st(i32::MAX, 1, b'S', 150, 10),
            st(i32::MAX - 1, i32::MAX, b'R', 50, 5),
            st(i32::MAX - 2, i32::MAX, b'Z', 25, 0),
        ];
        let u = units.usage(&members, true);
        assert_eq!(u.cpu_seconds, 2.25);
        assert_eq!(u.rss_bytes, 15 * 4096);
        assert_eq!(u.processes, 2);
        assert_eq!(u.open_fds, None);
    }

    #[test]
    fn only_reaped_children_time_depends_on_the_flag() {
        let units = Units {
            ticks_per_second: 100,
            page_size: 4096,
        };
        let mut me = st(i32::MAX, 1, b'S', 100, 1);
        me.cutime = 900;
        assert_eq!(units.usage(&[me], true).cpu_seconds, 10.0);
        assert_eq!(units.usage(&[me], false).cpu_seconds, 1.0);
    }

    #[test]
    fn this_test_process_has_a_tree() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("spawn sleep");
        let me = std::process::id();
        let usage = super::super::sample_now(&[me, 0, child.id()]);
        let _ = child.kill();
        let _ = child.wait();
        let mine = usage[0].expect("this process is running");
        assert!(mine.processes >= 2, "{mine:?}");
        assert!(mine.rss_bytes > 1 << 20, "{mine:?}");
        assert!(mine.open_fds.is_some_and(|n| n >= 3), "{mine:?}");
        assert_eq!(usage[1], None);
        let sleep = usage[2].expect("sleep is running");
        assert_eq!(sleep.processes, 1);
        assert!(super::super::own().is_some_and(|u| u.processes == 1));
    }
}
