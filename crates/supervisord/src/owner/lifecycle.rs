//! Performing what the state machines decide: feeding them events, spawning children and
//! capturing their output, sending signals, and delivering exits once output is drained.

use std::path::PathBuf;
use std::time::Instant;

use supervisor_core::{Action, Event, LogLevel, Outcome, ProcessState, StateChange};

use super::stdin::StdinPipe;
use super::{Proc, ProcId, Supervisor};
use crate::logs::{spawn_capture, CaptureConfig, CaptureNotice, Channel, LogFile};
use crate::reaper::Reaped;
use crate::spawn::{self, CommandLine, SpawnRequest, StdinSource};

/// kill(2) with any signal number, real-time ones included (nix's `Signal` has no SIGRTMIN+n).
fn send_signal(target: i32, signal: i32) -> Result<(), i32> {
    // SAFETY: kill(2) takes plain integers and touches no memory of ours.
    if unsafe { libc::kill(target, signal) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EINVAL))
    }
}

/// How many recent child pids are remembered to attribute orphans to their process group.
const RECENT_SPAWNS: usize = 1024;

/// The process group of a live process, from `/proc/PID/stat`.
fn process_group_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which is in parentheses and may hold anything):
    // state, ppid, pgrp, ...
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(2)?.parse().ok()
}

impl Supervisor {
    /// Feeds `event` to a process's state machine at the current time and performs the outcome.
    ///
    /// An explicit stop that leaves the process STOPPING logs `waiting for NAME to stop`, as
    /// Supervisor's `stopProcess` does while it waits (Python repeats it every 2 seconds from
    /// its polling loop; without a loop tick we say it once, when the wait begins).
    pub(super) fn handle(
        &mut self,
        id: ProcId,
        event: Event,
    ) -> Result<(), supervisor_core::Refusal> {
        let now = self.now();
        let is_stop = event == Event::Stop;
        let result = self.handle_at(id, event, now);
        if is_stop && result.is_ok() {
            self.stop_report(id);
        }
        result
    }

    /// Logs `waiting for NAME to stop` if the process is STOPPING (at most every 2 seconds).
    fn stop_report(&mut self, id: ProcId) {
        let now = self.now();
        let Some(proc) = self.procs.get_mut(&id) else {
            return;
        };
        if let Some(Action::Log { level, message }) =
            proc.machine.stop_report(&proc.policy, now.mono)
        {
            self.log(level, &message);
        }
    }

    fn handle_at(
        &mut self,
        id: ProcId,
        event: Event,
        now: supervisor_core::Now,
    ) -> Result<(), supervisor_core::Refusal> {
        let mood = self.mood;
        let Some(proc) = self.procs.get_mut(&id) else {
            return Ok(());
        };
        let outcome = proc.machine.handle(&proc.policy, mood, event, now);
        let result = outcome.result.clone();
        self.perform(id, outcome);
        result
    }

    /// Re-evaluates a process's time conditions (deadline reached, start-up, mood change).
    pub(super) fn tick(&mut self, id: ProcId) {
        // An exit that is still draining output is delivered first; ticking before it could
        // call the process RUNNING although it died within startsecs.
        if self
            .procs
            .get(&id)
            .is_some_and(|p| p.pending_exit.is_some())
        {
            return;
        }
        let _ = self.handle(id, Event::Tick);
    }

    fn perform(&mut self, id: ProcId, outcome: Outcome) {
        if let Some(proc) = self.procs.get_mut(&id) {
            // The new deadline replaces the old one; dropping the old entry keeps the set as
            // small as the number of processes waiting for something.
            if let Some(old) = std::mem::replace(&mut proc.deadline, outcome.deadline) {
                self.deadlines.remove(&(old, id));
            }
            if let Some(at) = outcome.deadline {
                self.deadlines.insert((at, id));
            }
        }
        for action in outcome.actions {
            match action {
                Action::Log { level, message } => self.log(level, &message),
                Action::Spawn => self.spawn(id),
                Action::Kill {
                    pid,
                    signal,
                    to_group,
                    purpose,
                } => {
                    let target = if to_group { -(pid as i32) } else { pid as i32 };
                    if let Err(errno) = send_signal(target, signal) {
                        let detail = format!(
                            "[Errno {errno}] {}",
                            nix::errno::Errno::from_raw(errno).desc()
                        );
                        let _ = self.handle(
                            id,
                            Event::KillFailed {
                                purpose,
                                errno,
                                detail,
                            },
                        );
                    }
                }
                Action::StateChanged(change) => self.on_state_change(id, change),
            }
        }
    }

    fn on_state_change(&mut self, id: ProcId, change: StateChange) {
        self.events_state_changed(id, change);
        // Close the stdin pipe once the process has stopped for good; a new spawn makes a new one.
        if matches!(
            change.to,
            ProcessState::Stopped | ProcessState::Exited | ProcessState::Fatal
        ) {
            if let Some(proc) = self.procs.get_mut(&id) {
                proc.stdin = None;
            }
        }
    }

    fn spawn(&mut self, id: ProcId) {
        let event = match self.try_spawn(id) {
            Ok(pid) => Event::Spawned { pid },
            Err(message) => Event::SpawnFailed { message },
        };
        let _ = self.handle(id, event);
    }

    /// The spawn request for a process, from its config and the daemon's servers.
    pub(super) fn spawn_request_for(&self, proc: &Proc) -> SpawnRequest {
        let command = match &proc.config.argv {
            Ok(argv) => CommandLine::Argv(argv.iter().map(Into::into).collect()),
            Err(_) => CommandLine::Shell(proc.config.command.clone()),
        };
        let server_url = proc
            .config
            .serverurl
            .clone()
            .or_else(|| self.config.serverurl());
        // Only the credentials of the server the child is told about (issue 21: a unix socket
        // without auth must not hand out the inet server's password).
        let credentials = server_url
            .as_deref()
            .and_then(|url| self.config.credentials_for(url))
            .cloned();
        SpawnRequest {
            name: proc.config.name.clone(),
            group: proc.config.group.clone(),
            command,
            directory: proc.config.directory.as_ref().map(PathBuf::from),
            umask: proc.config.umask,
            uid: proc.config.uid,
            environment: proc
                .config
                .environment
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            redirect_stderr: proc.config.redirect_stderr,
            stdin: StdinSource::Pipe,
            minfds: u32::try_from(self.config.supervisord.minfds).unwrap_or(1024),
            server_url,
            server_username: credentials.as_ref().map(|c| c.username.clone()),
            server_password: credentials.map(|c| c.password),
        }
    }

    /// Prepares and forks the child; on success registers its pid, stdin and captures.
    ///
    /// In Supervisor's order: the command is checked, then the pipes and log files are made
    /// (a log file that can't be opened is a spawn error, `unknown error making dispatchers`),
    /// then the child is forked.
    fn try_spawn(&mut self, id: ProcId) -> Result<u32, String> {
        let proc = self
            .procs
            .get(&id)
            .ok_or_else(|| "no such process".to_string())?;
        let mut request = self.spawn_request_for(proc);
        let group = proc.config.group.clone();
        // The group's socket comes first, as in Supervisor's FastCGI `before_spawn`.
        let fcgi = self.fcgi_sockets.contains_key(&group);
        if fcgi {
            request.stdin = StdinSource::Fd(self.acquire_fcgi_socket(&group)?);
        }
        let forked = self.prepare_and_fork(id, &request);
        if fcgi {
            match &forked {
                Ok(_) => self.hold_fcgi_socket(&group, id),
                Err(_) => self.release_fcgi_socket(&group, id),
            }
        }
        let (child, logfiles) = forked?;
        let pid = child.pid.as_raw() as u32;
        self.pids.insert(pid, id);
        if self.recent_spawns.len() >= RECENT_SPAWNS {
            self.recent_spawns.pop_front();
        }
        self.recent_spawns.push_back(pid);
        let strip_ansi = self.config.supervisord.strip_ansi;
        let notices = self.notices.clone();
        let proc = self.procs.get_mut(&id).expect("checked above");
        proc.stdin = child.stdin.map(StdinPipe::new);
        proc.spawned_at = Some(Instant::now());
        let pipes = [
            (Channel::Stdout, Some(child.stdout)),
            (Channel::Stderr, child.stderr),
        ];
        for ((channel, pipe), logfile) in pipes.into_iter().zip(logfiles) {
            let Some(pipe) = pipe else { continue };
            let index = channel as usize;
            let cfg = proc.channel_config(channel);
            let capture = CaptureConfig {
                process_name: proc.config.name.clone(),
                channel,
                logfile,
                syslog: cfg.syslog,
                strip_ansi,
                capture_maxbytes: usize::try_from(cfg.capture_maxbytes).unwrap_or(0),
                events_enabled: cfg.events_enabled,
            };
            let capture = self.events.capture_config(id, capture);
            let notices = notices.clone();
            let sink = Box::new(move |n: CaptureNotice| {
                let _ = notices.send((id, channel, n));
            });
            match spawn_capture(pipe, capture, sink) {
                Ok(handle) => proc.captures[index] = Some(handle),
                Err(e) => crate::logs::daemon_log::log(
                    LogLevel::Error,
                    &format!(
                        "cannot capture {} of {}: {e}",
                        channel.name(),
                        proc.config.name
                    ),
                ),
            }
        }
        Ok(pid)
    }

    /// Checks the command, opens the log files and forks.
    fn prepare_and_fork(
        &self,
        id: ProcId,
        request: &SpawnRequest,
    ) -> Result<(spawn::Child, [Option<LogFile>; 2]), String> {
        let proc = self
            .procs
            .get(&id)
            .ok_or_else(|| "no such process".to_string())?;
        let prepared = spawn::prepare(request, &self.daemon_ctx).map_err(|e| e.to_string())?;
        let logfiles = self.open_logs(proc)?;
        let child = spawn::spawn(&prepared).map_err(|e| e.to_string())?;
        Ok((child, logfiles))
    }

    /// Opens the log files of a process's stdout and stderr (no stderr file under
    /// `redirect_stderr`); an error is the `spawnerr` Supervisor reports.
    fn open_logs(&self, proc: &Proc) -> Result<[Option<LogFile>; 2], String> {
        let mut files = [None, None];
        for channel in [Channel::Stdout, Channel::Stderr] {
            let index = channel as usize;
            if channel == Channel::Stderr && proc.config.redirect_stderr {
                continue;
            }
            let Some(path) = &proc.log_paths[index] else {
                continue;
            };
            let cfg = proc.channel_config(channel);
            let file = LogFile::open(
                path.clone(),
                u64::try_from(cfg.logfile_maxbytes).unwrap_or(0),
                u32::try_from(cfg.logfile_backups).unwrap_or(0),
            )
            .map_err(|e| {
                let name = proc.config.name.clone();
                let err = match e.raw_os_error() {
                    Some(libc::EMFILE) => spawn::SpawnError::TooManyOpenFiles { name },
                    errno => spawn::SpawnError::Pipes {
                        name,
                        errno: errno.unwrap_or(libc::EIO),
                    },
                };
                err.to_string()
            })?;
            files[index] = Some(file);
        }
        Ok(files)
    }

    /// A child was reaped: finish draining its output, then tell its state machine.
    pub(super) fn on_reaped(&mut self, reaped: Reaped) {
        let pid = reaped.pid.as_raw() as u32;
        let Some(id) = self.pids.remove(&pid) else {
            self.survivors.remove(&pid);
            let message = crate::reaper::orphan_message(&reaped);
            for (level, line) in self.orphans.record(message, reaped.at) {
                self.log(level, &line);
            }
            return;
        };
        let Some(proc) = self.procs.get_mut(&id) else {
            return;
        };
        let draining = proc
            .captures
            .iter()
            .flatten()
            .filter(|c| !c.is_finished())
            .count();
        proc.pending_exit = Some(reaped);
        if draining == 0 {
            self.deliver_exit(id);
        } else {
            // Read what the child wrote before dying, even if a grandchild keeps the pipe open.
            for capture in proc.captures.iter().flatten() {
                capture.close();
            }
        }
    }

    pub(super) fn on_notice(&mut self, id: ProcId, channel: Channel, notice: CaptureNotice) {
        match notice {
            CaptureNotice::Finished(report) => {
                let Some(proc) = self.procs.get_mut(&id) else {
                    return;
                };
                // The capture's count moves to the process in the same step, so the total
                // never goes back.
                proc.output_bytes[channel as usize] += report.bytes_read;
                proc.captures[channel as usize] = None;
                if proc.pending_exit.is_some() && proc.captures.iter().all(Option::is_none) {
                    self.deliver_exit(id);
                }
            }
            CaptureNotice::WriteFailed(err) => {
                self.log(LogLevel::Error, &format!("{}", err));
            }
            CaptureNotice::WriteRecovered { bytes_lost } => {
                let name = self
                    .procs
                    .get(&id)
                    .map(|p| p.config.name.clone())
                    .unwrap_or_default();
                self.log(
                    LogLevel::Warn,
                    &format!(
                        "log writes for {name} ({}) work again; {bytes_lost} bytes were lost",
                        channel.name()
                    ),
                );
            }
            // Taking the bytes lets the capture read on (`logs/capture/backlog.rs`).
            CaptureNotice::LogEvent(data) => self.events_output(id, channel, data.into_vec()),
            CaptureNotice::Communication(data) => {
                self.events_communication(id, channel, data.into_vec());
            }
        }
    }

    fn deliver_exit(&mut self, id: ProcId) {
        let Some(proc) = self.procs.get_mut(&id) else {
            return;
        };
        let Some(reaped) = proc.pending_exit.take() else {
            return;
        };
        let status = reaped.status;
        let at = self.now_at(reaped.at);
        let group = self.procs.get(&id).map(|p| p.config.group.clone());
        if let Some(group) = group {
            self.release_fcgi_socket(&group, id);
        }
        let proc = self.procs.get(&id).expect("present");
        // The daemonizing-program trap: only worth a /proc scan when the exit was too quick.
        let too_quick = proc.state() == ProcessState::Starting
            && proc
                .machine
                .started_at()
                .is_some_and(|t| at.mono.saturating_since(t) < proc.policy.startsecs_duration());
        let survivors: Vec<u32> = match (too_quick, proc.spawned_at) {
            (true, Some(spawned_at)) => {
                let exited = reaped.pid.as_raw();
                spawn::find_survivors(reaped.pid, spawned_at, |p| {
                    self.not_an_orphan_of(exited, p.as_raw())
                })
                .into_iter()
                .map(|p| p.as_raw() as u32)
                .collect()
            }
            _ => Vec::new(),
        };
        self.survivors.extend(survivors.iter().copied());
        let _ = self.handle_at(id, Event::Exited { status, survivors }, at);
    }

    /// Whether `pid`, a process re-parented to us, must not be blamed on the child `exited`
    /// that just died: it is one of our children, it was already named as another program's
    /// survivor, or it is still in the process group of another child we spawned (each child
    /// leads its own group, so that child left it behind). Orphans re-parent to us whoever
    /// left them, and spawn times alone can't tell apart two programs started together.
    fn not_an_orphan_of(&self, exited: i32, pid: i32) -> bool {
        let raw = pid as u32;
        if self.pids.contains_key(&raw) || self.survivors.contains(&raw) {
            return true;
        }
        process_group_of(pid).is_some_and(|pgrp| {
            pgrp != exited && u32::try_from(pgrp).is_ok_and(|g| self.recent_spawns.contains(&g))
        })
    }
}
