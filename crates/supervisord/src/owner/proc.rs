//! One supervised process on the owner: its config, its pure state machine, and the I/O
//! handles (pid, stdin, log captures) the machine's actions operate on.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use supervisor_config::model::{ChannelLog, ProcessConfig};
use supervisor_core::order::{Named, Prioritized};
use supervisor_core::{Mono, Policy, Process, ProcessState};

use super::stdin::StdinPipe;
use crate::logs::{CaptureHandle, Channel};
use crate::reaper::Reaped;

/// A process's id on the owner, stable for its whole life (pids change on every spawn).
pub type ProcId = u64;

/// One supervised process.
pub(crate) struct Proc {
    /// Stable id.
    pub(super) id: ProcId,
    /// The process's configuration.
    pub(super) config: Arc<ProcessConfig>,
    /// The state machine's view of the options.
    pub(super) policy: Policy,
    /// The lifecycle state.
    pub(super) machine: Process,
    /// The deadline the machine asked for, if any.
    pub(super) deadline: Option<Mono>,
    /// The child's stdin pipe.
    pub(super) stdin: Option<StdinPipe>,
    /// Live captures of stdout and stderr.
    pub(super) captures: [Option<CaptureHandle>; 2],
    /// An exit reaped while output was still being drained.
    pub(super) pending_exit: Option<Reaped>,
    /// When the current child was spawned (for the daemonized-survivor scan).
    pub(super) spawned_at: Option<Instant>,
    /// The resolved log file of each channel (AUTO replaced by the file created for it).
    pub(super) log_paths: [Option<PathBuf>; 2],
    /// Output bytes of each channel read by the captures that have ended (a live capture
    /// holds its own count): the process's output since it was created.
    pub(super) output_bytes: [u64; 2],
}

impl Proc {
    /// Builds the runtime state of a configured process; `log_paths` are the resolved files.
    pub(super) fn new(
        id: ProcId,
        config: Arc<ProcessConfig>,
        log_paths: [Option<PathBuf>; 2],
    ) -> Proc {
        let policy = policy_of(&config);
        Proc {
            id,
            config,
            policy,
            machine: Process::new(),
            deadline: None,
            stdin: None,
            captures: [None, None],
            pending_exit: None,
            spawned_at: None,
            log_paths,
            output_bytes: [0, 0],
        }
    }

    /// The namespec clients use: `group:name`, or `name` when both are equal.
    pub(super) fn namespec(&self) -> String {
        self.config.namespec()
    }

    /// The current state.
    pub(super) fn state(&self) -> ProcessState {
        self.machine.state()
    }

    /// Output bytes of a channel since the process was created, the live capture's included.
    pub(super) fn output_bytes(&self, channel: Channel) -> u64 {
        let index = channel as usize;
        let live = self.captures[index]
            .as_ref()
            .map_or(0, CaptureHandle::bytes_read);
        self.output_bytes[index] + live
    }

    /// The log options of one channel.
    pub(super) fn channel_config(&self, channel: Channel) -> &ChannelLog {
        match channel {
            Channel::Stdout => &self.config.stdout,
            Channel::Stderr => &self.config.stderr,
        }
    }
}

impl Named for Proc {
    fn name(&self) -> &str {
        &self.config.name
    }
}

impl Prioritized for Proc {
    fn priority(&self) -> i64 {
        self.config.priority
    }
}

/// The state machine's policy for a process config.
fn policy_of(c: &ProcessConfig) -> Policy {
    let mut p = Policy::new(c.name.clone());
    p.startsecs = u64::try_from(c.startsecs).unwrap_or(0);
    p.startretries = u32::try_from(c.startretries).unwrap_or(0);
    p.autostart = c.autostart;
    p.autorestart = c.autorestart;
    p.exitcodes = c.exitcodes.clone();
    p.stopsignal = c.stopsignal;
    p.stopwaitsecs = u64::try_from(c.stopwaitsecs).unwrap_or(0);
    p.stopasgroup = c.stopasgroup;
    p.killasgroup = c.killasgroup;
    p
}
