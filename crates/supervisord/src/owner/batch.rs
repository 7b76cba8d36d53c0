//! Starting and stopping processes, one or many, with or without waiting for them to settle.
//!
//! One process: the state machine is told to start or stop; with `wait`, a watcher answers
//! once the process is RUNNING (or failed to get there) or stopped. Many processes report like
//! Python's `make_allfunc`: results known at once come first, in process order, then the ones
//! that had to be waited for, in the order they settled (those settling within one of Python's
//! 50 ms polls in process order). A batch may run in stages, each issued only once the previous
//! one has settled (`stopAllProcesses` stops group by group).

use std::collections::VecDeque;

use supervisor_core::{Event, ProcessState, Refusal};
use tokio::sync::oneshot;

use super::types::{ApiError, Member, ProcessResult};
use super::{wall_now, ProcId, Supervisor};
use crate::spawn::{self, SpawnError};

/// A start or a stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    /// Start (`startProcess`).
    Start,
    /// Stop (`stopProcess`).
    Stop,
}

/// What issuing an operation to one process gave: its result, or "wait for it".
enum Began {
    Done(Result<(), ApiError>),
    Pending,
}

/// How far apart two waited-for results may settle and still be reported in process order:
/// Python polls a pending `make_allfunc` no more often than every 50 ms (`killall.delay`), and
/// every callback found done in one poll is reported in process order. Processes stopped
/// together die within microseconds of each other, but their exits reach the owner in an order
/// that depends on scheduling; without this window `stop grp:*` would list them at random.
const SETTLE_WINDOW: f64 = 0.05;

/// The error for a spawn that cannot even be attempted; Python checks the command before the
/// state (Q34, copied), so a running process whose binary vanished gets `NO_FILE`.
fn spawn_check(s: &Supervisor, id: ProcId) -> Result<(), ApiError> {
    let proc = &s.procs[&id];
    let request = s.spawn_request_for(proc);
    match spawn::prepare(&request, &s.daemon_ctx) {
        Ok(_) => Ok(()),
        Err(e @ SpawnError::NotFound(_)) => Err(ApiError::NoFile(Some(e.to_string()))),
        Err(
            e @ (SpawnError::IsDirectory(_)
            | SpawnError::NotExecutable(_)
            | SpawnError::NoPermission(_)
            | SpawnError::CannotParse { .. }
            | SpawnError::Empty
            | SpawnError::EmbeddedNul { .. }),
        ) => Err(ApiError::NotExecutable(e.to_string())),
        // Pipe and fork failures only happen when actually spawning.
        Err(_) => Ok(()),
    }
}

/// The error for a state machine's refusal; `name` is the namespec the error carries.
pub(super) fn refusal_error(refusal: Refusal, name: &str) -> ApiError {
    match refusal {
        Refusal::AlreadyStarted => ApiError::AlreadyStarted(name.to_string()),
        Refusal::UnknownState => {
            ApiError::Failed(Some(format!("{name} is in an unknown process state")))
        }
        Refusal::NotRunning => ApiError::NotRunning(name.to_string()),
        Refusal::ShuttingDown => ApiError::ShuttingDown,
        Refusal::Failed(msg) => ApiError::Failed(Some(msg)),
    }
}

/// Issues `op` to one process; `name` is the namespec errors carry.
fn begin(s: &mut Supervisor, op: Op, id: ProcId, name: &str, wait: bool) -> Began {
    let issued = match op {
        Op::Start => spawn_check(s, id).and_then(|()| {
            s.handle(id, Event::Start)
                .map_err(|r| refusal_error(r, name))
        }),
        Op::Stop => s
            .handle(id, Event::Stop)
            .map_err(|r| refusal_error(r, name)),
    };
    if let Err(e) = issued {
        return Began::Done(Err(e));
    }
    let Some(proc) = s.procs.get(&id) else {
        return Began::Done(Ok(()));
    };
    match op {
        Op::Start => {
            // Python reaps and runs `transition()` right after spawning: a spawn that failed
            // at once is SPAWN_ERROR, and `startsecs=0` is RUNNING before the answer.
            if proc.machine.spawnerr().is_some() {
                return Began::Done(Err(ApiError::SpawnError(name.to_string())));
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
fn progress(s: &Supervisor, op: Op, id: ProcId, name: &str) -> Option<Result<(), ApiError>> {
    let Some(proc) = s.procs.get(&id) else {
        return Some(Ok(()));
    };
    match op {
        Op::Start => {
            if proc.machine.spawnerr().is_some() {
                return Some(Err(ApiError::SpawnError(name.to_string())));
            }
            match proc.state() {
                ProcessState::Running => Some(Ok(())),
                ProcessState::Starting => None,
                _ => Some(Err(ApiError::AbnormalTermination(name.to_string()))),
            }
        }
        Op::Stop => proc.state().is_stopped().then_some(Ok(())),
    }
}

/// Issues `op` to one process and answers, now or when it has settled.
pub(super) fn one(
    s: &mut Supervisor,
    op: Op,
    id: ProcId,
    name: &str,
    wait: bool,
    reply: oneshot::Sender<Result<(), ApiError>>,
) {
    match begin(s, op, id, name, wait) {
        Began::Done(r) => drop(reply.send(r)),
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
                            let _ = tx.send(r);
                        }
                        true
                    }
                }
            }));
        }
    }
}

/// A multi-process start or stop in progress (Python's `make_allfunc`).
struct Batch {
    op: Op,
    wait: bool,
    /// Process lists still to be issued, one after the other has settled.
    stages: VecDeque<Vec<ProcId>>,
    /// Issued and waited for: position in the stage, process, member.
    pending: Vec<(usize, ProcId, Member)>,
    /// Waited-for results of the current stage: settle time, position in the stage, result.
    settled: Vec<(f64, usize, ProcessResult)>,
    /// Results, in the order they are reported.
    results: Vec<ProcessResult>,
}

impl Batch {
    /// Advances the batch; `true` once every stage has settled.
    fn poll(&mut self, s: &mut Supervisor) -> bool {
        loop {
            let op = self.op;
            let settled = &mut self.settled;
            self.pending
                .retain(|(pos, id, m)| match progress(s, op, *id, &m.namespec) {
                    Some(result) => {
                        let r = ProcessResult {
                            member: m.clone(),
                            result,
                        };
                        settled.push((settle_time(s, op, *id), *pos, r));
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
                    Began::Done(result) => self.results.push(ProcessResult { member, result }),
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
        wall_now()
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

/// Runs `op` over `stages` of processes, each stage once the previous one has settled, and
/// answers with every process's result.
pub(super) fn many(
    s: &mut Supervisor,
    op: Op,
    wait: bool,
    stages: Vec<Vec<ProcId>>,
    reply: oneshot::Sender<Result<Vec<ProcessResult>, ApiError>>,
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
            let _ = tx.send(Ok(std::mem::take(&mut batch.results)));
        }
        true
    }));
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
