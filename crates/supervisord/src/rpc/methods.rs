//! The `supervisor.*` namespace: Supervisor's RPC interface, method by method.

use std::path::PathBuf;

use supervisor_core::{Event, ProcessState, Refusal, SupervisorState};
use supervisor_xmlrpc::{Fault, FaultCode, Value};
use tokio::sync::oneshot;

use super::info::{process_info, status};
use super::{Args, RpcResult};
use crate::logs::{daemon_log, read_log, tail_log, ReadLogError};
use crate::owner::{Handle, ProcId, Supervisor};
use crate::spawn::{self, SpawnError};

/// Supervisor's API version (`getAPIVersion`).
pub const API_VERSION: &str = "3.0";

fn fault(code: FaultCode, detail: impl std::fmt::Display) -> Fault {
    code.with_detail(detail)
}

fn bad_name(name: &str) -> Fault {
    fault(FaultCode::BadName, name)
}

/// Calls `supervisor.<method>`.
pub async fn call(owner: &Handle, method: &str, mut a: Args) -> RpcResult {
    if method != "sendRemoteCommEvent" {
        let mood = owner
            .call(|s| s.mood)
            .await
            .map_err(|_| FaultCode::ShutdownState.fault())?;
        if mood != SupervisorState::Running {
            return Err(FaultCode::ShutdownState.fault());
        }
    }
    let gone = |_| FaultCode::ShutdownState.fault();
    match method {
        "getAPIVersion" | "getVersion" => {
            a.arity(0, 0)?;
            Ok(API_VERSION.into())
        }
        "getSupervisorVersion" => {
            a.arity(0, 0)?;
            Ok(crate::options::VERSION.into())
        }
        "getIdentification" => {
            a.arity(0, 0)?;
            owner
                .call(|s| Value::from(s.config.supervisord.identifier.clone()))
                .await
                .map_err(gone)
        }
        "getState" => {
            a.arity(0, 0)?;
            owner
                .call(|s| {
                    let mut st = supervisor_xmlrpc::Struct::new();
                    st.push("statecode", s.mood.code());
                    st.push("statename", s.mood.name());
                    Value::Struct(st)
                })
                .await
                .map_err(gone)
        }
        "getPID" => {
            a.arity(0, 0)?;
            Ok(Value::from(std::process::id() as i32))
        }
        "readLog" | "readMainLog" => {
            a.arity(2, 2)?;
            let (offset, length) = (a.int()?, a.int()?);
            let path = daemon_log::with_installed(|l| l.path().map(PathBuf::from)).flatten();
            read_file(path, offset, length)
        }
        "clearLog" => {
            a.arity(0, 0)?;
            match daemon_log::with_installed(|l| l.clear()) {
                Some(Ok(())) => Ok(true.into()),
                Some(Err(crate::logs::ClearLogError::Failed(e))) => {
                    Err(fault(FaultCode::Failed, e))
                }
                _ => Err(FaultCode::NoFile.fault()),
            }
        }
        "shutdown" => {
            a.arity(0, 0)?;
            owner.call(|s| s.request_shutdown()).await.map_err(gone)?;
            Ok(true.into())
        }
        "restart" => {
            a.arity(0, 0)?;
            owner
                .call(|s| s.request_restart())
                .await
                .map_err(gone)?
                .map_err(|e| fault(FaultCode::CantReread, e))?;
            Ok(true.into())
        }
        "getProcessInfo" => {
            a.arity(1, 1)?;
            let name = a.string()?;
            owner
                .call(move |s| {
                    let id = single(s, &name)?;
                    Ok(process_info(&s.procs[&id]))
                })
                .await
                .map_err(gone)?
        }
        "getAllProcessInfo" => {
            a.arity(0, 0)?;
            owner
                .call(|s| {
                    let mut procs: Vec<_> = s.procs.values().collect();
                    procs.sort_by(|x, y| {
                        (&x.config.group, &x.config.name).cmp(&(&y.config.group, &y.config.name))
                    });
                    Value::Array(procs.into_iter().map(process_info).collect())
                })
                .await
                .map_err(gone)
        }
        "startProcess" => {
            a.arity(1, 2)?;
            let name = a.string()?;
            let wait = a.opt_bool(true)?;
            if let Some(group) = group_of_wildcard(&name) {
                return start_group(owner, group, wait).await;
            }
            owner
                .call_deferred(move |s, reply| start_one(s, &name, wait, reply))
                .await
                .map_err(gone)?
        }
        "startProcessGroup" => {
            a.arity(1, 2)?;
            let name = a.string()?;
            let wait = a.opt_bool(true)?;
            start_group(owner, name, wait).await
        }
        "startAllProcesses" => {
            a.arity(0, 1)?;
            let wait = a.opt_bool(true)?;
            owner
                .call_deferred(move |s, reply| {
                    let ids: Vec<ProcId> = s.all_procs().map(|p| p.id).collect();
                    start_many(s, ids, wait, reply)
                })
                .await
                .map_err(gone)
        }
        "stopProcess" => {
            a.arity(1, 2)?;
            let name = a.string()?;
            let wait = a.opt_bool(true)?;
            if let Some(group) = group_of_wildcard(&name) {
                return stop_group(owner, group, wait).await;
            }
            owner
                .call_deferred(move |s, reply| stop_one(s, &name, wait, reply))
                .await
                .map_err(gone)?
        }
        "stopProcessGroup" => {
            a.arity(1, 2)?;
            let name = a.string()?;
            let wait = a.opt_bool(true)?;
            stop_group(owner, name, wait).await
        }
        "stopAllProcesses" => {
            a.arity(0, 1)?;
            let wait = a.opt_bool(true)?;
            owner
                .call_deferred(move |s, reply| {
                    // Fix Q8: highest priority number first (the reverse of start order).
                    let mut ids: Vec<ProcId> = s.all_procs().map(|p| p.id).collect();
                    ids.reverse();
                    stop_many(s, ids, wait, reply)
                })
                .await
                .map_err(gone)
        }
        "signalProcess" => {
            a.arity(2, 2)?;
            let name = a.string()?;
            let sig = a.value()?;
            if let Some(group) = group_of_wildcard(&name) {
                return signal_group(owner, Some(group), sig).await;
            }
            owner
                .call(move |s| {
                    let id = single(s, &name)?;
                    let signal = parse_signal(&sig)?;
                    signal_proc(s, id, signal).map(|()| Value::from(true))
                })
                .await
                .map_err(gone)?
        }
        "signalProcessGroup" => {
            a.arity(2, 2)?;
            let name = a.string()?;
            let sig = a.value()?;
            signal_group(owner, Some(name), sig).await
        }
        "signalAllProcesses" => {
            a.arity(1, 1)?;
            let sig = a.value()?;
            signal_group(owner, None, sig).await
        }
        "readProcessStdoutLog" | "readProcessLog" | "readProcessStderrLog" => {
            a.arity(3, 3)?;
            let name = a.string()?;
            let (offset, length) = (a.int()?, a.int()?);
            let channel = usize::from(method == "readProcessStderrLog");
            let path = owner
                .call(move |s| single(s, &name).map(|id| s.procs[&id].log_paths[channel].clone()))
                .await
                .map_err(gone)??;
            read_file(path, offset, length)
        }
        "tailProcessStdoutLog" | "tailProcessLog" | "tailProcessStderrLog" => {
            a.arity(3, 3)?;
            let name = a.string()?;
            let (offset, length) = (a.int()?, a.int()?);
            let channel = usize::from(method == "tailProcessStderrLog");
            let path = owner
                .call(move |s| single(s, &name).map(|id| s.procs[&id].log_paths[channel].clone()))
                .await
                .map_err(gone)??;
            let Some(path) = path else {
                return Ok(Value::Array(vec!["".into(), 0.into(), false.into()]));
            };
            let tail = tail_log(&path, offset, length);
            Ok(Value::Array(vec![
                Value::string_lossy(&tail.data),
                Value::int(tail.offset),
                tail.overflow.into(),
            ]))
        }
        "clearProcessLogs" | "clearProcessLog" => {
            a.arity(1, 1)?;
            let name = a.string()?;
            owner
                .call(move |s| {
                    let id = single(s, &name)?;
                    clear_logs(s, id).map_err(|()| fault(FaultCode::Failed, &name))?;
                    Ok(Value::from(true))
                })
                .await
                .map_err(gone)?
        }
        "clearAllProcessLogs" => {
            a.arity(0, 0)?;
            owner
                .call(|s| {
                    let ids: Vec<ProcId> = s.all_procs().map(|p| p.id).collect();
                    let results = ids
                        .into_iter()
                        .map(|id| {
                            let r = clear_logs(s, id)
                                .map_err(|()| fault(FaultCode::Failed, &s.procs[&id].config.name));
                            status(&s.procs[&id], &r)
                        })
                        .collect();
                    Value::Array(results)
                })
                .await
                .map_err(gone)
        }
        "sendProcessStdin" => {
            a.arity(2, 2)?;
            let name = a.string()?;
            let chars = match a.value()? {
                Value::String(s) => s,
                other => {
                    return Err(fault(
                        FaultCode::IncorrectParameters,
                        describe_value(&other),
                    ))
                }
            };
            owner
                .call(move |s| send_stdin(s, &name, chars.as_bytes()))
                .await
                .map_err(gone)?
        }
        "sendRemoteCommEvent" => {
            a.arity(2, 2)?;
            let _type = a.string()?;
            let _data = a.string()?;
            // REMOTE_COMMUNICATION events reach listeners once event pools exist (issue 6);
            // accepting the call keeps clients that send them working.
            Ok(true.into())
        }
        "reloadConfig" => {
            a.arity(0, 0)?;
            owner.call(reload_config).await.map_err(gone)?
        }
        "addProcessGroup" => {
            a.arity(1, 1)?;
            let name = a.string()?;
            owner
                .call(move |s| {
                    if s.group(&name).is_some() {
                        return Err(fault(FaultCode::AlreadyAdded, &name));
                    }
                    let config = s.pending_group(&name).ok_or_else(|| bad_name(&name))?;
                    s.add_group(config);
                    Ok(Value::from(true))
                })
                .await
                .map_err(gone)?
        }
        "removeProcessGroup" => {
            a.arity(1, 1)?;
            let name = a.string()?;
            owner
                .call(move |s| {
                    if s.group(&name).is_none() {
                        return Err(bad_name(&name));
                    }
                    if !s.remove_group(&name) {
                        return Err(fault(FaultCode::StillRunning, &name));
                    }
                    Ok(Value::from(true))
                })
                .await
                .map_err(gone)?
        }
        "getAllConfigInfo" => {
            a.arity(0, 0)?;
            owner
                .call(|s| super::system::all_config_info(s))
                .await
                .map_err(gone)
        }
        _ => Err(FaultCode::UnknownMethod.fault()),
    }
}

/// `group:*` / `group:` → `Some(group)`.
fn group_of_wildcard(name: &str) -> Option<String> {
    let (group, proc) = name.split_once(':')?;
    (proc.is_empty() || proc == "*").then(|| group.to_string())
}

/// Resolves a namespec naming exactly one process (spec §4.6).
fn single(s: &Supervisor, name: &str) -> Result<ProcId, Fault> {
    let (group, proc) = match name.split_once(':') {
        Some((g, p)) => (g, p),
        None => (name, name),
    };
    if proc.is_empty() || proc == "*" {
        return Err(bad_name(name));
    }
    s.find(group, proc).ok_or_else(|| bad_name(name))
}

fn read_file(path: Option<PathBuf>, offset: i64, length: i64) -> RpcResult {
    let Some(path) = path else {
        return Err(fault(FaultCode::NoFile, "None"));
    };
    match read_log(&path, offset, length) {
        Ok(bytes) => Ok(Value::string_lossy(&bytes)),
        Err(ReadLogError::BadArguments) => Err(FaultCode::BadArguments.fault()),
        Err(ReadLogError::NoFile) => Err(fault(FaultCode::NoFile, path.display())),
        Err(e) => Err(fault(FaultCode::Failed, e)),
    }
}

/// The fault for a spawn that cannot even be attempted (checked before the state, like Python).
fn spawn_check(s: &Supervisor, id: ProcId) -> Result<(), Fault> {
    let proc = &s.procs[&id];
    let request = s.spawn_request_for(proc);
    match spawn::prepare(&request, &s.daemon_ctx) {
        Ok(_) => Ok(()),
        Err(e @ SpawnError::NotFound(_)) => Err(fault(FaultCode::NoFile, e)),
        Err(
            e @ (SpawnError::IsDirectory(_)
            | SpawnError::NotExecutable(_)
            | SpawnError::NoPermission(_)
            | SpawnError::CannotParse { .. }
            | SpawnError::Empty
            | SpawnError::EmbeddedNul { .. }),
        ) => Err(fault(FaultCode::NotExecutable, e)),
        // Pipe and fork failures only happen when actually spawning.
        Err(_) => Ok(()),
    }
}

fn refusal_fault(refusal: Refusal, name: &str) -> Fault {
    match refusal {
        Refusal::AlreadyStarted => fault(FaultCode::AlreadyStarted, name),
        Refusal::UnknownState => fault(
            FaultCode::Failed,
            format!("{name} is in an unknown process state"),
        ),
        Refusal::NotRunning => fault(FaultCode::NotRunning, name),
        Refusal::ShuttingDown => FaultCode::ShutdownState.fault(),
        Refusal::Failed(msg) => fault(FaultCode::Failed, msg),
    }
}

/// Starts one process; the outcome is known at once (refusal, spawn error) or when it has
/// left STARTING.
fn try_start(s: &mut Supervisor, id: ProcId, name: &str) -> Result<(), Fault> {
    spawn_check(s, id)?;
    s.handle(id, Event::Start)
        .map_err(|r| refusal_fault(r, name))?;
    let proc = &s.procs[&id];
    if proc.state() == ProcessState::Backoff && proc.machine.spawnerr().is_some() {
        return Err(fault(FaultCode::SpawnError, name));
    }
    Ok(())
}

/// Where a started process stands: still starting, running, or failed.
fn start_progress(s: &Supervisor, id: ProcId, name: &str) -> Option<Result<(), Fault>> {
    let proc = s.procs.get(&id)?;
    match proc.state() {
        ProcessState::Running => Some(Ok(())),
        ProcessState::Starting if proc.machine.pid().is_some() || proc.machine.spawn_pending() => {
            None
        }
        _ => Some(Err(if proc.machine.spawnerr().is_some() {
            fault(FaultCode::SpawnError, name)
        } else {
            fault(FaultCode::AbnormalTermination, name)
        })),
    }
}

fn start_one(s: &mut Supervisor, name: &str, wait: bool, reply: oneshot::Sender<RpcResult>) {
    let id = match single(s, name) {
        Ok(id) => id,
        Err(f) => return drop(reply.send(Err(f))),
    };
    if let Err(f) = try_start(s, id, name) {
        return drop(reply.send(Err(f)));
    }
    if !wait {
        return drop(reply.send(Ok(true.into())));
    }
    let name = name.to_string();
    let mut reply = Some(reply);
    s.watch(Box::new(move |s| match start_progress(s, id, &name) {
        None => false,
        Some(result) => {
            if let Some(r) = reply.take() {
                let _ = r.send(result.map(|()| true.into()));
            }
            true
        }
    }));
}

async fn start_group(owner: &Handle, group: String, wait: bool) -> RpcResult {
    owner
        .call_deferred(move |s, reply| {
            let Some(g) = s.group(&group) else {
                return drop(reply.send(Err(bad_name(&group))));
            };
            let ids = g.members.clone();
            start_many(s, ids, wait, Box::new(move |v| drop(reply.send(Ok(v)))))
        })
        .await
        .map_err(|_| FaultCode::ShutdownState.fault())?
}

/// A process started by `start_many`, with its outcome once settled.
type Pending = (ProcId, String, Option<Result<(), Fault>>);

/// Starts every process of `ids` that is not already running and reports a status struct per
/// started process, when each has settled (with `wait`) or at once.
fn start_many(s: &mut Supervisor, ids: Vec<ProcId>, wait: bool, reply: impl ReplyArray) {
    let mut pending: Vec<Pending> = Vec::new();
    for id in ids {
        let Some(proc) = s.procs.get(&id) else {
            continue;
        };
        if proc.state().is_running() {
            continue;
        }
        let name = proc.config.name.clone();
        let result = try_start(s, id, &name);
        let done = if result.is_err() || !wait {
            Some(result)
        } else {
            None
        };
        pending.push((id, name, done));
    }
    let mut reply = Some(reply);
    s.watch(Box::new(move |s| {
        for (id, name, done) in pending.iter_mut() {
            if done.is_none() {
                *done = start_progress(s, *id, name);
            }
        }
        if pending.iter().any(|(_, _, d)| d.is_none()) {
            return false;
        }
        let results = pending
            .iter()
            .filter_map(|(id, _, d)| {
                s.procs
                    .get(id)
                    .map(|p| status(p, d.as_ref().expect("settled")))
            })
            .collect();
        if let Some(r) = reply.take() {
            r.send_array(Value::Array(results));
        }
        true
    }));
}

/// Where `start_many`/`stop_many` deliver their array.
trait ReplyArray: Send + 'static {
    fn send_array(self, v: Value);
}

impl ReplyArray for oneshot::Sender<Value> {
    fn send_array(self, v: Value) {
        let _ = self.send(v);
    }
}

impl<F: FnOnce(Value) + Send + 'static> ReplyArray for Box<F> {
    fn send_array(self, v: Value) {
        (*self)(v)
    }
}

fn try_stop(s: &mut Supervisor, id: ProcId, name: &str) -> Result<(), Fault> {
    s.handle(id, Event::Stop)
        .map_err(|r| refusal_fault(r, name))
}

fn stop_one(s: &mut Supervisor, name: &str, wait: bool, reply: oneshot::Sender<RpcResult>) {
    let id = match single(s, name) {
        Ok(id) => id,
        Err(f) => return drop(reply.send(Err(f))),
    };
    if let Err(f) = try_stop(s, id, name) {
        return drop(reply.send(Err(f)));
    }
    if !wait {
        return drop(reply.send(Ok(true.into())));
    }
    let mut reply = Some(reply);
    s.watch(Box::new(move |s| {
        let stopped = s.procs.get(&id).is_none_or(|p| p.state().is_stopped());
        if stopped {
            if let Some(r) = reply.take() {
                let _ = r.send(Ok(true.into()));
            }
        }
        stopped
    }));
}

async fn stop_group(owner: &Handle, group: String, wait: bool) -> RpcResult {
    owner
        .call_deferred(move |s, reply| {
            let Some(g) = s.group(&group) else {
                return drop(reply.send(Err(bad_name(&group))));
            };
            let mut ids = g.members.clone();
            ids.reverse();
            stop_many(s, ids, wait, Box::new(move |v| drop(reply.send(Ok(v)))))
        })
        .await
        .map_err(|_| FaultCode::ShutdownState.fault())?
}

/// Stops every running process of `ids` and reports a status struct for each.
fn stop_many(s: &mut Supervisor, ids: Vec<ProcId>, wait: bool, reply: impl ReplyArray) {
    let mut stopped: Vec<(ProcId, Result<(), Fault>)> = Vec::new();
    for id in ids {
        let Some(proc) = s.procs.get(&id) else {
            continue;
        };
        if !proc.state().is_running() {
            continue;
        }
        let name = proc.config.name.clone();
        let result = try_stop(s, id, &name);
        stopped.push((id, result));
    }
    let mut reply = Some(reply);
    s.watch(Box::new(move |s| {
        let done = !wait
            || stopped.iter().all(|(id, r)| {
                r.is_err() || s.procs.get(id).is_none_or(|p| p.state().is_stopped())
            });
        if !done {
            return false;
        }
        let results = stopped
            .iter()
            .filter_map(|(id, r)| s.procs.get(id).map(|p| status(p, r)))
            .collect();
        if let Some(r) = reply.take() {
            r.send_array(Value::Array(results));
        }
        true
    }));
}

/// Parses a signal given as a name (`HUP`, `SIGHUP`) or a number (int or numeric string).
fn parse_signal(v: &Value) -> Result<i32, Fault> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::I8(i) => i.to_string(),
        other => return Err(fault(FaultCode::BadSignal, describe_value(other))),
    };
    supervisor_config::types::signal_number(&text).map_err(|_| fault(FaultCode::BadSignal, &text))
}

fn signal_proc(s: &mut Supervisor, id: ProcId, signal: i32) -> Result<(), Fault> {
    let name = s.procs[&id].config.name.clone();
    s.handle(id, Event::Signal { signal })
        .map_err(|r| refusal_fault(r, &name))
}

async fn signal_group(owner: &Handle, group: Option<String>, sig: Value) -> RpcResult {
    owner
        .call(move |s| {
            let ids: Vec<ProcId> = match &group {
                Some(g) => s.group(g).ok_or_else(|| bad_name(g))?.members.clone(),
                None => s.all_procs().map(|p| p.id).collect(),
            };
            let parsed = parse_signal(&sig);
            let mut results = Vec::new();
            for id in ids {
                let state = s.procs[&id].state();
                if !state.is_signallable() {
                    continue;
                }
                let r = parsed.clone().and_then(|signal| signal_proc(s, id, signal));
                results.push(status(&s.procs[&id], &r));
            }
            Ok(Value::Array(results))
        })
        .await
        .map_err(|_| FaultCode::ShutdownState.fault())?
}

fn clear_logs(s: &mut Supervisor, id: ProcId) -> Result<(), ()> {
    let proc = &s.procs[&id];
    let mut ok = true;
    for (index, path) in proc.log_paths.iter().enumerate() {
        match &proc.captures[index] {
            Some(capture) => ok &= capture.clear().is_ok(),
            // Not running: truncate the files anyway (fix Q46) and drop their backups.
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

fn send_stdin(s: &mut Supervisor, name: &str, data: &[u8]) -> RpcResult {
    let id = single(s, name)?;
    let proc = s.procs.get_mut(&id).expect("resolved");
    if proc.machine.pid().is_none() || proc.machine.killing() {
        return Err(fault(FaultCode::NotRunning, name));
    }
    let Some(stdin) = proc.stdin.as_ref() else {
        return Err(fault(FaultCode::NoFile, name));
    };
    match write_all_nonblocking(stdin, data) {
        Ok(()) => Ok(true.into()),
        Err(_) => {
            proc.stdin = None;
            Err(fault(FaultCode::NoFile, name))
        }
    }
}

/// Writes to the child's stdin pipe without ever blocking the owner; a full pipe (a child that
/// does not read) drops the rest and is reported as an error.
fn write_all_nonblocking(fd: &std::os::fd::OwnedFd, mut data: &[u8]) -> std::io::Result<()> {
    while !data.is_empty() {
        match nix::unistd::write(fd, data) {
            Ok(n) => data = &data[n..],
            Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

fn reload_config(s: &mut Supervisor) -> RpcResult {
    let new = (s.reloader)().map_err(|e| fault(FaultCode::CantReread, e))?;
    // Names in config order; a group is "changed" when any of its settings differ (AUTO log
    // files compare equal to AUTO: the running config still says AUTO).
    let running = |name: &str| {
        s.groups
            .iter()
            .find(|g| g.config.name == name)
            .map(|g| &g.config)
    };
    let mut added = Vec::new();
    let mut changed = Vec::new();
    for g in &new.groups {
        match running(&g.name) {
            None => added.push(Value::from(g.name.as_str())),
            Some(old) if old != g => changed.push(Value::from(g.name.as_str())),
            Some(_) => {}
        }
    }
    let removed = s
        .groups
        .iter()
        .filter(|g| new.group(&g.config.name).is_none())
        .map(|g| Value::from(g.config.name.as_str()))
        .collect();
    s.pending_config = Some(new);
    Ok(Value::Array(vec![Value::Array(vec![
        Value::Array(added),
        Value::Array(changed),
        Value::Array(removed),
    ])]))
}

/// Python's description of a wrong-typed value in `INCORRECT_PARAMETERS` details.
fn describe_value(v: &Value) -> String {
    match v {
        Value::Int(i) => i.to_string(),
        Value::I8(i) => i.to_string(),
        Value::Bool(b) => {
            if *b {
                "True".into()
            } else {
                "False".into()
            }
        }
        Value::Double(d) => d.to_string(),
        other => other.type_name().to_string(),
    }
}
