//! What `/metrics` reads of the owner, taken in one job ([`Supervisor::metrics_snapshot`]):
//! plain numbers and names, so the text is written off the owner and the process trees are
//! read from `/proc` without holding it.

use supervisor_config::model::GroupKind;
use supervisor_core::{ProcessState, Restarts, SupervisorState};

use super::Supervisor;
use crate::logs::Channel;

/// The daemon and every process at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsSnapshot {
    /// supervisord's mood (RUNNING, RESTARTING, SHUTDOWN).
    pub mood: SupervisorState,
    /// The `identifier` option.
    pub identification: String,
    /// Every process, sorted by group then name.
    pub processes: Vec<ProcessMetrics>,
    /// Every event listener pool, in start order.
    pub pools: Vec<PoolMetrics>,
}

/// One process's numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessMetrics {
    /// The group name.
    pub group: String,
    /// The process name.
    pub name: String,
    /// The current state.
    pub state: ProcessState,
    /// The pid of the running child, 0 if none.
    pub pid: u32,
    /// Wall-clock time of the last start, `None` if never started.
    pub start_time: Option<f64>,
    /// The status of the last exit (-1 for a signal), `None` if it never exited.
    pub exit_status: Option<i32>,
    /// Starts made without being asked, by reason.
    pub restarts: Restarts,
    /// Output bytes read from stdout and stderr since the process was created.
    pub output_bytes: [u64; 2],
}

/// One event listener pool's queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolMetrics {
    /// The pool (group) name.
    pub name: String,
    /// Events waiting in its buffer for a free listener.
    pub queued: usize,
    /// `buffer_size`: how many it holds before the oldest is dropped.
    pub capacity: usize,
}

impl Supervisor {
    /// Everything `/metrics` reports of the owner's state.
    pub(super) fn metrics_snapshot(&self) -> MetricsSnapshot {
        let mut processes: Vec<ProcessMetrics> = self
            .procs
            .values()
            .map(|p| ProcessMetrics {
                group: p.config.group.clone(),
                name: p.config.name.clone(),
                state: p.state(),
                pid: p.machine.pid().unwrap_or(0),
                start_time: p.machine.ever_started().then(|| p.machine.laststart()),
                exit_status: p.machine.last_exit(),
                restarts: p.machine.restarts(),
                output_bytes: [
                    p.output_bytes(Channel::Stdout),
                    p.output_bytes(Channel::Stderr),
                ],
            })
            .collect();
        processes.sort_unstable_by(|a, b| (&a.group, &a.name).cmp(&(&b.group, &b.name)));
        let pools = self
            .events
            .hub()
            .pools()
            .iter()
            .map(|pool| PoolMetrics {
                name: pool.name().to_string(),
                queued: pool.buffered().count(),
                capacity: self.pool_capacity(pool.name()),
            })
            .collect();
        MetricsSnapshot {
            mood: self.mood,
            identification: self.config.supervisord.identifier.clone(),
            processes,
            pools,
        }
    }

    /// The `buffer_size` of the event listener group `name` (0 if it is not one).
    fn pool_capacity(&self, name: &str) -> usize {
        self.groups
            .iter()
            .find(|g| g.config.name == name)
            .and_then(|g| match &g.config.kind {
                GroupKind::EventListener(pool) => usize::try_from(pool.buffer_size).ok(),
                _ => None,
            })
            .unwrap_or(0)
    }
}
