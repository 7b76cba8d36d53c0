//! The operations behind the owner API, run on the owner: name resolution, process order,
//! start/stop (through `batch`), signals, stdin, logs, the config diff and groups.
//!
//! Each is what Supervisor's RPC method of the same purpose does, minus the wire format; the
//! [`Owner`](super::Owner) methods call them inside one owner job after the mood check.

use supervisor_config::model::{ChildLog, Config};
use supervisor_core::namespec::Namespec;
use supervisor_core::order::{members_for_start, members_for_stop, reload_diff};
use supervisor_core::{Event, ReloadDiff, SupervisorState};
use tokio::sync::oneshot;

use super::batch::{self, refusal_error, Op};
use super::types::{
    ApiError, ConfigEntry, DaemonState, LogChannel, LogName, Member, ProcessResult, SignalArg,
};
use super::view::ProcessView;
use super::{wall_now, Proc, ProcId, Supervisor};

/// A failed log clear as Supervisor's `FAILED: name`.
fn log_result(r: Result<(), ()>, name: &str) -> Result<(), ApiError> {
    r.map_err(|()| ApiError::Failed(Some(name.to_string())))
}

impl Supervisor {
    /// Python's `_update`: nothing but remote events while shutting down or reloading.
    pub(super) fn check_mood(&self) -> Result<(), ApiError> {
        match self.mood {
            SupervisorState::Running | SupervisorState::Fatal => Ok(()),
            SupervisorState::Restarting | SupervisorState::Shutdown => Err(ApiError::ShuttingDown),
        }
    }

    /// The daemon's mood, identification and pid.
    pub(super) fn daemon_state(&self) -> DaemonState {
        DaemonState {
            mood: self.mood,
            identification: self.config.supervisord.identifier.clone(),
            pid: std::process::id(),
        }
    }

    /// Resolves a namespec naming exactly one process (spec §4.6); the error names it as given.
    pub(super) fn resolve_one(&self, spec: &str) -> Result<ProcId, ApiError> {
        match Namespec::parse(spec) {
            Namespec::Process { group, name } => self.find(group, name),
            Namespec::Group(_) => None,
        }
        .ok_or_else(|| ApiError::BadName(spec.to_string()))
    }

    /// A group's processes, in config order; `None` for an unknown group.
    fn group_procs(&self, group: &str) -> Option<Vec<&Proc>> {
        let g = self.group(group)?;
        Some(
            g.members
                .iter()
                .filter_map(|id| self.procs.get(id))
                .collect(),
        )
    }

    /// A group's processes in Supervisor's start order (by process priority, config order for
    /// ties); `None` for an unknown group.
    pub(super) fn members_in_start_order(&self, group: &str) -> Option<Vec<ProcId>> {
        let procs = self.group_procs(group)?;
        Some(members_for_start(&procs).iter().map(|p| p.id).collect())
    }

    /// A group's processes in stop order (the reverse of start order).
    pub(super) fn members_in_stop_order(&self, group: &str) -> Vec<ProcId> {
        let procs = self.group_procs(group).unwrap_or_default();
        members_for_stop(&procs).iter().map(|p| p.id).collect()
    }

    /// Every group in start order, each with its processes in start order.
    fn start_stages(&self) -> Vec<Vec<ProcId>> {
        self.groups
            .iter()
            .filter_map(|g| self.members_in_start_order(&g.config.name))
            .collect()
    }

    /// Every process: groups in start order, processes in start order.
    fn all_in_start_order(&self) -> Vec<ProcId> {
        self.start_stages().into_iter().flatten().collect()
    }

    /// Starts or stops one process.
    pub(super) fn op_one(
        &mut self,
        op: Op,
        spec: &str,
        wait: bool,
        reply: oneshot::Sender<Result<(), ApiError>>,
    ) {
        match self.resolve_one(spec) {
            Ok(id) => batch::one(self, op, id, spec, wait, reply),
            Err(e) => drop(reply.send(Err(e))),
        }
    }

    /// Starts or stops every process of a group; `shown` is the name an unknown group is
    /// reported by (the namespec as the caller gave it: `g` or `g:*`).
    pub(super) fn op_group(
        &mut self,
        op: Op,
        group: &str,
        shown: &str,
        wait: bool,
        reply: oneshot::Sender<Result<Vec<ProcessResult>, ApiError>>,
    ) {
        match self.members_in_start_order(group) {
            Some(ids) => batch::many(self, op, wait, vec![ids], reply),
            None => drop(reply.send(Err(ApiError::BadName(shown.to_string())))),
        }
    }

    /// Starts every process at once, in start order (Q9, as Supervisor).
    pub(super) fn start_all(
        &mut self,
        wait: bool,
        reply: oneshot::Sender<Result<Vec<ProcessResult>, ApiError>>,
    ) {
        let all = self.all_in_start_order();
        batch::many(self, Op::Start, wait, vec![all], reply);
    }

    /// Stops every process in stop order (fix Q8: the reverse of start order, as the docs
    /// promise). With `wait`, each group is stopped completely before the next one is
    /// signalled, like the ordered shutdown; without it everything is signalled at once.
    pub(super) fn stop_all(
        &mut self,
        wait: bool,
        reply: oneshot::Sender<Result<Vec<ProcessResult>, ApiError>>,
    ) {
        let mut stages: Vec<Vec<ProcId>> = self
            .groups
            .iter()
            .rev()
            .map(|g| self.members_in_stop_order(&g.config.name))
            .collect();
        if !wait {
            stages = vec![stages.into_iter().flatten().collect()];
        }
        batch::many(self, Op::Stop, wait, stages, reply);
    }

    /// Signals one process; signal 0 only checks that it exists (Python's `os.kill(pid, 0)`).
    fn signal_proc(&mut self, id: ProcId, name: &str, signal: i32) -> Result<(), ApiError> {
        if signal == 0 {
            let proc = &self.procs[&id];
            if !proc.state().is_signallable() {
                return Err(ApiError::NotRunning(name.to_string()));
            }
            let pid = proc.machine.pid().unwrap_or(0) as i32;
            return nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None)
                .map_err(|e| ApiError::Failed(Some(format!("[Errno {}] {}", e as i32, e.desc()))));
        }
        self.handle(id, Event::Signal { signal })
            .map_err(|r| refusal_error(r, name))
    }

    /// Signals one process.
    pub(super) fn signal_one(&mut self, spec: &str, signal: &SignalArg) -> Result<(), ApiError> {
        let id = self.resolve_one(spec)?;
        match signal {
            SignalArg::Number(n) => self.signal_proc(id, spec, *n),
            SignalArg::Invalid(text) => Err(ApiError::BadSignal(text.clone())),
        }
    }

    /// Signals every signallable process of a group (with the name an unknown group is
    /// reported by), or of every group (`None`); a bad signal is reported per process, as
    /// Supervisor does.
    pub(super) fn signal_many(
        &mut self,
        group: Option<(&str, &str)>,
        signal: &SignalArg,
    ) -> Result<Vec<ProcessResult>, ApiError> {
        let ids = match group {
            Some((g, shown)) => self
                .members_in_start_order(g)
                .ok_or_else(|| ApiError::BadName(shown.to_string()))?,
            None => self.all_in_start_order(),
        };
        let mut results = Vec::new();
        for id in ids {
            let Some(proc) = self.procs.get(&id) else {
                continue;
            };
            if !proc.state().is_signallable() {
                continue;
            }
            let member = Member::of(proc);
            let result = match signal {
                SignalArg::Number(n) => self.signal_proc(id, &member.namespec, *n),
                SignalArg::Invalid(text) => Err(ApiError::BadSignal(text.clone())),
            };
            results.push(ProcessResult { member, result });
        }
        Ok(results)
    }

    /// Truncates a process's log files and drops their backups; a stopped process's files too
    /// (fix Q46).
    fn clear_proc_logs(&mut self, id: ProcId) -> Result<(), ()> {
        let proc = &self.procs[&id];
        let mut ok = true;
        for (index, path) in proc.log_paths.iter().enumerate() {
            match &proc.captures[index] {
                Some(capture) => ok &= capture.clear().is_ok(),
                None => {
                    if let Some(path) = path {
                        ok &= crate::logs::LogFile::open(path.clone(), 1, 0)
                            .and_then(|mut f| f.clear())
                            .is_ok();
                    }
                }
            }
        }
        if ok {
            Ok(())
        } else {
            Err(())
        }
    }

    /// Clears one process's logs.
    pub(super) fn clear_logs(&mut self, spec: &str) -> Result<(), ApiError> {
        let id = self.resolve_one(spec)?;
        log_result(self.clear_proc_logs(id), spec)
    }

    /// Clears every process's logs, in start order.
    pub(super) fn clear_all_logs(&mut self) -> Vec<ProcessResult> {
        let ids = self.all_in_start_order();
        self.clear_each(ids)
    }

    /// Clears the logs of every process of a group, in start order; `shown` is the name an
    /// unknown group is reported by (`g:*` as the caller gave it).
    pub(super) fn clear_group_logs(
        &mut self,
        group: &str,
        shown: &str,
    ) -> Result<Vec<ProcessResult>, ApiError> {
        let ids = self
            .members_in_start_order(group)
            .ok_or_else(|| ApiError::BadName(shown.to_string()))?;
        Ok(self.clear_each(ids))
    }

    /// Clears the logs of each process, with a result per process.
    fn clear_each(&mut self, ids: Vec<ProcId>) -> Vec<ProcessResult> {
        ids.into_iter()
            .map(|id| {
                let member = Member::of(&self.procs[&id]);
                let result = log_result(self.clear_proc_logs(id), &member.namespec);
                ProcessResult { member, result }
            })
            .collect()
    }

    /// Writes `data` to a running process's stdin.
    pub(super) fn send_stdin(&mut self, spec: &str, data: &[u8]) -> Result<(), ApiError> {
        let id = self.resolve_one(spec)?;
        let proc = self.procs.get_mut(&id).expect("resolved");
        if proc.machine.pid().is_none() || proc.machine.killing() {
            return Err(ApiError::NotRunning(spec.to_string()));
        }
        let Some(stdin) = proc.stdin.as_mut() else {
            return Err(ApiError::NoFile(Some(spec.to_string())));
        };
        if stdin.write(data).is_err() {
            // The child closed its stdin (EPIPE): Supervisor's NO_FILE, now and later.
            proc.stdin = None;
            return Err(ApiError::NoFile(Some(spec.to_string())));
        }
        Ok(())
    }

    /// The resolved log file of one process's channel (`None`: it logs nowhere).
    pub(super) fn log_path(
        &self,
        spec: &str,
        channel: LogChannel,
    ) -> Result<Option<std::path::PathBuf>, ApiError> {
        let id = self.resolve_one(spec)?;
        Ok(self.procs[&id].log_paths[channel as usize].clone())
    }

    /// The `getProcessInfo` view of one process.
    pub(super) fn view(&self, id: ProcId, now: f64, tz: &jiff::tz::TimeZone) -> ProcessView<'_> {
        view_of(&self.procs[&id], now, tz)
    }

    /// Every process's view, sorted by group name, then process name (Python's lexical order).
    pub(super) fn views(&self) -> Vec<ProcessView<'_>> {
        let now = wall_now();
        let tz = jiff::tz::TimeZone::system();
        let mut procs: Vec<&Proc> = self.procs.values().collect();
        procs.sort_unstable_by(|x, y| {
            (&x.config.group, &x.config.name).cmp(&(&y.config.group, &y.config.name))
        });
        procs
            .into_iter()
            .map(|p| self.view(p.id, now, &tz))
            .collect()
    }

    /// Reads the config on disk and compares it with the running groups; the config is kept
    /// for [`Supervisor::add_group_named`] (`reloadConfig`).
    /// The config reader, for running it off the owner's thread.
    pub(super) fn reloader(&self) -> super::Reloader {
        std::sync::Arc::clone(&self.reloader)
    }

    /// Compares `new` (just read from disk) with the running groups and keeps it for
    /// `add_group`/`update` (`reloadConfig`).
    pub(super) fn reread_with(&mut self, new: Config) -> ReloadDiff {
        // A group is "changed" when any of its settings differ (AUTO log files compare equal
        // to AUTO: the running config still says AUTO).
        let running: Vec<_> = self.groups.iter().map(|g| &g.config).collect();
        let new_groups: Vec<_> = new.groups.iter().collect();
        let diff = reload_diff(&running, &new_groups);
        self.pending_config = Some(new);
        for group in &mut self.groups {
            group.shares_latest = false;
        }
        diff
    }

    /// Adds a group from the latest config read: the reread one, else the running one (so a
    /// group removed without a reread can be added back, as with Supervisor).
    pub(super) fn add_group_named(&mut self, name: &str) -> Result<(), ApiError> {
        if self.group(name).is_some() {
            return Err(ApiError::AlreadyAdded(name.to_string()));
        }
        let config = match &self.pending_config {
            Some(_) => self.pending_group(name),
            None => self.config.group(name).cloned(),
        }
        .ok_or_else(|| ApiError::BadName(name.to_string()))?;
        self.add_group(config);
        Ok(())
    }

    /// Removes a group whose processes are all stopped.
    pub(super) fn remove_group_named(&mut self, name: &str) -> Result<(), ApiError> {
        if self.group(name).is_none() {
            return Err(ApiError::BadName(name.to_string()));
        }
        if !self.remove_group(name) {
            return Err(ApiError::StillRunning(name.to_string()));
        }
        Ok(())
    }

    /// One entry per process of the latest config read (the running one, or the one a reread
    /// loaded), sorted by process name, ties in config order.
    ///
    /// AUTO log files are the real file while the running config is the latest, `auto` after
    /// a reread (as Supervisor).
    pub(super) fn config_entries(&self) -> Vec<ConfigEntry> {
        let config: &Config = self.pending_config.as_ref().unwrap_or(&self.config);
        let mut rows = Vec::new();
        for group in &config.groups {
            let inuse = self.group(&group.name).is_some();
            for p in &group.processes {
                let running = self
                    .find(&group.name, &p.name)
                    .and_then(|id| self.procs.get(&id));
                let logname = |log: &ChildLog, index: usize| match log {
                    ChildLog::None => LogName::None,
                    ChildLog::Path(path) => LogName::Path(path.clone()),
                    ChildLog::Auto => match (self.pending_config.is_none(), running) {
                        (true, Some(r)) => r.log_paths[index]
                            .clone()
                            .map_or(LogName::Auto, LogName::Path),
                        _ => LogName::Auto,
                    },
                };
                rows.push(ConfigEntry {
                    group: group.name.clone(),
                    group_priority: group.priority,
                    process: p.clone(),
                    inuse,
                    logfiles: [logname(&p.stdout.logfile, 0), logname(&p.stderr.logfile, 1)],
                });
            }
        }
        // Stable, like Python's sort: equal names keep config order.
        rows.sort_by(|a, b| a.process.name.as_bytes().cmp(b.process.name.as_bytes()));
        rows
    }

    /// Whether an HTTP server section asks for Supervisor's acting GET links on the web page.
    pub(super) fn legacy_web_actions(&self) -> bool {
        self.config
            .server_configs
            .iter()
            .any(|c| c.legacy_web_actions())
    }
}

/// A process's `getProcessInfo` view at wall time `now`.
fn view_of<'a>(proc: &'a Proc, now: f64, tz: &jiff::tz::TimeZone) -> ProcessView<'a> {
    let info = proc.machine.info(now);
    let description = info.description(&proc.config.name, |t| localtime(tz, t));
    ProcessView::new(proc, info, description)
}

/// Converts epoch seconds to local time for `description` (`Nov 25 02:10 PM`).
fn localtime(tz: &jiff::tz::TimeZone, epoch: i32) -> supervisor_core::LocalTime {
    let zoned = tz.to_datetime(
        jiff::Timestamp::from_second(i64::from(epoch)).unwrap_or(jiff::Timestamp::UNIX_EPOCH),
    );
    supervisor_core::LocalTime {
        month: zoned.month() as u8,
        day: zoned.day() as u8,
        hour: zoned.hour() as u8,
        minute: zoned.minute() as u8,
    }
}
