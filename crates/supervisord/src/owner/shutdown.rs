//! Orderly shutdown and reload: stop groups one at a time, highest priority number first, each
//! completely before the next (Supervisor's order, without its one-second pauses, Q3).

use std::time::{Duration, Instant};

use supervisor_core::{Event, StopSequence, SupervisorState};

use super::{RunEnd, Supervisor};
use supervisor_core::LogLevel;

const REPORT_INTERVAL: Duration = Duration::from_secs(3);

/// An ordered stop in progress.
#[derive(Default)]
pub(super) struct StopPlan {
    /// The groups still to stop, decided by `supervisor_core::order`.
    sequence: StopSequence,
    /// The group that has been sent its stop (the sequence's current one, once signalled).
    signalled: Option<String>,
    last_report: Option<Instant>,
}

impl Supervisor {
    /// Begins stopping every group (mood already set to SHUTDOWN or RESTARTING).
    pub(super) fn begin_stopping(&mut self) {
        if self.shutdown.is_some() {
            return;
        }
        self.events_supervisor_stopping();
        let groups: Vec<_> = self.groups.iter().map(|g| &g.config).collect();
        self.shutdown = Some(StopPlan {
            sequence: StopSequence::new(&groups),
            signalled: None,
            last_report: None,
        });
        // Processes waiting on backoff or restart must learn that spawning is over.
        let ids: Vec<_> = self.procs.keys().copied().collect();
        for id in ids {
            self.tick(id);
        }
    }

    /// Whether every process of a group is in a stopped state (an unknown group is).
    fn group_stopped(&self, name: &str) -> bool {
        self.group(name).is_none_or(|g| {
            g.members
                .iter()
                .filter_map(|id| self.procs.get(id))
                .all(|p| p.state().is_stopped())
        })
    }

    /// Advances the ordered stop; returns how the loop ends once everything is stopped.
    ///
    /// Runs after every input of the owner loop, so it does little per call: each group is sent
    /// its stop once (no spawns happen during a shutdown, so nothing in a stopped group starts
    /// again), and the progress report is only built when it is due.
    pub(super) fn progress_shutdown(&mut self) -> Option<RunEnd> {
        let mut plan = self.shutdown.take()?;
        // Stop groups from the highest priority number down, until one is still stopping.
        loop {
            let current = plan
                .sequence
                .current(|name| self.group_stopped(name))
                .map(str::to_owned);
            let Some(name) = current else {
                return Some(match self.restart_with.take() {
                    Some(config) if self.mood == SupervisorState::Restarting => {
                        RunEnd::Restart(config)
                    }
                    _ => RunEnd::Shutdown,
                });
            };
            if plan.signalled.as_deref() == Some(name.as_str()) {
                break;
            }
            // Processes of the group in stop order (Python's stop_all): reverse priority.
            for id in self.members_in_stop_order(&name) {
                let _ = self.handle(id, Event::StopAll);
            }
            plan.signalled = Some(name);
        }
        self.shutdown = Some(plan);
        // Like Supervisor's shutdown_report: every process of every group not yet stopped, in
        // group order, named at most every 3 seconds.
        let now = Instant::now();
        let plan = self.shutdown.as_mut()?;
        if plan
            .last_report
            .is_some_and(|t| now.duration_since(t) <= REPORT_INTERVAL)
        {
            return None;
        }
        plan.last_report = Some(now);
        let unstopped: Vec<(String, &'static str)> = self
            .all_procs()
            .filter(|p| !p.state().is_stopped())
            .map(|p| (p.config.name.clone(), p.state().name()))
            .collect();
        let names: Vec<&str> = unstopped.iter().map(|(n, _)| n.as_str()).collect();
        self.log(
            LogLevel::Info,
            &format!("waiting for {} to die", names.join(", ")),
        );
        for (name, state) in &unstopped {
            self.log(LogLevel::Blather, &format!("{name} state: {state}"));
        }
        None
    }
}
