//! Views of processes for front ends: borrowed for one call ([`ProcessView`], what the status
//! poll encodes without copying) or owned ([`ProcessStatus`], for keeping past the call).

use std::path::Path;

use supervisor_core::{ProcessInfo, ProcessState};

use super::types::LogChannel;
use super::Proc;

/// A read-only view of one process as `getProcessInfo` reports it, borrowed from the owner for
/// the time of one call (so the status poll is encoded without copying anything).
pub struct ProcessView<'a> {
    proc: &'a Proc,
    /// The state-dependent fields, taken at the time of the call.
    pub info: ProcessInfo,
    /// Supervisor's `description` (`pid 12, uptime 0:01:02`, `Not started`, …).
    pub description: String,
}

impl<'a> ProcessView<'a> {
    pub(super) fn new(proc: &'a Proc, info: ProcessInfo, description: String) -> Self {
        ProcessView {
            proc,
            info,
            description,
        }
    }

    /// The process name.
    pub fn name(&self) -> &'a str {
        &self.proc.config.name
    }

    /// The group name.
    pub fn group(&self) -> &'a str {
        &self.proc.config.group
    }

    /// The current state.
    pub fn state(&self) -> ProcessState {
        self.info.state
    }

    /// The resolved log file of a channel (AUTO replaced by the file created for it).
    pub fn logfile(&self, channel: LogChannel) -> Option<&'a Path> {
        self.proc.log_paths[channel as usize].as_deref()
    }

    /// An owned copy, for front ends that keep it past the call.
    pub fn to_status(&self) -> ProcessStatus {
        ProcessStatus {
            name: self.name().to_string(),
            group: self.group().to_string(),
            namespec: self.proc.namespec(),
            info: self.info.clone(),
            description: self.description.clone(),
        }
    }
}

/// An owned snapshot of one process's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessStatus {
    /// The process name.
    pub name: String,
    /// The group name.
    pub group: String,
    /// `group:name`, or `name` when both are equal.
    pub namespec: String,
    /// The state-dependent fields.
    pub info: ProcessInfo,
    /// Supervisor's `description`.
    pub description: String,
}
