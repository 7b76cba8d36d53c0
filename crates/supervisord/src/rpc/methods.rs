//! The `supervisor.*` namespace: Supervisor's RPC interface, method by method.
//!
//! Every method first checks supervisord's mood (`SHUTDOWN_STATE` while shutting down or
//! reloading), inside the same owner job that does the work, so a call costs one round trip
//! to the owner. Operations on several processes (`startProcessGroup`, `stopAllProcesses`, …)
//! report like Python's `make_allfunc`: results known at once come first, in process order,
//! then the ones that had to be waited for, in the order they finished (those finishing within
//! one of Python's 50 ms polls in process order).

use std::collections::VecDeque;
use std::path::PathBuf;

use supervisor_core::{Event, ProcessState, Refusal, SupervisorState};
use supervisor_xmlrpc::{Fault, FaultCode, Value};
use tokio::sync::oneshot;

use super::info::{all_process_info, process_info, status, write_all_process_info, Member};
use super::{Args, RpcResult};
use crate::logs::{daemon_log, read_log, tail_log, ReadLogError};
use crate::owner::{Gone, Handle, ProcId, Supervisor};
use crate::spawn::{self, SpawnError};

/// Supervisor's API version (`getAPIVersion`).
pub const API_VERSION: &str = "3.0";

fn fault(code: FaultCode, detail: impl std::fmt::Display) -> Fault {
    code.with_detail(detail)
}

fn bad_name(name: &str) -> Fault {
    fault(FaultCode::BadName, name)
}

/// A dropped owner means the daemon is going away: the same answer as a call made while
/// shutting down.
fn gone(_: Gone) -> Fault {
    FaultCode::ShutdownState.fault()
}

/// Python's `_update`: no `supervisor.*` call (but `sendRemoteCommEvent`) while the daemon is
/// shutting down or reloading.
fn guard(s: &Supervisor) -> Result<(), Fault> {
    match s.mood {
        SupervisorState::Running | SupervisorState::Fatal => Ok(()),
        SupervisorState::Restarting | SupervisorState::Shutdown => {
            Err(FaultCode::ShutdownState.fault())
        }
    }
}

/// Runs `f` on the owner after the mood check.
async fn on_owner<R: Send + 'static>(
    owner: &Handle,
    f: impl FnOnce(&mut Supervisor) -> Result<R, Fault> + Send + 'static,
) -> Result<R, Fault> {
    owner
        .call(move |s| guard(s).and_then(|()| f(s)))
        .await
        .map_err(gone)?
}

/// Runs `f` on the owner after the mood check; `f` answers through the sender, maybe later.
async fn on_owner_deferred(
    owner: &Handle,
    f: impl FnOnce(&mut Supervisor, oneshot::Sender<RpcResult>) + Send + 'static,
) -> RpcResult {
    owner
        .call_deferred(move |s, reply| match guard(s) {
            Ok(()) => f(s, reply),
            Err(e) => drop(reply.send(Err(e))),
        })
        .await
        .map_err(gone)?
}

/// Calls `supervisor.<method>`; the caller has checked that the method exists and the number
/// of arguments fits.
pub async fn call(owner: &Handle, method: &str, mut a: Args) -> RpcResult {
    match method {
        "getAPIVersion" | "getVersion" => on_owner(owner, |_| Ok(API_VERSION.into())).await,
        "getSupervisorVersion" => on_owner(owner, |_| Ok(crate::options::VERSION.into())).await,
        "getIdentification" => {
            on_owner(owner, |s| {
                Ok(Value::from(s.config.supervisord.identifier.clone()))
            })
            .await
        }
        "getState" => on_owner(owner, |s| Ok(state_struct(s.mood))).await,
        "getPID" => on_owner(owner, |_| Ok(Value::from(std::process::id() as i32))).await,
        "readLog" | "readMainLog" => {
            let (offset, length) = (a.int()?, a.int()?);
            on_owner(owner, |_| Ok(())).await?;
            let path = daemon_log::with_installed(|l| l.path().map(PathBuf::from)).flatten();
            read_file(path, offset, length)
        }
        "clearLog" => {
            on_owner(owner, |_| Ok(())).await?;
            match daemon_log::with_installed(|l| l.clear()) {
                Some(Ok(())) => Ok(true.into()),
                Some(Err(crate::logs::ClearLogError::Failed(_))) => Err(FaultCode::Failed.fault()),
                _ => Err(FaultCode::NoFile.fault()),
            }
        }
        "shutdown" => {
            on_owner(owner, |s| {
                s.request_shutdown();
                Ok(true.into())
            })
            .await
        }
        "restart" => {
            on_owner(owner, |s| {
                // An invalid config on disk keeps the daemon running on the old one (fix Q4);
                // the client learns why instead of the daemon exiting.
                s.request_restart()
                    .map_err(|e| fault(FaultCode::CantReread, e))?;
                Ok(true.into())
            })
            .await
        }
        "reloadConfig" => on_owner(owner, reload_config).await,
        "addProcessGroup" => {
            let name = a.string()?;
            on_owner(owner, move |s| {
                if s.group(&name).is_some() {
                    return Err(fault(FaultCode::AlreadyAdded, &name));
                }
                // The latest config read: the reread one, else the running one (so a group
                // removed without a reread can be added back, as with Supervisor).
                let config = match &s.pending_config {
                    Some(_) => s.pending_group(&name),
                    None => s.config.group(&name).cloned(),
                }
                .ok_or_else(|| bad_name(&name))?;
                s.add_group(config);
                Ok(Value::from(true))
            })
            .await
        }
        "removeProcessGroup" => {
            let name = a.string()?;
            on_owner(owner, move |s| {
                if s.group(&name).is_none() {
                    return Err(bad_name(&name));
                }
                if !s.remove_group(&name) {
                    return Err(fault(FaultCode::StillRunning, &name));
                }
                Ok(Value::from(true))
            })
            .await
        }
        "getProcessInfo" => {
            let name = a.string()?;
            on_owner(owner, move |s| {
                let id = single(s, &name)?;
                let tz = jiff::tz::TimeZone::system();
                Ok(process_info(&s.procs[&id], crate::owner::wall_now(), &tz))
            })
            .await
        }
        // A top-level call takes the streaming path (`all_process_info_xml`); this one is
        // for `system.multicall`.
        "getAllProcessInfo" => on_owner(owner, |s| Ok(all_process_info(s))).await,
        "startProcess" | "stopProcess" => {
            let op = if method == "startProcess" {
                Op::Start
            } else {
                Op::Stop
            };
            let name = a.string()?;
            let wait = a.opt_bool(true)?;
            on_owner_deferred(owner, move |s, reply| {
                one_or_group(s, op, &name, wait, reply)
            })
            .await
        }
        "startProcessGroup" | "stopProcessGroup" => {
            let op = if method == "startProcessGroup" {
                Op::Start
            } else {
                Op::Stop
            };
            let name = a.string()?;
            let wait = a.opt_bool(true)?;
            on_owner_deferred(owner, move |s, reply| match s.group(&name) {
                None => drop(reply.send(Err(bad_name(&name)))),
                Some(_) => run_batch(s, op, wait, vec![group_order(s, &name)], reply),
            })
            .await
        }
        "startAllProcesses" => {
            let wait = a.opt_bool(true)?;
            on_owner_deferred(owner, move |s, reply| {
                // Every process is spawned at once, in priority order (Q9, as Supervisor).
                let all = priority_order(s).into_iter().flatten().collect();
                run_batch(s, Op::Start, wait, vec![all], reply)
            })
            .await
        }
        "stopAllProcesses" => {
            let wait = a.opt_bool(true)?;
            on_owner_deferred(owner, move |s, reply| {
                // Fix Q8: the reverse of start order, as the docs promise. With `wait`, each
                // group is stopped completely before the next one is signalled (like the
                // ordered shutdown); without it everything is signalled at once.
                let mut stages: Vec<Vec<ProcId>> = priority_order(s)
                    .into_iter()
                    .rev()
                    .map(|mut g| {
                        g.reverse();
                        g
                    })
                    .collect();
                if !wait {
                    stages = vec![stages.into_iter().flatten().collect()];
                }
                run_batch(s, Op::Stop, wait, stages, reply)
            })
            .await
        }
        "signalProcess" => {
            let name = a.string()?;
            let sig = a.value()?;
            on_owner(owner, move |s| {
                if let Some(group) = group_of_wildcard(&name) {
                    if s.group(group).is_none() {
                        return Err(bad_name(&name));
                    }
                    let ids = group_order(s, group);
                    return Ok(signal_many(s, ids, &sig));
                }
                let id = single(s, &name)?;
                let signal = parse_signal(&sig)?;
                signal_proc(s, id, &name, signal).map(|()| Value::from(true))
            })
            .await
        }
        "signalProcessGroup" => {
            let name = a.string()?;
            let sig = a.value()?;
            on_owner(owner, move |s| {
                if s.group(&name).is_none() {
                    return Err(bad_name(&name));
                }
                let ids = group_order(s, &name);
                Ok(signal_many(s, ids, &sig))
            })
            .await
        }
        "signalAllProcesses" => {
            let sig = a.value()?;
            // Fix Q30: the mood is checked before anything is signalled.
            on_owner(owner, move |s| {
                let ids = priority_order(s).into_iter().flatten().collect();
                Ok(signal_many(s, ids, &sig))
            })
            .await
        }
        "getAllConfigInfo" => on_owner(owner, |s| Ok(super::system::all_config_info(s))).await,
        "readProcessStdoutLog" | "readProcessLog" | "readProcessStderrLog" => {
            let name = a.string()?;
            let (offset, length) = (a.int()?, a.int()?);
            let channel = usize::from(method == "readProcessStderrLog");
            let path = on_owner(owner, move |s| {
                single(s, &name).map(|id| s.procs[&id].log_paths[channel].clone())
            })
            .await?;
            read_file(path, offset, length)
        }
        "tailProcessStdoutLog" | "tailProcessLog" | "tailProcessStderrLog" => {
            let name = a.string()?;
            let (offset, length) = (a.int()?, a.int()?);
            let channel = usize::from(method == "tailProcessStderrLog");
            let path = on_owner(owner, move |s| {
                single(s, &name).map(|id| s.procs[&id].log_paths[channel].clone())
            })
            .await?;
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
            let name = a.string()?;
            on_owner(owner, move |s| {
                let id = single(s, &name)?;
                clear_logs(s, id).map_err(|()| fault(FaultCode::Failed, &name))?;
                Ok(Value::from(true))
            })
            .await
        }
        "clearAllProcessLogs" => {
            on_owner(owner, |s| {
                let ids: Vec<ProcId> = priority_order(s).into_iter().flatten().collect();
                let results = ids
                    .into_iter()
                    .map(|id| {
                        let member = Member::of(&s.procs[&id]);
                        let r = clear_logs(s, id)
                            .map_err(|()| fault(FaultCode::Failed, &member.namespec));
                        status(&member, &r)
                    })
                    .collect();
                Ok(Value::Array(results))
            })
            .await
        }
        "sendProcessStdin" => {
            let name = a.string()?;
            let chars = a.value()?;
            on_owner(owner, move |s| {
                // Python checks the type before the name (`INCORRECT_PARAMETERS: 5`).
                let Value::String(chars) = chars else {
                    return Err(fault(FaultCode::IncorrectParameters, py_str(&chars)));
                };
                send_stdin(s, &name, chars.into_bytes())
            })
            .await
        }
        "sendRemoteCommEvent" => {
            let kind = py_str(&a.value()?);
            let data = py_str(&a.value()?);
            // Never refused for the mood (Supervisor skips `_update` here).
            owner
                .call(move |s| s.events_remote(&kind, &data))
                .await
                .map_err(gone)?;
            Ok(true.into())
        }
        _ => Err(FaultCode::UnknownMethod.fault()),
    }
}

/// `getState`'s struct.
pub fn state_struct(mood: SupervisorState) -> Value {
    let mut st = supervisor_xmlrpc::Struct::with_capacity(2);
    st.push("statecode", mood.code());
    st.push("statename", mood.name());
    Value::Struct(st)
}

/// The whole `getAllProcessInfo` response, encoded on the owner straight into bytes: no
/// value tree, one buffer (the hot path of every status poll).
pub async fn all_process_info_xml(owner: &Handle) -> Result<Vec<u8>, Fault> {
    on_owner(owner, |s| Ok(write_all_process_info(s))).await
}

/// `group:*` / `group:` → `Some(group)` (Python's `split_namespec` with no process name).
fn group_of_wildcard(name: &str) -> Option<&str> {
    let (group, proc) = name.split_once(':')?;
    (proc.is_empty() || proc == "*").then_some(group)
}

/// Resolves a namespec naming exactly one process (spec §4.6); the fault names it as given.
fn single(s: &Supervisor, name: &str) -> Result<ProcId, Fault> {
    let (group, proc) = name.split_once(':').unwrap_or((name, name));
    if proc.is_empty() || proc == "*" {
        return Err(bad_name(name));
    }
    s.find(group, proc).ok_or_else(|| bad_name(name))
}

/// A group's processes in Supervisor's order: by process priority, config order for ties.
fn group_order(s: &Supervisor, group: &str) -> Vec<ProcId> {
    let Some(g) = s.group(group) else {
        return Vec::new();
    };
    let mut ids = g.members.clone();
    ids.sort_by_key(|id| s.procs.get(id).map_or(0, |p| p.config.priority));
    ids
}

/// Every group (ascending group priority) with its processes in [`group_order`].
fn priority_order(s: &Supervisor) -> Vec<Vec<ProcId>> {
    s.groups
        .iter()
        .map(|g| group_order(s, &g.config.name))
        .collect()
}

fn read_file(path: Option<PathBuf>, offset: i64, length: i64) -> RpcResult {
    let Some(path) = path else {
        return Err(fault(FaultCode::NoFile, "None"));
    };
    match read_log(&path, offset, length) {
        Ok(bytes) => Ok(Value::string_lossy(&bytes)),
        Err(ReadLogError::BadArguments) => Err(FaultCode::BadArguments.fault()),
        Err(ReadLogError::NoFile) => Err(fault(FaultCode::NoFile, path.display())),
        Err(ReadLogError::Failed(_)) => Err(FaultCode::Failed.fault()),
    }
}

/// The fault for a spawn that cannot even be attempted; Python checks the command before the
/// state (Q34, copied), so a running process whose binary vanished gets `NO_FILE`.
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

/// A start or a stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Start,
    Stop,
}

/// What issuing an operation to one process gave: its result, or "wait for it".
enum Began {
    Done(Result<(), Fault>),
    Pending,
}

/// Issues `op` to one process; `name` is the namespec faults carry.
fn begin(s: &mut Supervisor, op: Op, id: ProcId, name: &str, wait: bool) -> Began {
    let issued = match op {
        Op::Start => spawn_check(s, id).and_then(|()| {
            s.handle(id, Event::Start)
                .map_err(|r| refusal_fault(r, name))
        }),
        Op::Stop => s
            .handle(id, Event::Stop)
            .map_err(|r| refusal_fault(r, name)),
    };
    if let Err(f) = issued {
        return Began::Done(Err(f));
    }
    let Some(proc) = s.procs.get(&id) else {
        return Began::Done(Ok(()));
    };
    match op {
        Op::Start => {
            // Python reaps and runs `transition()` right after spawning: a spawn that failed
            // at once is SPAWN_ERROR, and `startsecs=0` is RUNNING before the answer.
            if proc.machine.spawnerr().is_some() {
                return Began::Done(Err(fault(FaultCode::SpawnError, name)));
            }
            s.tick(id);
            let running = s
                .procs
                .get(&id)
                .is_some_and(|p| p.state() == ProcessState::Running);
            if !wait || running {
                Began::Done(Ok(()))
            } else {
                Began::Pending
            }
        }
        Op::Stop => {
            if !wait || proc.state().is_stopped() {
                Began::Done(Ok(()))
            } else {
                Began::Pending
            }
        }
    }
}

/// Where a waited-for operation stands: `None` while it is still under way.
fn progress(s: &Supervisor, op: Op, id: ProcId, name: &str) -> Option<Result<(), Fault>> {
    let Some(proc) = s.procs.get(&id) else {
        return Some(Ok(()));
    };
    match op {
        Op::Start => {
            if proc.machine.spawnerr().is_some() {
                return Some(Err(fault(FaultCode::SpawnError, name)));
            }
            match proc.state() {
                ProcessState::Running => Some(Ok(())),
                ProcessState::Starting => None,
                _ => Some(Err(fault(FaultCode::AbnormalTermination, name))),
            }
        }
        Op::Stop => proc.state().is_stopped().then_some(Ok(())),
    }
}

/// `startProcess`/`stopProcess`: one process, or every process of `group:*`.
fn one_or_group(
    s: &mut Supervisor,
    op: Op,
    name: &str,
    wait: bool,
    reply: oneshot::Sender<RpcResult>,
) {
    if let Some(group) = group_of_wildcard(name) {
        if s.group(group).is_none() {
            return drop(reply.send(Err(bad_name(name))));
        }
        return run_batch(s, op, wait, vec![group_order(s, group)], reply);
    }
    match single(s, name) {
        Ok(id) => finish_one(s, op, id, name, wait, reply),
        Err(f) => drop(reply.send(Err(f))),
    }
}

/// Issues `op` to one process and answers `True` or the fault, now or when it has settled.
fn finish_one(
    s: &mut Supervisor,
    op: Op,
    id: ProcId,
    name: &str,
    wait: bool,
    reply: oneshot::Sender<RpcResult>,
) {
    match begin(s, op, id, name, wait) {
        Began::Done(r) => drop(reply.send(r.map(|()| true.into()))),
        Began::Pending => {
            let name = name.to_string();
            let mut reply = Some(reply);
            s.watch(Box::new(move |s| {
                // A client that hung up no longer needs an answer.
                if reply.as_ref().is_none_or(|r| r.is_closed()) {
                    return true;
                }
                match progress(s, op, id, &name) {
                    None => false,
                    Some(r) => {
                        if let Some(tx) = reply.take() {
                            let _ = tx.send(r.map(|()| true.into()));
                        }
                        true
                    }
                }
            }));
        }
    }
}

/// How far apart two waited-for results may settle and still be reported in process order:
/// Python polls a pending `make_allfunc` no more often than every 50 ms (`killall.delay`), and
/// every callback found done in one poll is reported in process order. Processes stopped
/// together die within microseconds of each other, but their exits reach the owner in an order
/// that depends on scheduling; without this window `stop grp:*` would list them at random.
const SETTLE_WINDOW: f64 = 0.05;

/// A multi-process start or stop in progress (Python's `make_allfunc`).
struct Batch {
    op: Op,
    wait: bool,
    /// Process lists still to be issued, one after the other has settled.
    stages: VecDeque<Vec<ProcId>>,
    /// Issued and waited for: position in the stage, process, member.
    pending: Vec<(usize, ProcId, Member)>,
    /// Waited-for results of the current stage: settle time, position in the stage, struct.
    settled: Vec<(f64, usize, Value)>,
    /// Status structs, in the order they are reported.
    results: Vec<Value>,
}

impl Batch {
    /// Advances the batch; `true` once every stage has settled.
    fn poll(&mut self, s: &mut Supervisor) -> bool {
        loop {
            let op = self.op;
            let settled = &mut self.settled;
            self.pending
                .retain(|(pos, id, m)| match progress(s, op, *id, &m.namespec) {
                    Some(r) => {
                        settled.push((settle_time(s, op, *id), *pos, status(m, &r)));
                        false
                    }
                    None => true,
                });
            if !self.pending.is_empty() {
                return false;
            }
            self.results
                .extend(in_report_order(std::mem::take(&mut self.settled)));
            let Some(stage) = self.stages.pop_front() else {
                return true;
            };
            for (pos, id) in stage.into_iter().enumerate() {
                let Some(proc) = s.procs.get(&id) else {
                    continue;
                };
                // Starts skip running processes, stops skip stopped ones (`isNotRunning` /
                // `isRunning`), judged when the process's turn comes.
                if proc.state().is_running() != (self.op == Op::Stop) {
                    continue;
                }
                let member = Member::of(proc);
                match begin(s, self.op, id, &member.namespec, self.wait) {
                    Began::Done(r) => self.results.push(status(&member, &r)),
                    Began::Pending => self.pending.push((pos, id, member)),
                }
            }
        }
    }
}

/// When a waited-for process settled: a stop at its exit (the reap time, not when the owner
/// got round to noticing), anything else now.
fn settle_time(s: &Supervisor, op: Op, id: ProcId) -> f64 {
    let exited = s.procs.get(&id).map_or(0.0, |p| p.machine.laststop());
    if op == Op::Stop && exited > 0.0 {
        exited
    } else {
        crate::owner::wall_now()
    }
}

/// Orders waited-for results (settle time, position in the stage, result) as Python reports
/// them: by settle time, except that results settling within [`SETTLE_WINDOW`] of the first of
/// a run are one poll's worth, reported in process order.
fn in_report_order<T>(mut settled: Vec<(f64, usize, T)>) -> Vec<T> {
    settled.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut poll = 0usize;
    let mut window_end = f64::NEG_INFINITY;
    let mut keyed: Vec<(usize, usize, T)> = settled
        .into_iter()
        .map(|(at, pos, r)| {
            if at >= window_end {
                poll += 1;
                window_end = at + SETTLE_WINDOW;
            }
            (poll, pos, r)
        })
        .collect();
    keyed.sort_by_key(|k| (k.0, k.1));
    keyed.into_iter().map(|k| k.2).collect()
}

fn run_batch(
    s: &mut Supervisor,
    op: Op,
    wait: bool,
    stages: Vec<Vec<ProcId>>,
    reply: oneshot::Sender<RpcResult>,
) {
    let mut batch = Batch {
        op,
        wait,
        stages: stages.into(),
        pending: Vec::new(),
        settled: Vec::new(),
        results: Vec::new(),
    };
    let mut reply = Some(reply);
    s.watch(Box::new(move |s| {
        if !batch.poll(s) {
            return false;
        }
        if let Some(tx) = reply.take() {
            let _ = tx.send(Ok(Value::Array(std::mem::take(&mut batch.results))));
        }
        true
    }));
}

/// Parses a signal given as a name (`HUP`, `SIGHUP`) or a number (int or numeric string).
/// Python's `signal_number` also accepts 0, which tests that the process exists.
fn parse_signal(v: &Value) -> Result<i32, Fault> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Int(_) | Value::I8(_) | Value::Bool(_) => {
            super::args::py_int(v).unwrap_or(-1).to_string()
        }
        other => return Err(fault(FaultCode::BadSignal, py_str(other))),
    };
    if super::args::py_int(&Value::String(text.clone())) == Some(0) {
        return Ok(0);
    }
    supervisor_config::types::signal_number(&text).map_err(|_| fault(FaultCode::BadSignal, &text))
}

fn signal_proc(s: &mut Supervisor, id: ProcId, name: &str, signal: i32) -> Result<(), Fault> {
    if signal == 0 {
        let proc = &s.procs[&id];
        if !proc.state().is_signallable() {
            return Err(fault(FaultCode::NotRunning, name));
        }
        let pid = proc.machine.pid().unwrap_or(0) as i32;
        return nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).map_err(|e| {
            fault(
                FaultCode::Failed,
                format!("[Errno {}] {}", e as i32, e.desc()),
            )
        });
    }
    s.handle(id, Event::Signal { signal })
        .map_err(|r| refusal_fault(r, name))
}

/// Signals every signallable process of `ids`; a bad signal is reported per process.
fn signal_many(s: &mut Supervisor, ids: Vec<ProcId>, sig: &Value) -> Value {
    let parsed = parse_signal(sig);
    let mut results = Vec::new();
    for id in ids {
        let Some(proc) = s.procs.get(&id) else {
            continue;
        };
        if !proc.state().is_signallable() {
            continue;
        }
        let member = Member::of(proc);
        let r = parsed
            .clone()
            .and_then(|signal| signal_proc(s, id, &member.namespec, signal));
        results.push(status(&member, &r));
    }
    Value::Array(results)
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

fn send_stdin(s: &mut Supervisor, name: &str, data: Vec<u8>) -> RpcResult {
    let id = single(s, name)?;
    let proc = s.procs.get_mut(&id).expect("resolved");
    let pid = match proc.machine.pid() {
        Some(pid) if !proc.machine.killing() => pid,
        _ => return Err(fault(FaultCode::NotRunning, name)),
    };
    let Some(stdin) = proc.stdin.as_ref() else {
        return Err(fault(FaultCode::NoFile, name));
    };
    match super::stdin::send(id, pid, stdin, data) {
        Ok(()) => Ok(true.into()),
        Err(_) => {
            // The child closed its stdin (EPIPE): Supervisor's NO_FILE, now and later.
            proc.stdin = None;
            Err(fault(FaultCode::NoFile, name))
        }
    }
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

/// Python's `str()` of a decoded value, for fault details (`INCORRECT_PARAMETERS: 5`).
fn py_str(v: &Value) -> String {
    match v {
        Value::Int(i) => i.to_string(),
        Value::I8(i) => i.to_string(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Double(d) => supervisor_xmlrpc::encode::format_double(*d),
        Value::String(s) => s.clone(),
        Value::Nil => "None".into(),
        other => other.type_name().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::in_report_order;

    #[test]
    fn results_settling_together_are_in_process_order() {
        // Exits reached the owner as gc, ga, gb, within a few milliseconds.
        let settled = vec![(10.003, 2, "gc"), (10.004, 0, "ga"), (10.010, 1, "gb")];
        assert_eq!(in_report_order(settled), ["ga", "gb", "gc"]);
    }

    #[test]
    fn results_settling_apart_are_in_settle_order() {
        // gb ignored SIGTERM and was killed a second later; ga and gc died at once.
        let settled = vec![(11.0, 1, "gb"), (10.01, 2, "gc"), (10.0, 0, "ga")];
        assert_eq!(in_report_order(settled), ["ga", "gc", "gb"]);
    }

    #[test]
    fn windows_start_at_the_first_result_of_a_run() {
        // 0.00 opens a window up to 0.05; 0.06 opens the next one, which takes 0.09.
        let settled = vec![
            (0.09, 0, "a"),
            (0.06, 3, "d"),
            (0.0, 2, "c"),
            (0.04, 1, "b"),
        ];
        assert_eq!(in_report_order(settled), ["b", "c", "a", "d"]);
    }
}
