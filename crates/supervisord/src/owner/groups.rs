//! Process groups on the owner: creating them from the config (AUTO logs included), adding and
//! removing them at run time.

use std::path::PathBuf;
use std::sync::Arc;

use supervisor_config::model::{ChildLog, Config, GroupConfig, GroupKind, ProcessConfig};
use supervisor_core::order::{sort_for_start, start_cmp};

use super::{Proc, ProcId, Supervisor};
use crate::logs::create_auto_log;
use supervisor_core::LogLevel;

/// A running group: its config and its processes, in config order.
pub(super) struct Group {
    /// The group's configuration (with the programs twiddler added or removed since).
    pub(super) config: GroupConfig,
    /// Its processes.
    pub(super) members: Vec<ProcId>,
    /// When it was added, counting from the daemon's start (Python keeps its groups in a dict,
    /// so twiddler's `getGroupNames` lists them in the order they were added).
    pub(super) added: u64,
    /// Whether its config is the one in the latest config read. In Python both are the same
    /// object until a reread replaces the latter, so a program twiddler adds to the group also
    /// appears in `getAllConfigInfo` and comes back with a re-added group.
    pub(super) shares_latest: bool,
}

impl Supervisor {
    /// Creates every configured group in start order, as Supervisor does before it opens its
    /// HTTP servers: AUTO log files, FastCGI socket checks, `PROCESS_GROUP_ADDED` events.
    /// Nothing is started yet: [`run`](super::run) lets autostart happen.
    pub fn add_all_groups(&mut self) {
        let mut configs = self.config.groups.clone();
        sort_for_start(&mut configs);
        for group in configs {
            self.create_group(group);
        }
    }

    /// Lets every process of every group autostart (the first pass of Supervisor's loop).
    pub(super) fn autostart_all(&mut self) {
        let ids: Vec<ProcId> = self
            .groups
            .iter()
            .flat_map(|g| g.members.iter().copied())
            .collect();
        for id in ids {
            self.tick(id);
        }
    }

    /// Instantiates a group at run time (`addProcessGroup`): processes start STOPPED, and
    /// autostart ones are started.
    pub(super) fn add_group(&mut self, config: GroupConfig) {
        for id in self.create_group(config) {
            self.tick(id);
        }
    }

    /// Instantiates a group (from the latest config read) without starting anything; returns
    /// its processes.
    fn create_group(&mut self, config: GroupConfig) -> Vec<ProcId> {
        if let GroupKind::FastCgi(socket) = &config.kind {
            self.add_fcgi_socket(&config.name, socket.clone());
        }
        let members: Vec<ProcId> = config
            .processes
            .iter()
            .map(|p| self.create_proc(p.clone()))
            .collect();
        let pos = self
            .groups
            .iter()
            .position(|g| start_cmp(&g.config, &config).is_gt())
            .unwrap_or(self.groups.len());
        self.groups_added += 1;
        self.groups.insert(
            pos,
            Group {
                config,
                members: members.clone(),
                added: self.groups_added,
                shares_latest: true,
            },
        );
        self.events_group_added(pos);
        members
    }

    /// Instantiates one process (its AUTO log files included); returns its id.
    pub(super) fn create_proc(&mut self, config: Arc<ProcessConfig>) -> ProcId {
        let id = self.next_id;
        self.next_id += 1;
        let log_paths = [
            self.resolve_log(&config, &config.stdout.logfile, "stdout"),
            self.resolve_log(&config, &config.stderr.logfile, "stderr"),
        ];
        self.procs.insert(id, Proc::new(id, config, log_paths));
        id
    }

    fn resolve_log(&self, p: &ProcessConfig, log: &ChildLog, channel: &str) -> Option<PathBuf> {
        match log {
            ChildLog::None => None,
            ChildLog::Path(path) => Some(path.clone()),
            ChildLog::Auto => {
                let sd = &self.config.supervisord;
                match create_auto_log(&sd.childlogdir, &p.name, channel, &sd.identifier) {
                    Ok(path) => Some(path),
                    Err(e) => {
                        self.log(
                            LogLevel::Error,
                            &format!("could not create AUTO {channel} log for {}: {e}", p.name),
                        );
                        None
                    }
                }
            }
        }
    }

    /// The group named `name`.
    pub(super) fn group(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.config.name == name)
    }

    /// Removes a group whose processes are all stopped; `false` if one is still running.
    pub(super) fn remove_group(&mut self, name: &str) -> bool {
        let Some(pos) = self.groups.iter().position(|g| g.config.name == name) else {
            return false;
        };
        let stopped = self.groups[pos]
            .members
            .iter()
            .all(|id| self.procs.get(id).is_none_or(|p| p.state().is_stopped()));
        if !stopped {
            return false;
        }
        let group = self.groups.remove(pos);
        self.events_group_removed(&group);
        self.remove_fcgi_socket(name);
        for id in group.members {
            if let Some(at) = self.procs.get(&id).and_then(|p| p.deadline) {
                self.deadlines.remove(&(at, id));
            }
            self.procs.remove(&id);
        }
        true
    }

    /// Finds a process by `group:name` / `name` (spec §4.6).
    pub(super) fn find(&self, group: &str, name: &str) -> Option<ProcId> {
        let g = self.group(group)?;
        g.members
            .iter()
            .copied()
            .find(|id| self.procs.get(id).is_some_and(|p| p.config.name == name))
    }

    /// The pending config's group of that name, if `reloadConfig` loaded one.
    pub(super) fn pending_group(&self, name: &str) -> Option<GroupConfig> {
        self.pending_config
            .as_ref()
            .and_then(|c: &Config| c.group(name).cloned())
    }

    /// Every process in group order, then config order.
    pub(super) fn all_procs(&self) -> impl Iterator<Item = &Proc> {
        self.groups
            .iter()
            .flat_map(|g| g.members.iter().filter_map(|id| self.procs.get(id)))
    }
}
