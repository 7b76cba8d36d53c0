//! Changing a running group's programs without a config file: what supervisor_twiddler's
//! `addProgramToGroup` and `removeProcessFromGroup` do (checked against supervisor_twiddler
//! 1.0.0 on Supervisor 4.3.0).
//!
//! Twiddler edits the running group's config in place: new programs are appended to it (and
//! start if `autostart`), removed processes are taken out of it. Nothing is written to the config
//! file, so a reread finds the group changed, `update` puts it back as the file says, and a
//! restart forgets the changes, as with Python.

use std::sync::Arc;

use supervisor_config::model::{GroupKind, ProcessConfig};

use super::types::{ApiError, ProgramOptions};
use super::Supervisor;

impl Supervisor {
    /// The groups' names in the order they were added (Python's dict of groups).
    pub(super) fn group_names(&self) -> Vec<String> {
        let mut groups: Vec<_> = self.groups.iter().collect();
        groups.sort_by_key(|g| g.added);
        groups.iter().map(|g| g.config.name.clone()).collect()
    }

    /// Adds the processes of a program described by `options` to `group`; autostart ones
    /// start. Checked in twiddler's order: the group, the options, then the new names.
    pub(super) fn add_program(
        &mut self,
        group: &str,
        program: &str,
        options: &ProgramOptions,
    ) -> Result<(), ApiError> {
        let index = self.program_group(group)?;
        let pairs = match options {
            ProgramOptions::Pairs(pairs) => pairs,
            ProgramOptions::Invalid(why) => return Err(ApiError::BadProgram(why.clone())),
        };
        let latest = self.pending_config.as_ref().unwrap_or(&self.config);
        let added = (self.program_reader)(latest, group, program, pairs)
            .map_err(|e| ApiError::BadProgram(Some(e)))?;
        let existing = &self.groups[index].config.processes;
        if let Some(dup) = added
            .iter()
            .find(|new| existing.iter().any(|old| old.name == new.name))
        {
            return Err(ApiError::BadName(dup.name.clone()));
        }
        self.edit_group_configs(index, |processes| processes.extend(added.iter().cloned()));
        let ids: Vec<_> = added.into_iter().map(|p| self.create_proc(p)).collect();
        self.groups[index].members.extend(&ids);
        for id in ids {
            // Python's next pass of its loop starts a new autostart process.
            self.tick(id);
        }
        Ok(())
    }

    /// Removes one stopped process from `group` (any process, not only an added one).
    pub(super) fn remove_process(&mut self, group: &str, name: &str) -> Result<(), ApiError> {
        let index = self.program_group(group)?;
        let found = self.groups[index]
            .members
            .iter()
            .copied()
            .find(|id| self.procs.get(id).is_some_and(|p| p.config.name == name));
        let Some(id) = found else {
            return Err(ApiError::BadName(name.to_string()));
        };
        let proc = &self.procs[&id];
        if proc.machine.pid().is_some() || !proc.state().is_stopped() {
            return Err(ApiError::StillRunning(name.to_string()));
        }
        self.edit_group_configs(index, |processes| processes.retain(|p| p.name != name));
        self.groups[index].members.retain(|m| *m != id);
        if let Some(at) = self.procs.get(&id).and_then(|p| p.deadline) {
            self.deadlines.remove(&(at, id));
        }
        self.procs.remove(&id);
        Ok(())
    }

    /// The index of group `name`, which must hold programs: event listener pools and FastCGI
    /// groups keep per-process state (listener protocol, the shared socket) that a process
    /// added or removed behind their back would not have.
    fn program_group(&self, name: &str) -> Result<usize, ApiError> {
        let index = self
            .groups
            .iter()
            .position(|g| g.config.name == name)
            .ok_or_else(|| ApiError::BadGroup(name.to_string()))?;
        let kind = match self.groups[index].config.kind {
            GroupKind::Program => return Ok(index),
            GroupKind::EventListener(_) => "an event listener pool",
            GroupKind::FastCgi(_) => "a FastCGI group",
        };
        Err(ApiError::Failed(Some(format!(
            "{name} is {kind}; supervisor-rs adds and removes programs only in [program:x] \
             and [group:x] groups"
        ))))
    }

    /// Applies `edit` to the processes of group `index`, and to the same group of the latest
    /// config read while the two are one (see `Group::shares_latest`).
    fn edit_group_configs(&mut self, index: usize, edit: impl Fn(&mut Vec<Arc<ProcessConfig>>)) {
        let group = &mut self.groups[index];
        edit(&mut group.config.processes);
        if !group.shares_latest {
            return;
        }
        let name = group.config.name.clone();
        let latest = self.pending_config.as_mut().unwrap_or(&mut self.config);
        if let Some(g) = latest.groups.iter_mut().find(|g| g.name == name) {
            edit(&mut g.processes);
        }
    }
}
