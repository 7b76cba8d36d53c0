//! `start`, `stop`, `restart`, `signal`, `clear` and `pid`.

use supervisor_core::namespec::{self, Namespec};

use crate::controller::{exit, split_words, CmdResult, Controller, Exc};
use crate::rpc::{faults, RpcError, StatusResult};

/// Python's `_startresult`.
fn start_result(r: &StatusResult) -> Result<String, Exc> {
    let name = namespec::make(&r.group, r.name.as_deref());
    let reason = match r.status {
        faults::BAD_NAME => "no such process",
        faults::NO_FILE => "no such file",
        faults::NOT_EXECUTABLE => "file is not executable",
        faults::ALREADY_STARTED => "already started",
        faults::SPAWN_ERROR => "spawn error",
        faults::ABNORMAL_TERMINATION => "abnormal termination",
        faults::SUCCESS => return Ok(format!("{name}: started")),
        code => return Err(unknown_code(code, &name)),
    };
    Ok(format!("{name}: ERROR ({reason})"))
}

/// Python's `_signalresult` (also `_stopresult` with `success = "stopped"`).
fn signal_result(r: &StatusResult, success: &str) -> Result<String, Exc> {
    let name = namespec::make(&r.group, r.name.as_deref());
    let reason = match r.status {
        faults::BAD_NAME => "no such process",
        faults::BAD_SIGNAL => "bad signal name",
        faults::NOT_RUNNING => "not running",
        faults::SUCCESS => return Ok(format!("{name}: {success}")),
        faults::FAILED => return Ok(r.description.clone()),
        code => return Err(unknown_code(code, &name)),
    };
    Ok(format!("{name}: ERROR ({reason})"))
}

/// Python's `_clearresult`.
fn clear_result(r: &StatusResult) -> Result<String, Exc> {
    let name = namespec::make(&r.group, r.name.as_deref());
    let reason = match r.status {
        faults::BAD_NAME => "no such process",
        faults::FAILED => "failed",
        faults::SUCCESS => return Ok(format!("{name}: cleared")),
        code => return Err(unknown_code(code, &name)),
    };
    Ok(format!("{name}: ERROR ({reason})"))
}

fn unknown_code(code: i32, name: &str) -> Exc {
    Exc::Value(format!("Unknown result code {code} for {name}"))
}

/// The result struct Python builds from a fault on a single-process call.
fn fault_result(e: RpcError, group: &str, process: Option<&str>) -> Result<StatusResult, Exc> {
    match e {
        RpcError::Fault { code, string } => Ok(StatusResult {
            name: process.map(str::to_string),
            group: group.to_string(),
            status: code,
            description: string,
        }),
        other => Err(other.into()),
    }
}

impl Controller {
    /// Prints results and sets the exit status, stopping at the first unknown code (Python
    /// raises there, after printing the lines before it).
    fn report(
        &mut self,
        results: &[StatusResult],
        format: impl Fn(&StatusResult) -> Result<String, Exc>,
        ignored: Option<i32>,
    ) -> Result<(), Exc> {
        for r in results {
            let line = format(r)?;
            self.output(&line);
            self.set_exitstatus_from_fault(r.status, ignored);
        }
        Ok(())
    }

    /// `start name…|group:*|all`.
    pub(crate) fn do_start(&mut self, arg: &str) -> CmdResult {
        if !self.upcheck()? {
            return Ok(false);
        }
        let names = split_words(arg);
        if names.is_empty() {
            self.output("Error: start requires a process name");
            self.exitstatus = exit::INVALID_ARGS;
            self.help_start();
            return Ok(false);
        }
        let ignored = Some(faults::ALREADY_STARTED);
        if names.contains(&"all") {
            let results = self.client().start_all_processes()?;
            self.report(&results, start_result, ignored)?;
            return Ok(false);
        }
        for name in names {
            let (group, process) = Namespec::parse(name).parts();
            match process {
                None => match self.client().start_process_group(group) {
                    Ok(results) => self.report(&results, start_result, ignored)?,
                    Err(e) if e.fault_code() == Some(faults::BAD_NAME) => {
                        self.output(&format!("{group}: ERROR (no such group)"));
                        self.exitstatus = exit::INVALID_ARGS;
                    }
                    Err(e) => {
                        self.exitstatus = exit::GENERIC;
                        return Err(e.into());
                    }
                },
                Some(p) => match self.client().start_process(name) {
                    Ok(()) => self.output(&format!("{}: started", namespec::make(group, Some(p)))),
                    Err(e) => {
                        let r = fault_result(e, group, Some(p))?;
                        self.report(&[r], start_result, ignored)?;
                    }
                },
            }
        }
        Ok(false)
    }

    /// `stop name…|group:*|all`.
    pub(crate) fn do_stop(&mut self, arg: &str) -> CmdResult {
        if !self.upcheck()? {
            return Ok(false);
        }
        let names = split_words(arg);
        if names.is_empty() {
            self.output("Error: stop requires a process name");
            self.exitstatus = exit::GENERIC;
            self.help_stop();
            return Ok(false);
        }
        let stopped = |r: &StatusResult| signal_result(r, "stopped");
        let ignored = Some(faults::NOT_RUNNING);
        if names.contains(&"all") {
            let results = self.client().stop_all_processes()?;
            self.report(&results, stopped, ignored)?;
            return Ok(false);
        }
        for name in names {
            let (group, process) = Namespec::parse(name).parts();
            match process {
                None => match self.client().stop_process_group(group) {
                    Ok(results) => self.report(&results, stopped, ignored)?,
                    Err(e) => {
                        self.exitstatus = exit::GENERIC;
                        if e.fault_code() == Some(faults::BAD_NAME) {
                            self.output(&format!("{group}: ERROR (no such group)"));
                        } else {
                            return Err(e.into());
                        }
                    }
                },
                Some(p) => match self.client().stop_process(name) {
                    Ok(()) => self.output(&format!("{}: stopped", namespec::make(group, Some(p)))),
                    Err(e) => {
                        let r = fault_result(e, group, Some(p))?;
                        self.report(&[r], stopped, ignored)?;
                    }
                },
            }
        }
        Ok(false)
    }

    /// `restart name…`: `stop` then `start` with the same arguments.
    pub(crate) fn do_restart(&mut self, arg: &str) -> CmdResult {
        if !self.upcheck()? {
            return Ok(false);
        }
        if split_words(arg).is_empty() {
            self.output("Error: restart requires a process name");
            self.exitstatus = exit::GENERIC;
            self.help_restart();
            return Ok(false);
        }
        self.do_stop(arg)?;
        self.do_start(arg)
    }

    /// `signal SIG name…|group:*|all`.
    pub(crate) fn do_signal(&mut self, arg: &str) -> CmdResult {
        if !self.upcheck()? {
            return Ok(false);
        }
        let args = split_words(arg);
        if args.len() < 2 {
            self.output("Error: signal requires a signal name and a process name");
            self.help_signal();
            self.exitstatus = exit::GENERIC;
            return Ok(false);
        }
        let sig = args[0];
        let names = &args[1..];
        let signalled = |r: &StatusResult| signal_result(r, "signalled");
        if names.contains(&"all") {
            let results = self.client().signal_all_processes(sig)?;
            self.report(&results, signalled, None)?;
            return Ok(false);
        }
        for &name in names {
            let (group, process) = Namespec::parse(name).parts();
            match process {
                None => match self.client().signal_process_group(group, sig) {
                    Ok(results) => self.report(&results, signalled, None)?,
                    Err(e) if e.fault_code() == Some(faults::BAD_NAME) => {
                        self.output(&format!("{group}: ERROR (no such group)"));
                        self.exitstatus = exit::GENERIC;
                    }
                    Err(e) => return Err(e.into()),
                },
                Some(p) => match self.client().signal_process(name, sig) {
                    Ok(()) => {
                        self.output(&format!("{}: signalled", namespec::make(group, Some(p))))
                    }
                    Err(e) => {
                        let r = fault_result(e, group, Some(p))?;
                        self.report(&[r], signalled, None)?;
                    }
                },
            }
        }
        Ok(false)
    }

    /// `clear name…|group:*|all`.
    ///
    /// Python sends `group:*` to `clearProcessLogs`, which rejects it, and prints
    /// `group:None: ERROR (no such process)` (quirk Q45); we clear each process of the group.
    pub(crate) fn do_clear(&mut self, arg: &str) -> CmdResult {
        if !self.upcheck()? {
            return Ok(false);
        }
        let names = split_words(arg);
        if names.is_empty() {
            self.output("Error: clear requires a process name");
            self.exitstatus = exit::GENERIC;
            self.help_clear();
            return Ok(false);
        }
        if names.contains(&"all") {
            let results = self.client().clear_all_process_logs()?;
            self.report(&results, clear_result, None)?;
            return Ok(false);
        }
        for name in names {
            let (group, process) = Namespec::parse(name).parts();
            match process {
                None => {
                    let members: Vec<String> = self
                        .client()
                        .get_all_process_info()?
                        .into_iter()
                        .filter(|i| i.group == group)
                        .map(|i| i.name)
                        .collect();
                    if members.is_empty() {
                        self.output(&format!("{group}: ERROR (no such group)"));
                        self.exitstatus = exit::GENERIC;
                    }
                    for member in members {
                        self.clear_one(&format!("{group}:{member}"), group, &member)?;
                    }
                }
                Some(p) => self.clear_one(name, group, p)?,
            }
        }
        Ok(false)
    }

    fn clear_one(&mut self, namespec: &str, group: &str, process: &str) -> Result<(), Exc> {
        match self.client().clear_process_logs(namespec) {
            Ok(()) => {
                let line = format!("{}: cleared", namespec::make(group, Some(process)));
                self.output(&line);
                Ok(())
            }
            Err(e) => {
                let r = fault_result(e, group, Some(process))?;
                self.report(&[r], clear_result, None)
            }
        }
    }

    /// `pid`, `pid all`, `pid name…`.
    pub(crate) fn do_pid(&mut self, arg: &str) -> CmdResult {
        if !self.upcheck()? {
            return Ok(false);
        }
        let names = split_words(arg);
        if names.is_empty() {
            let pid = self.client().get_pid()?;
            self.output(&pid);
        } else if names.contains(&"all") {
            for info in self.client().get_all_process_info()? {
                self.output(&info.pid.to_string());
            }
        } else {
            for name in names {
                match self.client().get_process_info(name) {
                    Ok(info) => {
                        self.output(&info.pid.to_string());
                        if info.pid == 0 {
                            self.exitstatus = exit::NOT_RUNNING;
                        }
                    }
                    Err(e) => {
                        self.exitstatus = exit::GENERIC;
                        if e.fault_code() == Some(faults::BAD_NAME) {
                            self.output(&format!("No such process {name}"));
                        } else {
                            return Err(e.into());
                        }
                    }
                }
            }
        }
        Ok(false)
    }
}
